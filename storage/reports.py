"""Queries on reports and the roles that read them. Every read is scoped to one school.

Values in ``*_enc`` columns arrive already encrypted; this module never sees plain
text. Who may read what is decided by :func:`handlers.report_routing.may_read`; the
list's query here applies the same rule to the readers stored with each report.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import report_events
from storage.models import OutboxMessage, Person
from storage.report_models import Report, ReportEvent, ReportReader

OPEN, READ, CLOSED, WITHDRAWN = "open", "read", "closed", "withdrawn"
STATUSES = (OPEN, READ, CLOSED, WITHDRAWN)
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
    categories: tuple[str, ...] | None = None
    status: str | None = None
    reporter_ids: tuple[int, ...] | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    unread_by: int | None = None  # not yet read by this person


async def create(*, session: AsyncSession, values: dict[str, Any],
                 readers: Sequence[str]) -> tuple[Report, bool]:
    """Insert a report, with a fresh reference and the roles that read it, unless one
    with the same ``submission_key`` exists.

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
            if created:
                assert report.id is not None
                session.add_all(ReportReader(report_id=report.id, role=r) for r in readers)
                await session.flush()
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


async def readers_of(*, session: AsyncSession,
                     report_ids: Collection[int]) -> dict[int, tuple[str, ...]]:
    """The roles that read each report."""
    if not report_ids:
        return {}
    query = (select(ReportReader.report_id, ReportReader.role)
             .where(col(ReportReader.report_id).in_(list(report_ids)))
             .order_by(col(ReportReader.id)))
    found: dict[int, list[str]] = {}
    for report_id, role in await session.exec(query):
        found.setdefault(report_id, []).append(role)
    return {report_id: tuple(roles) for report_id, roles in found.items()}


async def search(
    *, session: AsyncSession, school_id: int, reader_role: str | None,
    where: ReportFilter, limit: int | None = None,
) -> list[Report]:
    """Reports of one school, newest first. ``reader_role`` limits them to those this
    role reads (None: no limit by role, e.g. a reporter's own)."""
    query = select(Report).where(Report.school_id == school_id)
    if reader_role is not None:
        query = query.where(exists().where(col(ReportReader.report_id) == col(Report.id),
                                           col(ReportReader.role) == reader_role))
    query = _narrowed(query, where)
    query = query.order_by(col(Report.created_at).desc(), col(Report.id).desc())
    if limit is not None:
        query = query.limit(limit)
    return list(await session.exec(query))


def _narrowed(query: Any, where: ReportFilter) -> Any:
    if where.kind is not None:
        query = query.where(Report.kind == where.kind)
    if where.categories is not None:
        query = query.where(col(Report.category).in_(list(where.categories)))
    if where.status is not None:
        query = query.where(Report.status == where.status)
    if where.reporter_ids is not None:
        query = query.where(col(Report.reporter_id).in_(list(where.reporter_ids)))
    if where.since is not None:
        query = query.where(col(Report.created_at) >= where.since)
    if where.until is not None:
        query = query.where(col(Report.created_at) < where.until)
    if where.unread_by is not None:
        query = query.where(~exists().where(
            col(ReportEvent.report_id) == col(Report.id),
            col(ReportEvent.kind) == report_events.READ,
            col(ReportEvent.actor_id) == where.unread_by))
    return query


async def save(*, session: AsyncSession, report: Report, **changes: Any) -> Report:
    """Change a report's state (status, read, closed, hold, review): never its content."""
    for name, value in changes.items():
        setattr(report, name, value)
    session.add(report)
    await session.flush()
    return report


async def names_of(*, session: AsyncSession, school_id: int,
                   person_ids: Collection[int | None]) -> dict[int, str]:
    """People's names by id (including people who have since left the school)."""
    wanted = [p for p in person_ids if p is not None]
    if not wanted:
        return {}
    query = select(Person.id, Person.name).where(Person.school_id == school_id,
                                                 col(Person.id).in_(wanted))
    return {pid: name for pid, name in await session.exec(query) if pid is not None}


async def people_of(*, session: AsyncSession, school_id: int,
                    person_ids: Collection[int | None]) -> dict[int, Person]:
    """People by id, with their roles (including people who have since left)."""
    wanted = [p for p in person_ids if p is not None]
    if not wanted:
        return {}
    query = select(Person).where(Person.school_id == school_id, col(Person.id).in_(wanted))
    return {p.id: p for p in await session.exec(query) if p.id is not None}


async def everyone_of_school(*, session: AsyncSession, school_id: int) -> list[Person]:
    """Everyone the school has had, including people who have since left (their reports
    stay)."""
    query = select(Person).where(Person.school_id == school_id).order_by(col(Person.id))
    return list(await session.exec(query))


async def deliveries(*, session: AsyncSession, school_id: int,
                     keys: Collection[str]) -> dict[str, tuple[str, dt.datetime | None]]:
    """What became of these outbox messages (by key): their status and when sent."""
    if not keys:
        return {}
    query = select(OutboxMessage.key, OutboxMessage.status, OutboxMessage.sent_at).where(
        OutboxMessage.school_id == school_id, col(OutboxMessage.key).in_(list(keys)))
    return {key: (status, sent) for key, status, sent in await session.exec(query)}
