"""Nothing a user sent is lost, and nothing is done twice: an update is recorded in the
same transaction as what it changed and the replies it queued. One whose handling
failed, or was interrupted, recorded nothing and is handled when Telegram delivers it
again; one delivered again after that changes nothing; its replies reach the person
even if the worker that queued them died before sending them."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.app import App
from bot.delivery import Deliverer
from bot.inbound import Outcome
from bot.platforms.telegram import TelegramAdapter, TelegramMessenger
from handlers.context import Services
from handlers.events import Event
from handlers.identity import identify
from handlers.replies import Reply
from handlers.router import SORRY
from storage.models import Conversation, OutboxMessage
from storage.update_models import ProcessedUpdate
from tests.support.fake_telegram import FakeTelegram, Updates
from tests.telegram.conftest import ALICE, STAFF_ROOM, Webhook, fail_to_identify_once


async def _rows(app: App) -> list[ProcessedUpdate]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(ProcessedUpdate)))


async def _replies(app: App) -> list[OutboxMessage]:
    async with app.services.db.session() as session:
        query = select(OutboxMessage).where(col(OutboxMessage.platform) == "telegram")
        return list(await session.exec(query))


class Gate:
    """Holds every update inside its transaction, after identification, until opened."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.inside = asyncio.Event()
        self.open = asyncio.Event()

        async def held(**kwargs: Any) -> Any:
            found = await identify(**kwargs)
            self.inside.set()
            await self.open.wait()
            return found

        monkeypatch.setattr("bot.inbound.identify", held)


async def test_an_update_that_failed_is_handled_when_telegram_retries(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outage = OperationalError("SELECT …", {}, Exception("server closed the connection"))
    fail_to_identify_once(monkeypatch, outage)
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    assert await webhook.post(update) == 500  # Telegram will deliver it again
    assert fake.sent() == []
    assert await _rows(telegram_app) == []  # nothing was recorded
    assert await webhook.post(update) == 200
    assert await webhook.post(update) == 200  # and now a duplicate
    [reply] = fake.sent(STAFF_ROOM)
    assert reply.text.startswith("You are Alice Ames (staff)")
    assert len(await _rows(telegram_app)) == 1


async def test_an_update_cancelled_mid_way_changed_nothing(
    adapter: TelegramAdapter, updates: Updates, fake: FakeTelegram, telegram_app: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = Gate(monkeypatch)
    update = updates.message(user=ALICE, chat=ALICE, text="/tflow")
    handling = asyncio.create_task(adapter.handle(update))
    await gate.inside.wait()
    handling.cancel()  # the worker stops mid-update
    with pytest.raises(asyncio.CancelledError):
        await handling
    assert await _rows(telegram_app) == []
    async with telegram_app.services.db.session() as session:
        assert list(await session.exec(select(Conversation))) == []
    gate.open.set()
    assert await adapter.handle(update) is Outcome.HANDLED
    await adapter.settled()
    assert [c.text for c in fake.sent(ALICE)] == ["Which kind of thing is it?"]


async def test_a_retry_arriving_while_the_update_is_handled_waits_and_changes_nothing(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = Gate(monkeypatch)
    update = updates.message(user=ALICE, chat=ALICE, text="/tflow")
    first = asyncio.create_task(webhook.post(update))
    await gate.inside.wait()
    retry = asyncio.create_task(webhook.post(update))  # Telegram gave up waiting: again
    gate.open.set()
    assert sorted(await asyncio.gather(first, retry)) == [200, 200]
    assert [c.text for c in fake.sent(ALICE)] == ["Which kind of thing is it?"]
    assert len(await _rows(telegram_app)) == 1


async def test_a_failed_handler_changes_nothing_and_apologises_once(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(services: Services, event: Event) -> list[Reply]:
        raise RuntimeError("a bug")

    command = telegram_app.router._commands["tflow"]
    monkeypatch.setitem(telegram_app.router._commands, "tflow",
                        dataclasses.replace(command, handler=broken))
    update = updates.message(user=ALICE, chat=ALICE, text="/tflow")
    assert await webhook.post(update) == 200
    assert await webhook.post(update) == 200
    assert [c.text for c in fake.sent(ALICE)] == [SORRY]
    async with telegram_app.services.db.session() as session:
        assert list(await session.exec(select(Conversation))) == []


async def test_replies_a_dead_worker_queued_are_sent_once_its_claim_expires(
    telegram_app: App, adapter: TelegramAdapter, updates: Updates, fake: FakeTelegram,
) -> None:
    update = updates.message(user=ALICE, chat=ALICE, text="/tflow")
    handled = await adapter.pipeline.handle(adapter._read(update).inbound)  # type: ignore[union-attr]
    assert handled.outcome is Outcome.HANDLED  # committed; then the worker died, unsent
    survivor = Deliverer(telegram_app.services, [TelegramMessenger(telegram_app, adapter.bot)])
    now = dt.datetime.now(dt.UTC)
    assert (await survivor.deliver_due(now=now)).sent == 0  # still the dead worker's
    expired = now + adapter.pipeline.deliverer.lease + dt.timedelta(seconds=1)
    assert (await survivor.deliver_due(now=expired)).sent == 1
    assert (await survivor.deliver_due(now=expired)).sent == 0
    assert [c.text for c in fake.sent(ALICE)] == ["Which kind of thing is it?"]
    assert await adapter.handle(update) is Outcome.DUPLICATE  # a late retry changes nothing
    await adapter.settled()
    assert len(fake.sent(ALICE)) == 1
    [reply] = await _replies(telegram_app)
    assert "Which kind" not in reply.payload  # encrypted at rest, like every message


async def test_replies_are_sent_from_the_rows_in_hand_without_reading_them_back(
    telegram_app: App, adapter: TelegramAdapter, updates: Updates, fake: FakeTelegram,
) -> None:
    update = updates.message(user=ALICE, chat=ALICE, text="/tflow")
    handled = await adapter.pipeline.handle(adapter._read(update).inbound)  # type: ignore[union-attr]
    [row] = handled.queued
    assert row.id is not None
    assert row.claimed_by == adapter.pipeline.deliverer.worker_id
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split()[0].upper())

    engine = telegram_app.services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        report = await adapter.pipeline.deliver(handled)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert report.sent == 1
    assert statements == ["UPDATE"]  # marked sent (if still ours); nothing read back
    assert [c.text for c in fake.sent(ALICE)] == ["Which kind of thing is it?"]
    [stored] = await _replies(telegram_app)
    assert stored.status == "sent"


async def test_a_held_reply_whose_claim_runs_short_is_left_to_be_sent_after_it_expires(
    telegram_app: App, adapter: TelegramAdapter, updates: Updates, fake: FakeTelegram,
) -> None:
    update = updates.message(user=ALICE, chat=ALICE, text="/tflow")
    handled = await adapter.pipeline.handle(adapter._read(update).inbound)  # type: ignore[union-attr]
    [row] = handled.queued
    assert row.claimed_until is not None
    row.claimed_until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)  # about to lapse
    report = await adapter.pipeline.deliver(handled)
    assert (report.sent, report.left) == (0, 1)
    assert fake.sent(ALICE) == []
    survivor = Deliverer(telegram_app.services, [TelegramMessenger(telegram_app, adapter.bot)])
    expired = dt.datetime.now(dt.UTC) + adapter.pipeline.deliverer.lease + dt.timedelta(seconds=1)
    assert (await survivor.deliver_due(now=expired)).sent == 1
    assert [c.text for c in fake.sent(ALICE)] == ["Which kind of thing is it?"]
