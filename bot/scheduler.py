"""The reminder pass: plan what is due, then deliver it. Once (``policybot reminders
run-due``) or on a schedule in-process (``policybot run`` and ``policybot serve``),
where the schedule also applies report retention once a day (what ``policybot
reports purge`` does from cron; see :mod:`handlers.report_retention`).

Planning is idempotent (every reminder has a unique outbox key) and delivery
claims each row before sending, so any number of workers may run the schedule
at once and each reminder still goes out once. Retention is idempotent too: a
report is deleted or flagged once, whichever worker gets there first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.delivery import Deliverer, DeliveryReport
from handlers.context import Services
from handlers.reminders import PlanReport, plan_due
from handlers.report_retention import RetentionRun, apply_retention

__all__ = ["PassReport", "ReminderScheduler", "run_pass"]

log = logging.getLogger(__name__)
DEFAULT_INTERVAL = 300.0  # seconds between passes: reminders are due by the hour, not second
RETRY_AFTER = 15.0  # seconds: a pass that failed (the database away, say) is tried again soon
RETENTION_EVERY = dt.timedelta(days=1)


@dataclass(frozen=True)
class PassReport:
    planned: PlanReport
    delivered: DeliveryReport | None


async def run_pass(services: Services, deliverer: Deliverer | None, *,
                   now: dt.datetime | None = None,
                   only: tuple[str, ...] | None = None) -> PassReport:
    """Publish changed policies and queue due reminders; then deliver what is due (only
    the messages whose keys start with one of ``only``, if given)."""
    planned = await plan_due(services, now=now)
    delivered = (await deliverer.deliver_due(now=now, only=only)
                 if deliverer is not None else None)
    return PassReport(planned, delivered)


class ReminderScheduler:
    """Runs :func:`run_pass` now and every ``interval`` seconds until stopped.

    Give it the process's :class:`Deliverer` to deliver as well, or ``wake`` (e.g. the
    outbox pump's ``wake``) to leave delivery to whatever already delivers the outbox.
    """

    def __init__(self, services: Services, *, deliverer: Deliverer | None = None,
                 wake: Callable[[], None] | None = None,
                 interval: float = DEFAULT_INTERVAL, retry_after: float = RETRY_AFTER) -> None:
        self.services = services
        self.deliverer = deliverer
        self.wake = wake
        self.interval = interval
        self.retry_after = min(retry_after, interval)
        self.passes = 0
        self.retention_runs = 0
        self._retained_at: dt.datetime | None = None
        self._passed = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background (call from inside the event loop)."""
        self._task = asyncio.create_task(self.run(), name="reminder-scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def run(self) -> None:
        while True:
            passed = await self.run_once()
            await asyncio.sleep(self.interval if passed is not None else self.retry_after)

    async def run_once(self) -> PassReport | None:
        """One pass; None if it failed (the schedule tries again after ``retry_after``
        seconds, not a whole interval: a fan-out cut short by a database outage starts
        soon after the database is back)."""
        report: PassReport | None = None
        try:
            report = await run_pass(self.services, self.deliverer)
        except Exception:
            log.exception("reminder pass failed; trying again in %.0fs", self.retry_after)
        if report is not None:
            _log_pass(report)
            if self.wake is not None and report.planned.queued.total():
                self.wake()
        await self.retain_daily()
        async with self._passed:
            self.passes += 1
            self._passed.notify_all()
        return report

    async def retain_daily(self) -> dict[str, RetentionRun] | None:
        """Apply report retention, if it has not run in this process for a day."""
        now = self.services.now()
        if self._retained_at is not None and now - self._retained_at < RETENTION_EVERY:
            return None
        try:
            runs = await apply_retention(self.services, now)
        except Exception:
            log.exception("report retention failed; trying again at the next pass")
            return None
        self._retained_at = now
        self.retention_runs += 1
        for slug, run in runs.items():
            if run.deleted or run.flagged:
                log.info("retention: %s: %s", slug, run.summary())
        if self.wake is not None and any(run.flagged for run in runs.values()):
            self.wake()
        return runs

    async def wait_for_pass(self, count: int = 1) -> None:
        """Until at least ``count`` passes have finished (for tests and start-up)."""
        async with self._passed:
            await self._passed.wait_for(lambda: self.passes >= count)


def _log_pass(report: PassReport) -> None:
    for published in report.planned.published:
        log.info("reminders: published policy %s", published)
    queued = dict(report.planned.queued)
    if queued or (report.delivered and report.delivered.sent):
        log.info("reminders: queued %s, sent %s", queued or "nothing",
                 report.delivered.sent if report.delivered else "by the outbox pump")

