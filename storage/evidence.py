"""Evidence files (photos, screenshots, documents), stored encrypted with their report.

A file sent while a report is still a draft belongs to the draft's token and its
sender; sending the report attaches it (:func:`attach`); cancelling the draft
discards it (:func:`discard_draft`). Listing never loads the files themselves
(:class:`EvidenceInfo`); :func:`files_of` does, for the readers' /view.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, update
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.report_models import ReportEvidence


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    """What a list or an export says about a file, without its content."""

    id: int
    report_id: int | None
    kind: str
    filename: str
    mime_type: str
    size: int
    sha256: str
    uploaded_by: int
    created_at: dt.datetime




def _infos() -> Any:
    """Evidence rows without their content."""
    return select(ReportEvidence).options(defer(ReportEvidence.content_enc),  # type: ignore[arg-type]
                                          defer(ReportEvidence.caption_enc))  # type: ignore[arg-type]


def _info(row: ReportEvidence) -> EvidenceInfo:
    assert row.id is not None
    return EvidenceInfo(row.id, row.report_id, row.kind, row.filename, row.mime_type, row.size,
                        row.sha256, row.uploaded_by, row.created_at)


async def add(*, session: AsyncSession, values: dict[str, Any]) -> ReportEvidence | None:
    """Store a file; None if this platform update's file was stored already."""
    key = values.get("dedupe_key")
    if key is not None:
        query = select(ReportEvidence.id).where(ReportEvidence.dedupe_key == key)
        if (await session.exec(query)).first() is not None:
            return None
    row = ReportEvidence(**values)
    session.add(row)
    await session.flush()
    return row


async def of_draft(*, session: AsyncSession, draft_token: str) -> list[EvidenceInfo]:
    query = (_infos().where(col(ReportEvidence.draft_token) == draft_token,
                            col(ReportEvidence.report_id).is_(None))
             .order_by(col(ReportEvidence.id)))
    return [_info(row) for row in await session.exec(query)]


async def of_reports(*, session: AsyncSession,
                     report_ids: Collection[int]) -> dict[int, list[EvidenceInfo]]:
    if not report_ids:
        return {}
    query = (_infos().where(col(ReportEvidence.report_id).in_(list(report_ids)))
             .order_by(col(ReportEvidence.id)))
    found: dict[int, list[EvidenceInfo]] = {}
    for row in await session.exec(query):
        info = _info(row)
        found.setdefault(info.report_id or 0, []).append(info)
    return found


async def files_of(*, session: AsyncSession, report_id: int) -> list[ReportEvidence]:
    """A report's files, with their (encrypted) content."""
    query = (select(ReportEvidence).where(ReportEvidence.report_id == report_id)
             .order_by(col(ReportEvidence.id)))
    return list(await session.exec(query))


async def total_of_draft(*, session: AsyncSession, draft_token: str) -> tuple[int, int]:
    """How many files a draft holds, and their size in bytes."""
    query = select(func.count(col(ReportEvidence.id)), func.coalesce(
        func.sum(ReportEvidence.size), 0)).where(col(ReportEvidence.draft_token) == draft_token,
                                                 col(ReportEvidence.report_id).is_(None))
    count, size = (await session.exec(query)).one()
    return int(count), int(size)


async def attach(*, session: AsyncSession, draft_token: str, report_id: int) -> int:
    """The draft's files become the report's; how many."""
    result = await session.exec(update(ReportEvidence).where(
        col(ReportEvidence.draft_token) == draft_token, col(ReportEvidence.report_id).is_(None)
    ).values(report_id=report_id))
    return int(result.rowcount)


async def discard_draft(*, session: AsyncSession, draft_token: str) -> None:
    await session.exec(delete(ReportEvidence).where(
        col(ReportEvidence.draft_token) == draft_token, col(ReportEvidence.report_id).is_(None)))


async def discard_unsent(*, session: AsyncSession, school_id: int,
                         before: dt.datetime) -> int:
    """Files of drafts never sent, older than ``before`` (the draft was abandoned)."""
    result = await session.exec(delete(ReportEvidence).where(
        col(ReportEvidence.school_id) == school_id, col(ReportEvidence.report_id).is_(None),
        col(ReportEvidence.created_at) < before))
    return int(result.rowcount)
