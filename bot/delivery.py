"""Delivering the outbox: claim due messages, send each through a platform
messenger, record the result. Retries back off; a 429's retry-after is honoured.

Exactly once per key: the row is claimed (leased) before sending and marked sent
after; a worker that dies in between leaves the lease to expire, and the message
is sent later (at-least-once from the platform's side, once in the normal case).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from handlers.context import Services
from handlers.replies import Message
from storage import directory, outbox
from storage.models import Chat, OutboxMessage, Person

log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 12


class RetryLater(Exception):
    """The platform asked us to slow down (HTTP 429) or is briefly unavailable."""

    def __init__(self, retry_after: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}; retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class Messenger(Protocol):
    """One platform's outbound side. Returns False when the recipient has no
    account on this platform (another messenger may reach them)."""

    platform: str

    async def to_person(self, person: Person, message: Message) -> bool: ...

    async def to_chat(self, chat: Chat, message: Message) -> bool: ...


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


class Deliverer:
    def __init__(self, services: Services, messengers: Sequence[Messenger],
                 worker_id: str | None = None) -> None:
        self.services = services
        self.messengers = list(messengers)
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"

    async def deliver_due(self, *, now: dt.datetime | None = None,
                          limit: int = 50) -> DeliveryReport:
        """Send every due message (in batches of ``limit``) once; return what happened."""
        report = DeliveryReport()
        while True:
            moment = now or self.services.now()
            async with self.services.db.session() as session:
                batch = await outbox.claim_due(session=session, now=moment,
                                               worker=self.worker_id, lease=LEASE, limit=limit)
            for row in batch:
                await self._deliver(row, moment, report)
            if len(batch) < limit:
                return report

    async def _deliver(self, row: OutboxMessage, now: dt.datetime,
                       report: DeliveryReport) -> None:
        assert row.id is not None
        try:
            delivered = await self._send(row)
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
        async with self.services.db.session() as session:
            await outbox.mark_sent(session=session, message_id=row.id, worker=self.worker_id,
                                   now=self.services.now())
        report.sent += 1

    async def _send(self, row: OutboxMessage) -> bool:
        message = Message.from_json(self.services.cipher.decrypt(row.payload))
        async with self.services.db.session() as session:
            person = (await directory.person_by_id(session=session, person_id=row.person_id)
                      if row.person_id is not None else None)
            chat = (await directory.chat_by_id(session=session, chat_id=row.chat_id)
                    if row.chat_id is not None else None)
        for messenger in self.messengers:
            if person is not None and await messenger.to_person(person, message):
                return True
            if chat is not None and await messenger.to_chat(chat, message):
                return True
        return False

    async def _retry(self, row: OutboxMessage, error: str, at: dt.datetime,
                     report: DeliveryReport) -> None:
        assert row.id is not None
        give_up = row.attempts >= MAX_ATTEMPTS
        async with self.services.db.session() as session:
            await outbox.mark_retry(session=session, message_id=row.id, error=error,
                                    retry_at=at, give_up=give_up)
        if give_up:
            log.error("outbox %s: gave up after %s attempts: %s", row.id, row.attempts, error)
            report.failed += 1
        else:
            report.retried += 1


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))
