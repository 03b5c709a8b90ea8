"""Exactly once, also after a crash: the bot is killed (kill -9) right after a step of
a report was committed, while its reply is still on the way, and restarted; Telegram
then delivers the same update again. The redelivery changes nothing (the typed answer
is not taken for the next step too; a second Send is not a policy question) and the
person still gets the reply they should have seen, sent by the restarted bot once the
dead one's claim on it has lapsed. Over the webhook (``serve``) and polling (``run``),
on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlmodel import select

from bot.app import App
from bot.platforms.telegram import SECRET_HEADER
from bot.settings import Settings
from storage.models import Conversation
from storage.report_models import Report
from tests.support.fake_telegram import TOKEN, FakeTelegram, Updates
from tests.support.processes import BotProcess, policybot_env
from tests.telegram.conftest import ALICE, SECRET

LEASE = "1"  # seconds: how soon the restarted bot may send what the dead one held


@pytest.fixture
def env(telegram_settings: Settings, fake: FakeTelegram) -> dict[str, str]:
    return policybot_env(telegram_settings, TELEGRAM_BOT_TOKEN=TOKEN,
                         TELEGRAM_API_URL=fake.api_url, TELEGRAM_WEBHOOK_SECRET=SECRET,
                         POLICYBOT_DELIVERY_LEASE_SECONDS=LEASE)


@pytest.fixture
async def processes() -> AsyncIterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        await process.kill()


async def _draft(app: App) -> dict[str, Any]:
    async with app.services.db.session() as session:
        [row] = await session.exec(select(Conversation))
    return dict(row.state)


async def _reports(app: App) -> list[Report]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(Report)))


def _texts(fake: FakeTelegram) -> list[str]:
    return [c.text for c in fake.calls_to("sendMessage", ALICE)]


async def test_a_typed_answer_redelivered_after_a_crash_is_taken_once_over_the_webhook(
    env: dict[str, str], fake: FakeTelegram, updates: Updates, telegram_app: App,
    processes: list[BotProcess],
) -> None:
    processes.append(bot := await BotProcess.serve(env))

    async def post(update: dict[str, Any]) -> int:
        async with aiohttp.ClientSession() as telegram:
            response = await telegram.post(f"{bot.url}/telegram", json=update,
                                           headers={SECRET_HEADER: SECRET})
            return response.status

    for count, text in enumerate(("/friendrequest", "A parent"), start=1):
        assert await post(updates.message(user=ALICE, chat=ALICE, text=text)) == 200
        await fake.wait_for("sendMessage", chat_id=ALICE, count=count, within=30)
    replying = fake.hold("sendMessage")
    name = updates.message(user=ALICE, chat=ALICE, text="J.S.")
    assert await post(name) == 200  # committed
    await fake.wait_for("sendMessage", chat_id=ALICE, count=3, within=30)  # reply in flight
    await bot.kill()
    replying.set()
    processes.append(bot := await BotProcess.serve(env))
    assert await post(name) == 200  # Telegram's retry reaches the restarted bot
    draft = await _draft(telegram_app)
    assert draft["history"] == ["contact_type", "subject"]  # the name, once
    assert draft["step"] == "platform"  # not "Links: J.S." a step further on
    await fake.wait_for("sendMessage", chat_id=ALICE, count=4, within=30)
    assert _texts(fake)[2] == _texts(fake)[3]  # the question in flight, sent again
    assert _texts(fake)[3].startswith("On which platform?")


async def test_a_send_redelivered_after_a_crash_records_once_when_polling(
    env: dict[str, str], fake: FakeTelegram, updates: Updates, telegram_app: App,
    processes: list[BotProcess],
) -> None:
    processes.append(bot := await BotProcess.start(env, "run"))
    steps = ("/friendrequest", "A parent", "J.S.", "Facebook", "Yesterday", "I declined it",
             "Skip")
    for count, text in enumerate(steps, start=1):
        await fake.queue_update(updates.message(user=ALICE, chat=ALICE, text=text))
        await fake.wait_for("sendMessage", chat_id=ALICE, count=count, within=60)
    assert _texts(fake)[-1].startswith("Please check this before it is sent")
    replying = fake.hold("sendMessage")
    await fake.queue_update(updates.message(user=ALICE, chat=ALICE, text="Send"))
    await fake.wait_for("sendMessage", chat_id=ALICE, count=len(steps) + 1, within=30)
    await bot.kill()  # the report is stored; its "thank you" never arrived
    replying.set()
    [report] = await _reports(telegram_app)
    processes.append(await BotProcess.start(env, "run"))  # Telegram hands "Send" over again
    await fake.wait_for("sendMessage", chat_id=ALICE, count=len(steps) + 2, within=60)
    thanks = _texts(fake)[-1]
    assert re.search(rf"#{report.reference}\b", thanks), thanks  # the reporter's reference
    assert len(await _reports(telegram_app)) == 1
    assert not any("The policy" in t or "shall I" in t.lower() for t in _texts(fake))
