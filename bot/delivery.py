"""Delivering the outbox: claim due messages, send each through a platform
messenger, record the result. Retries back off; a 429's retry-after is honoured.

Exactly once per key: the row is claimed (leased) before sending and marked sent
after; a worker that dies in between leaves the lease to expire, and the message
is sent later (at-least-once from the platform's side, once in the normal case).
A row whose lease is about to run out is left alone rather than sent late, so a
slow worker never races the worker that takes the row over.

Pace: a messenger may declare ``rate_limit`` (a :class:`RateLimit`): messages per
second overall and per chat (Telegram: about 30/s overall, 1/s per chat). Sends
wait for both (``aiolimiter``). A :class:`RetryLater` of a few seconds pauses that
platform and retries the same message in place; a longer one releases the row to
be retried after ``retry_after``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aiolimiter import AsyncLimiter

from handlers.context import Services
from handlers.replies import Message
from storage import outbox, school_choices
from storage.models import Chat, OutboxMessage, Person

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=2)
LEASE_MARGIN = dt.timedelta(seconds=20)  # don't start a send this close to the lease's end
MAX_ATTEMPTS = 12
INLINE_RETRY_MAX = 5.0  # seconds: a shorter retry-after is waited out in place
INLINE_RETRIES = 5
MAX_TRACKED_CHATS = 10_000


class RetryLater(Exception):
    """The platform asked us to slow down (HTTP 429) or is briefly unavailable."""

    def __init__(self, retry_after: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}; retry after {retry_after:.0f}s")
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class RateLimit:
    """How fast a platform accepts messages: ``per_second`` overall and, if set,
    ``per_chat_per_second`` to any one person or chat."""

    per_second: float
    per_chat_per_second: float | None = None


class Messenger(Protocol):
    """One platform's outbound side. Returns False when the recipient has no
    account on this platform (another messenger may reach them). May also have a
    ``rate_limit: RateLimit | None`` attribute."""

    platform: str

    async def to_person(self, person: Person, message: Message) -> bool: ...

    async def to_chat(self, chat: Chat, message: Message) -> bool: ...


class Throttle:
    """One platform's pace: an overall limiter, one per chat, and a pause after a 429."""

    def __init__(self, limit: RateLimit | None) -> None:
        self.limit = limit
        self.overall = AsyncLimiter(limit.per_second, 1) if limit else None
        self.chats: dict[str, AsyncLimiter] = {}
        self.paused_until = 0.0

    async def wait(self, destination: str) -> None:
        delay = self.paused_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        if self.limit is not None and self.limit.per_chat_per_second:
            await self._chat(destination, self.limit.per_chat_per_second).acquire()
        if self.overall is not None:
            await self.overall.acquire()

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def _chat(self, destination: str, rate: float) -> AsyncLimiter:
        limiter = self.chats.get(destination)
        if limiter is None:
            if len(self.chats) >= MAX_TRACKED_CHATS:
                self.chats.clear()
            limiter = self.chats[destination] = AsyncLimiter(1, 1 / rate)
        return limiter


@dataclass(frozen=True, slots=True)
class _Claimed:
    row: OutboxMessage
    person: Person | None
    chat: Chat | None


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    left: int = 0  # claimed, but the lease ran short before its turn: sent after it expires


