"""Flood control (429) honoured, refusals (403) survived, outbox delivery over Telegram,
and long text split under the limit."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import select

from bot.app import App
from bot.delivery import Deliverer
from bot.platforms.telegram import TelegramAdapter, TelegramMessenger, file_url
from bot.platforms.telegram_send import split_text, utf16_len
from handlers.outbox import notify_chat
from handlers.replies import Message
from storage import directory
from storage.models import OutboxMessage
from tests.support.fake_telegram import FakeTelegram, Updates, flood
from tests.support.outbox import queue_for
from tests.telegram.conftest import ALICE, HEAD, STAFF_ROOM, Sleeps, Webhook


async def test_a_429_on_a_reply_is_waited_out_then_sent(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, sleeps: Sleeps,
) -> None:
    fake.fail_next("sendMessage", flood(7))
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami"))
    assert [c.status for c in fake.calls_to("sendMessage", STAFF_ROOM)] == [429, 200]
    assert sleeps.waits == [7.0]


async def test_a_429_too_long_to_wait_for_is_not_slept_through(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, sleeps: Sleeps,
) -> None:
    fake.fail_next("sendMessage", flood(600))
    assert await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")) == 200
    assert [c.status for c in fake.calls_to("sendMessage")] == [429]
    assert sleeps.waits == []


async def _queue_for_head(app: App, key: str, text: str) -> None:
    await queue_for(app, key=key, message=Message(text))


async def _outbox(app: App) -> list[OutboxMessage]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(OutboxMessage)))


async def test_a_429_in_the_outbox_reschedules_after_retry_after(
    telegram_app: App, adapter: TelegramAdapter, fake: FakeTelegram,
) -> None:
    await _queue_for_head(telegram_app, "k1", "A new report is waiting for you.")
    deliverer = Deliverer(telegram_app.services, [TelegramMessenger(telegram_app, adapter.bot)])
    now = dt.datetime.now(dt.UTC)
    fake.fail_next("sendMessage", flood(30))
    report = await deliverer.deliver_due(now=now)
    assert (report.sent, report.retried) == (0, 1)
    [row] = await _outbox(telegram_app)
    assert row.status == "pending"
    assert row.available_at == now + dt.timedelta(seconds=30)

    assert (await deliverer.deliver_due(now=now + dt.timedelta(seconds=29))).sent == 0
    assert (await deliverer.deliver_due(now=now + dt.timedelta(seconds=31))).sent == 1
    assert [c.text for c in fake.sent(HEAD)] == ["A new report is waiting for you."]


async def test_someone_who_never_started_the_bot_is_retried_later(
    telegram_app: App, adapter: TelegramAdapter, fake: FakeTelegram,
) -> None:
    await _queue_for_head(telegram_app, "k2", "A new report is waiting for you.")
    fake.forbid(HEAD)
    deliverer = Deliverer(telegram_app.services, [TelegramMessenger(telegram_app, adapter.bot)])
    report = await deliverer.deliver_due(now=dt.datetime.now(dt.UTC))
    assert (report.sent, report.retried) == (0, 1)
    [row] = await _outbox(telegram_app)
    assert row.last_error == "recipient not reachable on any platform"


async def test_the_outbox_reaches_a_group_by_its_telegram_id(
    telegram_app: App, adapter: TelegramAdapter, fake: FakeTelegram,
) -> None:
    async with telegram_app.services.db.session() as session:
        school = await directory.school_by_slug(session=session, slug="croughton")
        assert school is not None
        assert school.id is not None
        chat = await directory.chat_by_name(session=session, school_id=school.id,
                                            name="staff-room")
        assert chat is not None
        assert chat.id is not None
        await notify_chat(session=session, cipher=telegram_app.services.cipher, key="k3",
                          school_id=school.id, chat_id=chat.id,
                          message=Message("Please read the updated policy."))
    deliverer = Deliverer(telegram_app.services, [TelegramMessenger(telegram_app, adapter.bot)])
    assert (await deliverer.deliver_due(now=dt.datetime.now(dt.UTC))).sent == 1
    assert [c.text for c in fake.sent(STAFF_ROOM)] == ["Please read the updated policy."]


@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "é", "😀"]), max_size=400),
       st.integers(min_value=2, max_value=60))
def test_split_text_keeps_every_piece_under_the_limit_and_loses_nothing(
    text: str, limit: int,
) -> None:
    pieces = split_text(text, limit)
    assert all(utf16_len(p) <= limit for p in pieces)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)


def test_split_text_leaves_short_text_alone() -> None:
    assert split_text("short") == ["short"]
    assert split_text("") == [""]


def test_the_file_url_follows_the_api_url() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"
