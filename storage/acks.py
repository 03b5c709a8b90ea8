"""Queries for policy versions, acknowledgement requests and acknowledgements.

Inserts that two workers might race for use ``ON CONFLICT DO NOTHING`` on the
table's unique constraint and then read back, so the loser sees the winner's row.
Whether a row was inserted is read from ``RETURNING``, not ``rowcount`` (which
psycopg reports as -1 for these inserts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ack_models import Acknowledgement, AckRequest, PolicyVersion

__all__ = [
    "acknowledge", "acknowledgements_for", "add_requests", "latest_version", "publish_version",
    "recent_versions", "requests_for", "version_by_id",
]


def _insert_ignoring_conflicts(session: AsyncSession, model: type[SQLModel],
                               rows: list[dict[str, Any]], unique: list[str]) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(rows).on_conflict_do_nothing(index_elements=unique)


async def latest_version(*, session: AsyncSession, school_id: int) -> PolicyVersion | None:
    query = (select(PolicyVersion).where(PolicyVersion.school_id == school_id)
             .order_by(col(PolicyVersion.number).desc()).limit(1))
    return (await session.exec(query)).first()


async def recent_versions(*, session: AsyncSession, school_id: int,
                          limit: int = 5) -> list[PolicyVersion]:
    """The school's latest versions, newest first."""
    query = (select(PolicyVersion).where(PolicyVersion.school_id == school_id)
             .order_by(col(PolicyVersion.number).desc()).limit(limit))
    return list(await session.exec(query))


async def version_by_id(*, session: AsyncSession, version_id: int) -> PolicyVersion | None:
    return await session.get(PolicyVersion, version_id)


async def publish_version(
    *, session: AsyncSession, school_id: int, content_hash: str, title: str,
    approved: dt.date | None, next_review: dt.date | None, now: dt.datetime,
    sections: dict[str, str] | None = None, approved_label: str | None = None,
) -> tuple[PolicyVersion, bool]:
    """Make this content the school's current version unless it already is.

    Returns ``(version, published)``: ``published`` is False when the latest version
    already has this hash and approval date (or another worker published it first)."""
    latest = await latest_version(session=session, school_id=school_id)
    if latest is not None and (latest.content_hash, latest.approved) == (content_hash, approved):
        return latest, False
    row = {"school_id": school_id, "number": (latest.number if latest else 0) + 1,
           "content_hash": content_hash, "title": title[:300], "approved": approved,
           "next_review": next_review, "published_at": now, "sections": sections,
           "approved_label": approved_label}
    result = await session.exec(_insert_ignoring_conflicts(
        session, PolicyVersion, [row], ["school_id", "number"]).returning(col(PolicyVersion.id)))
    published = result.first() is not None
    current = await latest_version(session=session, school_id=school_id)
    assert current is not None
    return current, published


async def requests_for(*, session: AsyncSession, version_id: int) -> dict[int, AckRequest]:
    """Who has been asked to acknowledge this version, by person id."""
    rows = await session.exec(select(AckRequest).where(AckRequest.version_id == version_id))
    return {r.person_id: r for r in rows}


async def add_requests(*, session: AsyncSession, version_id: int, person_ids: Iterable[int],
                       now: dt.datetime) -> None:
    rows = [{"version_id": version_id, "person_id": p, "asked_at": now} for p in person_ids]
    for start in range(0, len(rows), 500):
        await session.exec(_insert_ignoring_conflicts(
            session, AckRequest, rows[start:start + 500], ["version_id", "person_id"]))


async def acknowledgements_for(*, session: AsyncSession,
                               version_id: int) -> dict[int, Acknowledgement]:
    """Who has acknowledged this version, by person id."""
    rows = await session.exec(select(Acknowledgement)
                              .where(Acknowledgement.version_id == version_id))
    return {r.person_id: r for r in rows}


async def acknowledge(*, session: AsyncSession, version_id: int, person_id: int,
                      now: dt.datetime, via: str) -> tuple[Acknowledgement, bool]:
    """Record that a person has read a version; ``(row, False)`` if they already had."""
    row = {"version_id": version_id, "person_id": person_id, "acknowledged_at": now,
           "via": via}
    result = await session.exec(_insert_ignoring_conflicts(
        session, Acknowledgement, [row], ["version_id", "person_id"])
        .returning(col(Acknowledgement.id)))
    created = result.first() is not None
    query = select(Acknowledgement).where(Acknowledgement.version_id == version_id,
                                          Acknowledgement.person_id == person_id)
    ack = (await session.exec(query)).one()
    return ack, created
