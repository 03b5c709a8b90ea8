"""Queries on reports and their private threads. Every read is scoped to one school.

Values in ``*_enc`` columns arrive already encrypted; this module never sees plain
text and never decides who may see what (handlers pass the roles to filter by).
"""

from __future__ import annotations

import datetime as dt
import secrets
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
MESSAGE, OUTCOME = "message", "outcome"  # the kinds of thread entry
#: References are six digits, drawn at random, unique within a school.
FIRST_REFERENCE, LAST_REFERENCE = 100_000, 999_999
ATTEMPTS = 50  # a school would need hundreds of thousands of reports to exhaust these


class NoFreeReference(RuntimeError):
    """Every attempt drew a reference already used in the school (practically never)."""


def new_reference() -> int:
    """A random six-digit reference (a module function, so a test can force a collision)."""
    return FIRST_REFERENCE + secrets.randbelow(LAST_REFERENCE - FIRST_REFERENCE + 1)


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """What ``/list`` and ``/export`` narrow by; None means "any"."""

    kind: str | None = None
    status: str | None = None
    reporter_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


async def create(*, session: AsyncSession, values: dict[str, Any]) -> tuple[Report, bool]:
    """Insert a report, with a fresh reference, unless one with the same
    ``submission_key`` exists.

    Returns the stored report and whether this call created it, so a confirmation
    pressed twice (or delivered twice, or raced by two workers) records once. A
    reference already used in the school is drawn again.
    """
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    for _ in range(ATTEMPTS):
        # no conflict target: a clash on the submission key or on the reference does nothing
        statement = insert(Report).values(**values, reference=new_reference()
                                          ).on_conflict_do_nothing().returning(col(Report.id))
        created = (await session.exec(statement)).first() is not None
        report = await by_submission_key(session=session, school_id=values["school_id"],
                                         submission_key=values["submission_key"])
        if report is not None:
            return report, created
    raise NoFreeReference(f"no free report reference after {ATTEMPTS} attempts")


async def by_submission_key(*, session: AsyncSession, school_id: int,
                            submission_key: str) -> Report | None:
    query = select(Report).where(Report.school_id == school_id,
                                 Report.submission_key == submission_key)
    return (await session.exec(query)).first()


async def get(*, session: AsyncSession, school_id: int, reference: int) -> Report | None:
    """The school's report with this reference (the number people see)."""
    query = select(Report).where(Report.school_id == school_id, Report.reference == reference)
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
                         by: int, dedupe_key: str | None,
                         now: dt.datetime) -> ReportMessage | None:
    """Close the report with this outcome. Every outcome is kept as a thread entry (a
    second one adds to the history); the report holds the latest. None if this
    platform update was already recorded."""
    assert report.id is not None
    entry = await add_message(session=session, report_id=report.id, author_id=by,
                              body_enc=outcome_enc, dedupe_key=dedupe_key, now=now,
                              kind=OUTCOME)
    if entry is None:
        return None
    report.outcome_enc, report.outcome_by = outcome_enc, by
    report.status, report.closed_at = CLOSED, now
    report.read_at = report.read_at or now
    session.add(report)
    await session.flush()
    return entry


async def add_message(
    *, session: AsyncSession, report_id: int, author_id: int, body_enc: str,
    dedupe_key: str | None, now: dt.datetime, kind: str = MESSAGE,
) -> ReportMessage | None:
    """Add a thread entry; None if this platform update was already recorded."""
    if dedupe_key is not None:
        query = select(ReportMessage).where(ReportMessage.report_id == report_id,
                                            ReportMessage.dedupe_key == dedupe_key)
        if (await session.exec(query)).first() is not None:
            return None
    message = ReportMessage(report_id=report_id, author_id=author_id, body_enc=body_enc,
                            kind=kind, dedupe_key=dedupe_key, created_at=now)
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
