"""Delivering the outbox: claim due messages, send each through a platform
messenger, record the result. Retries back off; a 429's retry-after is honoured.

Exactly once per key: the row is claimed (leased) before sending and marked sent
after; a worker that dies in between leaves the lease to expire, and the message
is sent later (at-least-once from the platform's side, once in the normal case).
A row whose lease is about to run out is left alone rather than sent late, so a
slow worker never races the worker that takes the row over. A send the database
can't record (it is unreachable) is recorded again until the lease ends, and nothing
more of its batch is sent meanwhile: a short outage sends nothing twice.

Three kinds of row (see :class:`storage.models.OutboxMessage`):

- to a configured **person**: tried on each platform in turn until one reaches them
  (a messenger returns False when the person has no account there);
- to a configured **chat**, likewise;
- a **reply** to whoever acted, at an :class:`Address` on one platform, sent only by
  that platform's messenger. A private reply that can't be delivered (the person
  never started a chat with the bot) is not retried: its ``fallback``, a note in the
  group it was asked from, is sent instead.

Rows to the same destination go out one after another, in the order queued, so a
reply's pieces never arrive shuffled. Pace: a messenger may declare ``rate_limit``
(a :class:`RateLimit`): messages per second overall and per chat (Telegram: about
30/s overall, 1/s per chat; replies skip the per-chat pause, as a person expects a
quick answer). The overall pace is kept evenly, with a burst of at most a fifth of a
second's worth (:data:`BURST_SECONDS`): a full second's worth at once would leave the
platform's own bucket empty, and any jitter on the way would then be a 429. A
:class:`RetryLater` of a few seconds pauses that platform and
retries the same message in place; a longer one releases the row to be retried
after ``retry_after``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from aiolimiter import AsyncLimiter
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.metrics import Metrics
from handlers import outbox_keys
from handlers.context import Services
from handlers.replies import Message, Visibility
from storage import outbox, school_choices
from storage.models import Chat, OutboxMessage, Person

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=2)
LEASE_MARGIN = dt.timedelta(seconds=20)  # don't start a send this close to the lease's end
MAX_ATTEMPTS = 12
INLINE_RETRY_MAX = 5.0  # seconds: a shorter retry-after is waited out in place
INLINE_RETRIES = 5
MAX_TRACKED_CHATS = 10_000
BURST_SECONDS = 0.2  # the overall pace's burst: this many seconds' worth of messages
UNREACHABLE = "recipient not reachable on any platform"


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


@dataclass(frozen=True, slots=True)
class Address:
    """Where a reply goes on its platform: a chat (``private`` when it is the person's
    private chat with the bot), the person it is for, the thread or topic it came
    from, how visible it is (see :class:`handlers.replies.Visibility`) and, on a
    platform with several, the workspace."""

    chat: str
    user: str
    visibility: Visibility = Visibility.CHAT
    private: bool = False
    thread: str | None = None
    workspace: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {"chat": self.chat, "user": self.user, "visibility": str(self.visibility),
                "private": self.private, "thread": self.thread, "workspace": self.workspace}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Address:
        return cls(chat=data["chat"], user=data["user"],
                   visibility=Visibility(data["visibility"]), private=data["private"],
                   thread=data.get("thread"), workspace=data.get("workspace"))


@dataclass(frozen=True, slots=True)
class Parcel:
    """A row's decrypted payload: the message, and for a reply its address and the
    note to send instead if it can't be delivered privately."""

    message: Message
    address: Address | None = None
    fallback: tuple[Address, Message] | None = None

    def to_json(self) -> str:
        if self.address is None:
            return self.message.to_json()
        data: dict[str, Any] = {"message": self.message.to_data(),
                                "address": self.address.to_data()}
        if self.fallback is not None:
            data["fallback"] = {"address": self.fallback[0].to_data(),
                                "message": self.fallback[1].to_data()}
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> Parcel:
        data = json.loads(raw)
        if "address" not in data:  # a message to a configured person or chat
            return cls(Message.from_data(data))
        fallback = data.get("fallback")
        return cls(Message.from_data(data["message"]), Address.from_data(data["address"]),
                   None if fallback is None else (Address.from_data(fallback["address"]),
                                                  Message.from_data(fallback["message"])))


class Messenger(Protocol):
    """One platform's outbound side. ``to_person``/``to_chat`` return False when the
    recipient has no account on this platform (another messenger may reach them).
    A platform's messenger is also a :class:`Replier`. May also have
    ``rate_limit: RateLimit | None`` and ``shows_home: bool`` (whether it shows home
    views; a messenger that doesn't is never given one)."""

    platform: str

    async def to_person(self, person: Person, message: Message) -> bool: ...

    async def to_chat(self, chat: Chat, message: Message) -> bool: ...


