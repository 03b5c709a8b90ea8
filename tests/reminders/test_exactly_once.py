"""Exactly once: concurrent senders, a sender killed after claiming, 429s, pace."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.exc import OperationalError
from sqlmodel import col, select

from bot.app import App
from bot.delivery import LEASE, Deliverer, RateLimit, RetryLater, Throttle
from handlers.outbox import notify_person
from handlers.replies import Message
from storage import directory, outbox
from storage.db import Database
from storage.models import Chat, OutboxMessage, Person
from tests.reminders.conftest import Recorder

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


async def queue(application: App, count: int, *, prefix: str = "m") -> list[str]:
    """``count`` due messages spread over the school's people; their texts."""
    texts = [f"{prefix}-{i}" for i in range(count)]
    async with application.services.db.session() as session:
        school = await directory.school_by_slug(session=session, slug="croughton")
        assert school is not None
        assert school.id is not None
        people = await directory.people_of_school(session=session, school_id=school.id)
        for i, text in enumerate(texts):
            person_id = people[i % len(people)].id
            assert person_id is not None
            await notify_person(session=session, cipher=application.services.cipher,
                                key=f"test:{text}", school_id=school.id, person_id=person_id,
                                message=Message(text), available_at=NOW)
    return texts


async def test_two_concurrent_senders_send_each_of_1000_exactly_once(school: App) -> None:
    texts = await queue(school, 1000)
    first, second = Database(school.services.db.url), Database(school.services.db.url)
    recorders = (Recorder(), Recorder())
    try:
        senders = [Deliverer(dataclasses.replace(school.services, db=db), [recorder],
                             concurrency=concurrency)
                   for db, recorder, concurrency in zip((first, second), recorders, (1, 2),
                                                        strict=True)]
        reports = await asyncio.gather(*(s.deliver_due(now=NOW) for s in senders))
    finally:
        await first.dispose()
        await second.dispose()
    sent = [text for recorder in recorders for _, text in recorder.sent]
    assert sorted(sent) == sorted(texts)  # every one, none twice
    assert sum(r.sent for r in reports) == 1000
    assert all(r.sent for r in reports)  # both took part
    async with school.services.db.session() as session:
        assert await outbox.pending_count(session=session) == 0


async def test_a_sender_killed_after_claiming_leaves_the_message_to_be_sent_later(
    school: App,
) -> None:
    await queue(school, 1)
    claimed = await outbox.claim(db=school.services.db, now=NOW, worker="killed", lease=LEASE)
    assert len(claimed) == 1  # ... and the worker dies here, before sending
    recorder = Recorder()
    survivor = Deliverer(school.services, [recorder])
    assert (await survivor.deliver_due(now=NOW + LEASE / 2)).sent == 0  # still leased
    assert (await survivor.deliver_due(now=NOW + LEASE + dt.timedelta(seconds=1))).sent == 1
    assert recorder.sent == [("head", "m-0")]
    async with school.services.db.session() as session:  # the dead worker can't record it
        assert not await outbox.mark_sent(session=session, message_id=claimed[0].id or 0,
                                          worker="killed", now=NOW)
    assert (await survivor.deliver_due(now=NOW + 2 * LEASE)).sent == 0


class Flooded(Recorder):
    """A platform that answers 429 the first ``floods`` times."""

    def __init__(self, floods: int, retry_after: float) -> None:
        super().__init__()
        self.floods = floods
        self.retry_after = retry_after
        self.rate_limit = RateLimit(per_second=1000, per_chat_per_second=1000)

    async def to_person(self, person: Person, message: Message) -> bool:
        if self.floods:
            self.floods -= 1
            raise RetryLater(self.retry_after)
        return await super().to_person(person, message)

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        raise AssertionError("not used")


