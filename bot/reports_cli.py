"""``policybot reports purge``: delete report entries older than each school's retention
period (``retention_days`` in the school config), keeping an audit record of the purge.

Cron-friendly: run it daily; a run with nothing to delete still records that it ran.
"""

from __future__ import annotations

import datetime as dt

from bot.moments import parse_now
from bot.settings import Settings
from storage import directory
from storage.retention import purge_expired


async def purge(settings: Settings, now: dt.datetime) -> dict[str, int]:
    """Purge every configured school; return how many entries each lost."""
    from bot.app import build_app

    application = await build_app(settings, with_answers=False)
    purged: dict[str, int] = {}
    try:
        for school in application.services.config.schools:
            cutoff = now - dt.timedelta(days=school.retention_days)
            async with application.services.db.session() as session:
                found = await directory.school_by_slug(session=session, slug=school.slug)
                assert found is not None
                assert found.id is not None
                ids = await purge_expired(session=session, school_id=found.id, cutoff=cutoff,
                                          now=now)
            purged[school.slug] = len(ids)
    finally:
        await application.close()
    return purged


def moment(value: str | None) -> dt.datetime:
    """``--now``: read as ``reminders run-due`` reads it (:func:`bot.moments.parse_now`)."""
    return parse_now(value)