class Deliverer:
    def __init__(self, services: Services, messengers: Sequence[Messenger],
                 worker_id: str | None = None, *, concurrency: int = 1,
                 lease: dt.timedelta = LEASE) -> None:
        self.services = services
        self.lease = lease
        self.messengers = list(messengers)
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self.throttles = [Throttle(getattr(m, "rate_limit", None)) for m in self.messengers]
        self._slots = asyncio.Semaphore(max(concurrency, 1))

    async def deliver_due(self, *, now: dt.datetime | None = None, limit: int = 50,
                          only: tuple[str, ...] | None = None) -> DeliveryReport:
        """Send every due message (in batches of ``limit``) once; return what happened.
        ``only``: deliver just the messages whose keys start with one of these prefixes."""
        report = DeliveryReport()
        while True:
            moment = now or self.services.now()
            batch = await outbox.claim(db=self.services.db, now=moment, worker=self.worker_id,
                                       lease=self.lease, limit=limit, prefixes=only)
            margin = min(LEASE_MARGIN, self.lease / 4)
            deadline = time.monotonic() + (self.lease - margin).total_seconds()
            async with self.services.db.session() as session:
                people, chats = await outbox.recipients(session=session, rows=batch)
            await asyncio.gather(*(
                self._deliver(_Claimed(row, people.get(row.person_id or 0),
                                       chats.get(row.chat_id or 0)), moment, deadline, report)
                for row in batch))
            if len(batch) < limit:
                return report

    async def _deliver(self, claimed: _Claimed, now: dt.datetime, deadline: float,
                       report: DeliveryReport) -> None:
        async with self._slots:
            if time.monotonic() > deadline:
                report.left += 1
                return
            await self._deliver_claimed(claimed, now, report)

    async def _deliver_claimed(self, claimed: _Claimed, now: dt.datetime,
                               report: DeliveryReport) -> None:
        row = claimed.row
        assert row.id is not None
        try:
            message = Message.from_json(self.services.cipher.decrypt(row.payload))
            delivered = await self._send(claimed, message)
        except RetryLater as exc:
            await self._retry(row, str(exc), now + dt.timedelta(seconds=exc.retry_after), report)
            return
        except Exception as exc:
            log.warning("outbox %s: send failed (attempt %s): %s", row.id, row.attempts,
                        type(exc).__name__)
            await self._retry(row, type(exc).__name__, now + _backoff(row.attempts), report)
            return
        if not delivered:
            await self._retry(row, "recipient not reachable on any platform",
                              now + _backoff(row.attempts), report)
            return
        await outbox.record_sent(db=self.services.db, message_id=row.id,
                                 worker=self.worker_id, now=self.services.now())
        report.sent += 1
        if claimed.person is not None and message.buttons:
            async with self.services.db.session() as session:
                await school_choices.follow_message_to(session=session, person=claimed.person,
                                                       now=self.services.now())

    async def _send(self, claimed: _Claimed, message: Message) -> bool:
        person, chat = claimed.person, claimed.chat
        for messenger, throttle in zip(self.messengers, self.throttles, strict=True):
            if await self._send_via(messenger, throttle, person, chat, message):
                return True
        return False

    async def _send_via(self, messenger: Messenger, throttle: Throttle, person: Person | None,
                        chat: Chat | None, message: Message) -> bool:
        """One platform's attempt, waiting out short 429s in place."""
        destination = f"p{person.id}" if person is not None else f"c{chat.id if chat else ''}"
        for attempt in range(INLINE_RETRIES + 1):
            await throttle.wait(destination)
            try:
                if person is not None:
                    return await messenger.to_person(person, message)
                return chat is not None and await messenger.to_chat(chat, message)
            except RetryLater as exc:
                if exc.retry_after > INLINE_RETRY_MAX or attempt == INLINE_RETRIES:
                    raise
                log.info("%s asked us to wait %.1fs", messenger.platform, exc.retry_after)
                throttle.pause(exc.retry_after)
        raise AssertionError("unreachable")

    async def _retry(self, row: OutboxMessage, error: str, at: dt.datetime,
                     report: DeliveryReport) -> None:
        assert row.id is not None
        give_up = row.attempts >= MAX_ATTEMPTS
        await outbox.record_retry(db=self.services.db, message_id=row.id, error=error,
                                  retry_at=at, give_up=give_up)
        if give_up:
            log.error("outbox %s: gave up after %s attempts: %s", row.id, row.attempts, error)
            report.failed += 1
        else:
            report.retried += 1


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
