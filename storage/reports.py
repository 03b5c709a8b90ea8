"""Queries on reports and their private threads. Every read is scoped to one school.

Values in ``*_enc`` columns arrive already encrypted; this module never sees plain
text and never decides who may see what (handlers pass the roles to filter by).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person
from storage.report_models import Report, ReportMessage

OPEN, READ, CLOSED = "open", "read", "closed"


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """What ``/list`` and ``/export`` narrow by; None means "any"."""

    kind: str | None = None
    status: str | None = None
    reporter_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


async def create(*, session: AsyncSession, values: dict[str, Any]) -> tuple[Report, bool]:
    """Insert a report unless one with the same ``submission_key`` exists.

    Returns the stored report and whether this call created it, so a confirmation
    pressed twice (or delivered twice, or raced by two workers) records once.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Report).values(**values).on_conflict_do_nothing(
        index_elements=["submission_key"]).returning(col(Report.id))
    created = (await session.exec(statement)).first() is not None
    report = await by_submission_key(session=session, school_id=values["school_id"],
                                     submission_key=values["submission_key"])
    assert report is not None
    return report, created


async def by_submission_key(*, session: AsyncSession, school_id: int,
                            submission_key: str) -> Report | None:
    query = select(Report).where(Report.school_id == school_id,
                                 Report.submission_key == submission_key)
    return (await session.exec(query)).first()


async def get(*, session: AsyncSession, school_id: int, report_id: int) -> Report | None:
    query = select(Report).where(Report.school_id == school_id, Report.id == report_id)
    return (await session.exec(query)).first()


async def search(
    *, session: AsyncSession, school_id: int, handler_roles: Collection[str] | None,
    where: ReportFilter, limit: int | None = None,
) -> list[Report]:
    """Reports of one school, newest first. ``handler_roles`` limits them to those routed
    to these roles (None: no limit by role, e.g. a reporter's own)."""
    query = select(Report).where(Report.school_id == school_id)
    if handler_roles is not None:
        query = query.where(col(Report.handler_role).in_(list(handler_roles)))
    if where.kind is not None:
        query = query.where(Report.kind == where.kind)
    if where.status is not None:
        query = query.where(Report.status == where.status)
    if where.reporter_id is not None:
        query = query.where(Report.reporter_id == where.reporter_id)
    if where.since is not None:
        query = query.where(col(Report.created_at) >= where.since)
    if where.until is not None:
        query = query.where(col(Report.created_at) < where.until)
    query = query.order_by(col(Report.created_at).desc(), col(Report.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(await session.exec(query))


async def mark_read(*, session: AsyncSession, report: Report, now: dt.datetime) -> bool:
    """Record the first read; False if it had been read before."""
    if report.read_at is not None:
        return False
    report.read_at = now
    if report.status == OPEN:
        report.status = READ
    session.add(report)
    await session.flush()
    return True


async def record_outcome(*, session: AsyncSession, report: Report, outcome_enc: str,
                         by: int, now: dt.datetime) -> None:
    report.outcome_enc, report.outcome_by = outcome_enc, by
    report.status, report.closed_at = CLOSED, now
    report.read_at = report.read_at or now
    session.add(report)
    await session.flush()


async def add_message(
    *, session: AsyncSession, report_id: int, author_id: int, body_enc: str,
    dedupe_key: str | None, now: dt.datetime,
) -> ReportMessage | None:
    """Add a thread message; None if this platform update was already recorded."""
    if dedupe_key is not None:
        query = select(ReportMessage).where(ReportMessage.report_id == report_id,
                                            ReportMessage.dedupe_key == dedupe_key)
        if (await session.exec(query)).first() is not None:
            return None
    message = ReportMessage(report_id=report_id, author_id=author_id, body_enc=body_enc,
                            dedupe_key=dedupe_key, created_at=now)
    session.add(message)
    await session.flush()
    return message


async def messages(*, session: AsyncSession, report_id: int) -> list[ReportMessage]:
    query = (select(ReportMessage).where(ReportMessage.report_id == report_id)
             .order_by(col(ReportMessage.created_at), col(ReportMessage.id)))
    return list(await session.exec(query))


async def names_of(*, session: AsyncSession, school_id: int,
                   person_ids: Collection[int]) -> dict[int, str]:
    """People's names by id (including people who have since left the school)."""
    if not person_ids:
        return {}
    query = select(Person.id, Person.name).where(Person.school_id == school_id,
                                                 col(Person.id).in_(list(person_ids)))
    return {pid: name for pid, name in await session.exec(query) if pid is not None}
