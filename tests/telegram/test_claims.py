"""Nothing a user sent is lost: an update whose handling failed, was cancelled or was
interrupted (its worker killed) is handled when Telegram delivers it again, while a
duplicate of one handled is still handled once."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from bot.app import App
from bot.platforms.telegram import Outcome, TelegramAdapter
from bot.runner import run_polling
from storage import updates as claims
from storage.db import Database
from storage.update_models import ProcessedUpdate
from tests.support.fake_telegram import BOT_ID, FakeTelegram, Updates
from tests.telegram.conftest import ALICE, STAFF_ROOM, Webhook, fail_to_event_once

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LEASE = claims.LEASE


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    yield database
    await database.dispose()


async def _claim(db: Database, key: str = "1:5", now: dt.datetime = NOW,
                 take_over: bool = False) -> claims.Claim:
    async with db.session() as session:
        return await claims.claim(session=session, platform="telegram", key=key, now=now,
                                   take_over=take_over)


async def _settle(db: Database, holder: str | None, *, handled: bool, key: str = "1:5") -> bool:
    assert holder is not None
    settle = claims.complete if handled else claims.release
    async with db.session() as session:
        return await settle(session=session, platform="telegram", key=key, holder=holder)


# -- storage.updates ---------------------------------------------------------------

async def test_a_claim_in_progress_is_busy_until_done_then_a_duplicate(db: Database) -> None:
    first = await _claim(db)
    assert (first.outcome, first.lease_until) == (claims.TAKEN, NOW + LEASE)
    busy = await _claim(db, now=NOW + LEASE / 2)
    assert (busy.outcome, busy.lease_until) == (claims.BUSY, NOW + LEASE)
    assert await _settle(db, first.holder, handled=True)
    assert (await _claim(db)).outcome == claims.DONE
    assert (await _claim(db, now=NOW + 10 * LEASE)).outcome == claims.DONE  # done is done
    assert (await _claim(db, take_over=True)).outcome == claims.DONE


async def test_a_released_claim_is_taken_again(db: Database) -> None:
    first = await _claim(db)
    assert await _settle(db, first.holder, handled=False)
    again = await _claim(db)
    assert again.outcome == claims.TAKEN
    assert again.holder != first.holder


async def test_an_expired_lease_is_taken_over_and_the_old_holder_cannot_settle(
    db: Database,
) -> None:
    dead = await _claim(db)
    taken = await _claim(db, now=NOW + LEASE)  # the first worker died mid-update
    assert taken.outcome == claims.TAKEN
    assert not await _settle(db, dead.holder, handled=True)
    assert not await _settle(db, dead.holder, handled=False)
    assert (await _claim(db, now=NOW + LEASE)).outcome == claims.BUSY  # still the new one's
    assert await _settle(db, taken.holder, handled=True)


async def test_take_over_takes_a_live_claim(db: Database) -> None:
    await _claim(db)
    assert (await _claim(db, take_over=True)).outcome == claims.TAKEN


async def test_of_many_claims_at_once_exactly_one_is_taken(db: Database) -> None:
    taken = await asyncio.gather(*(_claim(db, key="1:9") for _ in range(8)))
    assert sorted(c.outcome for c in taken) == [claims.BUSY] * 7 + [claims.TAKEN]


# -- the adapter -------------------------------------------------------------------

async def _rows(app: App) -> list[ProcessedUpdate]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(ProcessedUpdate)))


async def test_an_update_that_failed_is_handled_when_telegram_retries(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outage = OperationalError("SELECT …", {}, Exception("server closed the connection"))
    fail_to_event_once(monkeypatch, outage)
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    assert await webhook.post(update) == 500  # Telegram will deliver it again
    assert fake.sent() == []
    assert await _rows(telegram_app) == []  # the claim was released
    assert await webhook.post(update) == 200
    assert await webhook.post(update) == 200  # and now a duplicate
    [reply] = fake.sent(STAFF_ROOM)
    assert reply.text.startswith("You are Alice Ames (staff)")
    assert [r.status for r in await _rows(telegram_app)] == [claims.DONE]


async def test_an_update_cancelled_mid_way_is_released(
    adapter: TelegramAdapter, updates: Updates, fake: FakeTelegram, telegram_app: App,
) -> None:
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    gate = fake.hold("sendMessage")
    handling = asyncio.create_task(adapter.handle_json(update))
    await fake.wait_for("sendMessage")
    handling.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handling
    assert await _rows(telegram_app) == []
    gate.set()
    assert await adapter.handle_json(update) is Outcome.HANDLED


async def _left_by_a_killed_worker(app: App, update_id: int, now: dt.datetime) -> None:
    async with app.services.db.session() as session:
        assert await claims.claim(session=session, platform="telegram",
                                   key=f"{BOT_ID}:{update_id}", now=now)


async def test_a_webhook_retry_waits_for_a_live_claim_then_takes_an_expired_one(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
) -> None:
    now = dt.datetime.now(dt.UTC)
    live = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    await _left_by_a_killed_worker(telegram_app, live["update_id"], now)
    assert await webhook.post(live) == 503  # being handled, as far as anyone knows
    expired = updates.message(user=ALICE, chat=STAFF_ROOM, text="/help")
    await _left_by_a_killed_worker(telegram_app, expired["update_id"], now - 2 * LEASE)
    assert await webhook.post(expired) == 200
    [reply] = fake.sent(STAFF_ROOM)
    assert reply.text.startswith("PolicyBot helps with")


async def test_polling_takes_over_what_a_killed_poller_left(
    telegram_app: App, fake: FakeTelegram, updates: Updates,
) -> None:
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    await _left_by_a_killed_worker(telegram_app, update["update_id"], dt.datetime.now(dt.UTC))
    await fake.queue_update(update)  # Telegram hands it to the restarted poller
    stop = asyncio.Event()
    running = asyncio.create_task(run_polling(telegram_app, stop))
    try:
        [reply] = await fake.wait_for("sendMessage", chat_id=STAFF_ROOM)
    finally:
        stop.set()
        await running
    assert reply.text.startswith("You are Alice Ames (staff)")
    assert [r.status for r in await _rows(telegram_app)] == [claims.DONE]
