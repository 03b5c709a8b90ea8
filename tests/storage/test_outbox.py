"""The outbox: one row per key, claimed before sending, retried, sent once."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlmodel import select

from bot.app import App
from bot.delivery import Deliverer, RetryLater, SentMarks
from handlers.replies import Button, Document, Message
from storage import outbox
from storage.models import OutboxMessage
from tests.support.messengers import RecordingMessenger
from tests.support.outbox import queue_for

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


async def queue(app: App, key: str, handle: str = "head", when: dt.datetime = NOW) -> bool:
    return await queue_for(app, key=key, handle=handle, when=when, message=Message(
        "secret report text", (Button("Read", "r:1"),), Document("list.csv", b"a,b\n")))


async def test_a_key_is_queued_once_and_its_payload_is_encrypted(app: App) -> None:
    assert await queue(app, "k1")
    assert not await queue(app, "k1")
    async with app.services.db.session() as session:
        rows = await outbox.claim_due(session=session, now=NOW, worker="w",
                                      lease=dt.timedelta(minutes=1))
    assert len(rows) == 1
    assert "secret" not in rows[0].payload
    message = Message.from_json(app.services.cipher.decrypt(rows[0].payload))
    assert message.text == "secret report text"
    assert message.document == Document("list.csv", b"a,b\n")


async def test_delivery_sends_each_message_once(app: App) -> None:
    await queue(app, "a")
    await queue(app, "b", handle="dsl")
    await queue(app, "later", when=NOW + dt.timedelta(hours=1))
    messenger = RecordingMessenger()
    deliverer = Deliverer(app.services, [messenger])
    first = await deliverer.deliver_due(now=NOW)
    second = await deliverer.deliver_due(now=NOW)
    assert (first.sent, second.sent) == (2, 0)
    assert sorted(h for h, _ in messenger.sent) == ["dsl", "head"]
    await deliverer.deliver_due(now=NOW + dt.timedelta(hours=2))
    assert len(messenger.sent) == 3


async def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(app: App) -> None:
    await queue(app, "a")
    async with app.services.db.session() as session:
        mine = await outbox.claim_due(session=session, now=NOW, worker="dead",
                                      lease=dt.timedelta(minutes=2))
    async with app.services.db.session() as session:
        during = await outbox.claim_due(session=session, now=NOW + dt.timedelta(minutes=1),
                                        worker="other", lease=dt.timedelta(minutes=2))
    async with app.services.db.session() as session:
        after = await outbox.claim_due(session=session, now=NOW + dt.timedelta(minutes=3),
                                       worker="other", lease=dt.timedelta(minutes=2))
    assert (len(mine), len(during), len(after)) == (1, 0, 1)
    async with app.services.db.session() as session:
        assert not await outbox.mark_sent(session=session, message_id=mine[0].id or 0,
                                          worker="dead", now=NOW)


async def test_failures_are_retried_later_and_retry_after_is_honoured(app: App) -> None:
    await queue(app, "a")
    messenger = RecordingMessenger([RetryLater(30), ConnectionError("down")])
    deliverer = Deliverer(app.services, [messenger])
    assert (await deliverer.deliver_due(now=NOW)).retried == 1
    assert (await deliverer.deliver_due(now=NOW + dt.timedelta(seconds=29))).retried == 0
    assert (await deliverer.deliver_due(now=NOW + dt.timedelta(seconds=31))).retried == 1
    report = await deliverer.deliver_due(now=NOW + dt.timedelta(hours=1))
    assert report.sent == 1
    assert [h for h, _ in messenger.sent] == ["head"]


async def test_rows_sent_together_are_marked_sent_together_and_each_only_if_still_held(
        app: App) -> None:
    for key in ("a", "b", "c"):
        await queue(app, key)
    async with app.services.db.session() as session:
        mine = await outbox.claim_due(session=session, now=NOW, worker="me",
                                      lease=dt.timedelta(minutes=2))
    await queue(app, "d")
    async with app.services.db.session() as session:
        [theirs] = await outbox.claim_due(session=session, now=NOW, worker="them",
                                          lease=dt.timedelta(minutes=2))
    assert len(mine) == 3
    marks = SentMarks(app.services, "me")
    ids = [r.id or 0 for r in mine]
    await asyncio.gather(*(marks.mark(i) for i in [*ids, theirs.id or 0]))
    assert marks.transactions <= 2  # the first mark at once, the rest together
    async with app.services.db.session() as session:
        rows = {r.id: r for r in await session.exec(select(OutboxMessage))}
    assert [rows[i].status for i in ids] == [outbox.SENT] * 3
    assert all(rows[i].sent_at is not None and rows[i].claimed_until is None for i in ids)
    assert rows[theirs.id].status == outbox.PENDING  # not this worker's to mark
    await marks.mark(ids[0])  # marking again changes nothing
    assert marks.transactions <= 3