@runtime_checkable
class Replier(Messenger, Protocol):
    """A messenger that also sends replies to whoever acted on its platform.
    ``to_address`` returns False when the platform refuses to reach them there."""

    async def to_address(self, address: Address, message: Message) -> bool: ...


class Throttle:
    """One platform's pace: an overall limiter, one per chat, and a pause after a 429."""

    def __init__(self, limit: RateLimit | None) -> None:
        self.limit = limit
        self.overall = _even(limit.per_second) if limit else None
        self.chats: dict[str, AsyncLimiter] = {}
        self.paused_until = 0.0

    async def wait(self, destination: str | None) -> None:
        """Wait for this platform's pace (and, unless ``destination`` is None, that
        chat's)."""
        delay = self.paused_until - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        per_chat = self.limit.per_chat_per_second if self.limit is not None else None
        if per_chat and destination is not None:
            await self._chat(destination, per_chat).acquire()
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


class SentMarks:
    """Records rows as sent, several in one transaction when they finish together.

    A mark joins the next transaction and waits for it to commit; while one is under
    way, the marks that arrive wait for the next, which takes all of them (nothing
    waits for a timer: a mark alone is recorded at once). So a worker sending many
    replies at once writes one ``UPDATE … WHERE id IN (…)`` for a handful of them
    instead of a transaction each. A row is still marked only after the platform
    accepted it, and only if this worker still holds its claim."""

    def __init__(self, services: Services, worker: str) -> None:
        self.services = services
        self.worker = worker
        self._waiting: list[int] = []
        self._next: asyncio.Future[None] | None = None
        self._writing: asyncio.Task[None] | None = None
        self.transactions = 0  # how many it wrote (for tests)

    async def mark(self, message_id: int) -> None:
        """Record ``message_id`` as sent; return once it is committed."""
        self._waiting.append(message_id)
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
            self._next.add_done_callback(_retrieved)
        committed = self._next
        if self._writing is None:
            self._writing = asyncio.create_task(self._write(), name="mark-sent")
        await asyncio.shield(committed)  # a caller stopped meanwhile: it is marked anyway

    async def _write(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                committed, self._next = self._next, None
                assert committed is not None
                try:
                    await outbox.record_sent_many(db=self.services.db, message_ids=batch,
                                                  worker=self.worker, now=self.services.now())
                    self.transactions += 1
                except Exception as exc:
                    committed.set_exception(exc)
                else:
                    committed.set_result(None)
        finally:
            self._writing = None


def _retrieved(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()  # each waiting caller raises it; don't also warn it unretrieved


@dataclass(frozen=True, slots=True)
class _Claimed:
    row: OutboxMessage
    person: Person | None
    chat: Chat | None


@dataclass
class _Batch:
    """One claimed batch's clock: no send starts after ``deadline`` (near the lease's
    end), and none once ``halted`` (the database failed while it was being sent)."""

    deadline: float
    lease_ends: float
    halted: bool = False


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    left: int = 0  # claimed, but the lease ran short before its turn: sent after it expires

    def add(self, other: DeliveryReport) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.left += other.left


class Deliverer:
    def __init__(self, services: Services, messengers: Sequence[Messenger],
                 worker_id: str | None = None, *, concurrency: int = 1,
                 lease: dt.timedelta = LEASE, metrics: Metrics | None = None) -> None:
        self.services = services
        self.metrics = metrics or Metrics()
        self.lease = lease
        self.messengers = list(messengers)
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self.throttles = [Throttle(getattr(m, "rate_limit", None)) for m in self.messengers]
        self._slots = asyncio.Semaphore(max(concurrency, 1))
        self.marks = SentMarks(services, self.worker_id)

    def add(self, messenger: Messenger) -> None:
        """Deliver through ``messenger`` too (a platform started after this was built)."""
        self.messengers.append(messenger)
        self.throttles.append(Throttle(getattr(messenger, "rate_limit", None)))

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(m.platform for m in self.messengers)

    async def deliver_due(self, *, now: dt.datetime | None = None, limit: int = 50,
                          only: tuple[str, ...] | None = None) -> DeliveryReport:
        """Send every due message (in batches of ``limit``) once; return what happened.
        ``only``: deliver just the messages whose keys start with one of these prefixes."""
        report = DeliveryReport()
        while True:
            moment = now or self.services.now()
            batch = await outbox.claim(db=self.services.db, now=moment, worker=self.worker_id,
                                       lease=self.lease, limit=limit, prefixes=only,
                                       platforms=self.platforms)
            await self._deliver_batch(batch, moment, report)
            if len(batch) < limit:
                return report

    async def deliver_held(self, rows: Sequence[OutboxMessage]) -> DeliveryReport:
        """Send ``rows``, which this worker queued already claimed (the replies to an
        update it handled: see :func:`storage.outbox.enqueue_row`) in a transaction that
        has committed, in order, from the copies in hand: no query reads them back.
        Nobody else takes a row before its claim expires, and a row is only started
        while its claim has :data:`LEASE_MARGIN` to run (else it is left to whichever
        worker finds it after the claim expires); marking it sent still checks the
        claim in the database."""
        report = DeliveryReport()
        moment = self.services.now()
        margin = min(LEASE_MARGIN, self.lease / 4)
        live = [r for r in rows if r.claimed_by == self.worker_id
                and r.claimed_until is not None and r.claimed_until - margin > moment]
        report.left += len(rows) - len(live)
        if not live:
            return report
        ends = min(r.claimed_until for r in live if r.claimed_until is not None)
        deadline = time.monotonic() + (ends - margin - moment).total_seconds()
        await self._deliver_batch(live, moment, report, deadline=deadline)
        return report

    async def _deliver_batch(self, batch: Sequence[OutboxMessage], moment: dt.datetime,
                             report: DeliveryReport, *, deadline: float | None = None) -> None:
        """Send a batch this worker has just claimed (until ``moment`` plus the lease,
        unless ``deadline`` says when to stop starting sends)."""
        margin = min(LEASE_MARGIN, self.lease / 4)
        if deadline is None:
            deadline = time.monotonic() + (self.lease - margin).total_seconds()
        batch_of = _Batch(deadline=deadline, lease_ends=deadline + margin.total_seconds())
        people: dict[int, Person] = {}
        chats: dict[int, Chat] = {}
        if any(r.person_id is not None or r.chat_id is not None for r in batch):
            async with self.services.db.session() as session:
                people, chats = await outbox.recipients(session=session, rows=batch)
        queues: dict[str, list[_Claimed]] = {}
        for row in batch:
            claimed = _Claimed(row, people.get(row.person_id or 0), chats.get(row.chat_id or 0))
            queues.setdefault(_destination(row), []).append(claimed)
        await asyncio.gather(*(self._deliver_in_order(rows, moment, batch_of, report)
                               for rows in queues.values()))

    async def _deliver_in_order(self, rows: list[_Claimed], now: dt.datetime, batch: _Batch,
                                report: DeliveryReport) -> None:
        for claimed in rows:
            async with self._slots:
                if time.monotonic() > batch.deadline or batch.halted:
                    report.left += 1
                    continue
                try:
                    await self._deliver_claimed(claimed, now, batch, report)
                except Exception:
                    batch.halted = True  # the database failed us: send no more of this batch
                    raise

    async def _deliver_claimed(self, claimed: _Claimed, now: dt.datetime, batch: _Batch,
                               report: DeliveryReport) -> None:
        row = claimed.row
        assert row.id is not None
        try:
            parcel = Parcel.from_json(self.services.cipher.decrypt(row.payload))
            delivered = await self._send(claimed, parcel)
        except asyncio.CancelledError:  # stopped mid-send: give it back to send again now
            await asyncio.shield(outbox.record_retry(
                db=self.services.db, message_id=row.id, error="interrupted", retry_at=now))
            raise
        except RetryLater as exc:
            self.metrics.rate_limited.labels(row.platform or "any").inc()
            await self._retry(row, str(exc), now + dt.timedelta(seconds=exc.retry_after), report)
            return
        except Exception as exc:
            log.warning("outbox %s: send failed (attempt %s): %s", row.id, row.attempts,
                        type(exc).__name__)
            await self._retry(row, type(exc).__name__, now + _backoff(row.attempts), report)
            return
        if not delivered and parcel.address is not None:  # a reply the platform refused
            await self._unreachable_reply(row, parcel, report)
            return
        if not delivered:
            await self._retry(row, UNREACHABLE, now + _backoff(row.attempts), report)
            return
        await self._record_sent(row.id, batch)
        report.sent += 1
        self.metrics.sent.labels(row.platform or "any", outbox_keys.kind_of(row.key)).inc()
        if claimed.person is not None and parcel.message.buttons:
            async with self.services.db.session() as session:
                await school_choices.follow_message_to(session=session, person=claimed.person,
                                                       now=self.services.now())

    async def _record_sent(self, message_id: int, batch: _Batch) -> None:
        """Record a message the platform accepted. While the database is unreachable, try
        again until the claim's lease ends: the message has arrived, and only this record
        stands between a short outage and sending it twice. (Past the lease another worker
        may have sent it again: that is the documented window.)"""
        pause = 0.1
        while True:
            try:
                await self.marks.mark(message_id)
                return
            except (OperationalError, InterfaceError) as exc:
                batch.halted = True  # send no more of the batch until the database is back
                if time.monotonic() + pause > batch.lease_ends:
                    raise
                log.warning("outbox %s: sent, but not yet recorded (%s); trying again",
                            message_id, type(exc).__name__)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)

    async def _unreachable_reply(self, row: OutboxMessage, parcel: Parcel,
                                 report: DeliveryReport) -> None:
        """A private reply the platform won't deliver: drop it (never show it in the
        group) and send the group its fallback note, if it has one."""
        assert row.id is not None
        if parcel.fallback is not None:
            messenger = self._messenger(row.platform)
            try:
                if messenger is not None:
                    await messenger.to_address(*parcel.fallback)
            except Exception as exc:  # the note is a courtesy: log it, don't retry it
                log.warning("outbox %s: the note to the group failed: %s", row.id,
                            type(exc).__name__)
        await outbox.record_retry(db=self.services.db, message_id=row.id, error=UNREACHABLE,
                                  retry_at=self.services.now(), give_up=True)
        report.failed += 1
        self.metrics.failed.labels(outbox_keys.kind_of(row.key)).inc()

    async def _send(self, claimed: _Claimed, parcel: Parcel) -> bool:
        message = parcel.message
        if parcel.address is not None:
            return await self._reply(claimed.row.platform, parcel.address, message)
        person, chat = claimed.person, claimed.chat
        home_shown = False
        for messenger, throttle in zip(self.messengers, self.throttles, strict=True):
            if message.home is not None and not getattr(messenger, "shows_home", False):
                continue
            home_shown = True
            if await self._send_via(messenger, throttle, person, chat, message):
                return True
        return message.home is not None and not home_shown  # a home no platform here shows

    async def _reply(self, platform: str | None, address: Address, message: Message) -> bool:
        replier = self._messenger(platform)
        if replier is None:
            return False
        throttle = self.throttles[self.messengers.index(replier)]
        return await self._with_pace(throttle, None, replier.platform,
                                     lambda: replier.to_address(address, message))

    async def _send_via(self, messenger: Messenger, throttle: Throttle, person: Person | None,
                        chat: Chat | None, message: Message) -> bool:
        destination = f"p{person.id}" if person is not None else f"c{chat.id if chat else ''}"

        async def send() -> bool:
            if person is not None:
                return await messenger.to_person(person, message)
            return chat is not None and await messenger.to_chat(chat, message)

        return await self._with_pace(throttle, destination, messenger.platform, send)

    async def _with_pace(self, throttle: Throttle, destination: str | None, platform: str,
                         send: Any) -> bool:
        """One platform's attempt, at its pace, waiting out short 429s in place."""
        for attempt in range(INLINE_RETRIES + 1):
            await throttle.wait(destination)
            try:
                result: bool = await send()
                return result
            except RetryLater as exc:
                if exc.retry_after > INLINE_RETRY_MAX or attempt == INLINE_RETRIES:
                    raise
                log.info("%s asked us to wait %.1fs", platform, exc.retry_after)
                throttle.pause(exc.retry_after)
        raise AssertionError("unreachable")

    def _messenger(self, platform: str | None) -> Replier | None:
        found = next((m for m in self.messengers if m.platform == platform), None)
        return found if isinstance(found, Replier) else None

    async def _retry(self, row: OutboxMessage, error: str, at: dt.datetime,
                     report: DeliveryReport) -> None:
        assert row.id is not None
        give_up = row.attempts >= MAX_ATTEMPTS
        await outbox.record_retry(db=self.services.db, message_id=row.id, error=error,
                                  retry_at=at, give_up=give_up)
        kind = outbox_keys.kind_of(row.key)
        if give_up:
            log.error("outbox %s: gave up after %s attempts: %s", row.id, row.attempts, error)
            report.failed += 1
            self.metrics.failed.labels(kind).inc()
        else:
            report.retried += 1
            self.metrics.retried.labels(kind).inc()


def _even(per_second: float) -> AsyncLimiter:
    """``per_second`` on average, in bursts of :data:`BURST_SECONDS`' worth at most (one
    at least)."""
    burst = max(1.0, per_second * BURST_SECONDS)
    return AsyncLimiter(burst, burst / per_second)


def _destination(row: OutboxMessage) -> str:
    """Rows that must not overtake one another: to one person, one chat, or (replies)
    one update's (the reply keys of one update share everything but the last part)."""
    if row.person_id is not None:
        return f"p{row.person_id}"
    if row.chat_id is not None:
        return f"c{row.chat_id}"
    return outbox_keys.update_of_reply(row.key)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
