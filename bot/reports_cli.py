"""``policybot reports purge``: apply each school's retention by record type (delete, or
flag for review; see :mod:`handlers.report_retention`), keeping an audit record.

Cron-friendly: run it daily (``serve`` and ``run`` also run it once a day); a run
with nothing to do still records that it ran.
"""

from __future__ import annotations

import datetime as dt

from bot.moments import parse_now
from bot.settings import Settings
from handlers.report_retention import RetentionRun, apply_retention


async def purge(settings: Settings, now: dt.datetime) -> dict[str, RetentionRun]:
    """Apply every configured school's retention; what each pass did, by school."""
    from bot.app import build_app

    application = await build_app(settings, with_answers=False)
    try:
        return await apply_retention(application.services, now)
    finally:
        await application.close()


def moment(value: str | None) -> dt.datetime:
    """``--now``: read as ``reminders run-due`` reads it (:func:`bot.moments.parse_now`)."""
    return parse_now(value)