async def test_a_short_429_is_waited_out_and_the_message_sent_once(school: App) -> None:
    await queue(school, 3)
    platform = Flooded(floods=2, retry_after=0.01)
    report = await Deliverer(school.services, [platform]).deliver_due(now=NOW)
    assert (report.sent, report.retried) == (3, 0)
    assert sorted(text for _, text in platform.sent) == ["m-0", "m-1", "m-2"]


async def test_a_long_429_releases_the_message_until_retry_after(school: App) -> None:
    await queue(school, 1)
    platform = Flooded(floods=1, retry_after=60)
    deliverer = Deliverer(school.services, [platform])
    assert (await deliverer.deliver_due(now=NOW)).retried == 1
    assert (await deliverer.deliver_due(now=NOW + dt.timedelta(seconds=59))).sent == 0
    assert (await deliverer.deliver_due(now=NOW + dt.timedelta(seconds=61))).sent == 1
    assert platform.sent == [("head", "m-0")]


async def test_sends_keep_to_the_platforms_pace_overall_and_per_chat(school: App) -> None:
    await queue(school, 60)  # 10 each to 6 people
    platform = Recorder()
    platform.rate_limit = RateLimit(per_second=100, per_chat_per_second=40)
    started = time.monotonic()
    await Deliverer(school.services, [platform], concurrency=8).deliver_due(now=NOW)
    elapsed = time.monotonic() - started
    assert len(platform.sent) == 60
    # each person's 10 messages are at least 9 x 25 ms apart at 40/s per chat
    assert elapsed >= 0.2


async def test_the_overall_pace_is_even_not_a_second_s_worth_at_once() -> None:
    """At 100/s, 60 messages to 60 chats take about 0.4 s (a burst of 20, then 100/s),
    not no time at all: a second's worth at once would empty the platform's own
    bucket, and the next jitter would be a 429."""
    throttle = Throttle(RateLimit(per_second=100))
    started = time.monotonic()
    for chat in range(60):
        await throttle.wait(f"c{chat}")
    assert 0.3 <= time.monotonic() - started < 2


async def test_a_claim_takes_at_most_its_limit(school: App) -> None:
    """On PostgreSQL the claim's ``LIMIT … FOR UPDATE SKIP LOCKED`` select, as a plain
    subquery, could be rescanned, each rescan taking the next rows: a claim of 50 took
    170 or all 300 (one worker hoarding a fan-out, and sending all of it while the
    database was down)."""
    await queue(school, 300)
    claimed = await outbox.claim(db=school.services.db, now=NOW, worker="w", lease=LEASE,
                                 limit=50)
    assert len(claimed) == 50
    async with school.services.db.session() as session:
        held = await session.exec(select(func.count()).where(
            col(OutboxMessage.claimed_by) == "w"))
        assert held.one() == 50


async def test_a_database_outage_while_recording_stops_the_batch_and_is_recorded_when_back(
    school: App, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The platform accepted a message but the database can't record it: the deliverer
    sends nothing more of the batch, and records that one when the database is back
    (before its lease ends), so a short outage doubles nothing."""
    texts = await queue(school, 20)
    real, outage = outbox.record_sent_many, [OperationalError("UPDATE", {}, OSError("cut"))] * 3

    async def flaky(**kwargs: Any) -> int:
        if outage:
            raise outage.pop()
        return await real(**kwargs)
    monkeypatch.setattr(outbox, "record_sent_many", flaky)
    recorder = Recorder()
    deliverer = Deliverer(school.services, [recorder])
    report = await deliverer.deliver_due(now=NOW)
    # the sends already under way when the record failed finish and are recorded; no
    # new one starts
    assert 1 <= report.sent < 20, report
    assert report.sent + report.left == 20, report
    assert len(recorder.sent) == report.sent
    later = await deliverer.deliver_due(now=NOW + LEASE + dt.timedelta(seconds=1))
    assert later.sent == 20 - report.sent
    assert sorted(text for _, text in recorder.sent) == sorted(texts)  # none twice
