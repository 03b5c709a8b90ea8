"""Retention by record type: the pass that ``policybot reports purge`` (and the daily
schedule inside ``serve`` and ``run``) applies, and the readers' commands around it.

For each report not under a legal hold, its record type's rule
(:meth:`handlers.report_settings.ReportSettings.retention_of`) decides, once its
period has ended: ``delete`` (friend requests, other reports) deletes it with its
thread, evidence and messages; ``review`` (safeguarding concerns, low-level concerns,
reports about staff) flags it for review and tells its readers, and it is deleted
only when one of them confirms (``/review N delete reason``), or kept
(``/review N keep reason``: reviewed again a year on). Every run, deletion, flag and
decision is audited; a deleted report's audit rows stay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers.context import Services
from handlers.events import Event
from handlers.replies import Message, Reply, whisper
from handlers.report_access import reference_of
from handlers.report_notify import reader_ids, tell
from handlers.report_prompts import write
from handlers.report_review import due_at, period_text, type_text
from handlers.report_routing import may_read, record_type
from handlers.report_settings import REVIEW, ReportSettings
from handlers.report_thread import rest_of, view
from handlers.report_writes import thread_button
from handlers.router import Group, Handler, Router, Where
from storage import audit, directory, evidence, report_events, reports
from storage.models import id_of
from storage.report_models import Report
from storage.retention import candidates, delete_reports, held_count
from storage.roles import LEADERSHIP_ROLES

UNSENT_FILES = dt.timedelta(days=30)  # files of a draft never sent are dropped after this
REVIEW_USAGE = ("Use /review to list what is due, /review 482913 to open one, then "
                "/review 482913 keep your reason, or /review 482913 delete your reason.")


@dataclass
class RetentionRun:
    """What one school's pass did."""

    deleted: list[int]  # references
    flagged: list[int]
    held: int = 0

    def summary(self) -> str:
        return (f"{len(self.deleted)} deleted, {len(self.flagged)} flagged for review, "
                f"{self.held} under legal hold")


async def apply_retention(services: Services, now: dt.datetime) -> dict[str, RetentionRun]:
    """Apply every school's retention at ``now``; what each pass did, by school slug."""
    done: dict[str, RetentionRun] = {}
    for school in services.config.schools:
        async with services.db.session() as session:
            found = await directory.school_by_slug(session=session, slug=school.slug)
            if found is None or found.id is None:
                continue
            done[school.slug] = await _school_pass(session, services, found.id, school.reports,
                                                   school.retention_days, now)
    return done


async def _school_pass(session: AsyncSession, services: Services, school_id: int,
                       settings: ReportSettings, days: int, now: dt.datetime) -> RetentionRun:
    run = RetentionRun([], [])
    doomed: list[Report] = []
    for report in await candidates(session=session, school_id=school_id):
        rule = settings.retention_of(record_type(report.category, report.involved), days)
        if due_at(report, rule) > now:
            continue
        if rule.then != REVIEW:
            doomed.append(report)
        elif report.review_flagged_at is None:
            await _flag(session, services, report, rule.days, now)
            run.flagged.append(report.reference)
    await delete_reports(session=session, school_id=school_id, ids=[id_of(r) for r in doomed])
    run.deleted = [r.reference for r in doomed]
    run.held = await held_count(session=session, school_id=school_id)
    await evidence.discard_unsent(session=session, school_id=school_id,
                                  before=now - UNSENT_FILES)
    await audit.record(session=session, school_id=school_id, actor_id=None, action=audit.PURGE,
                       now=now, detail=_detail(run))
    return run


def _detail(run: RetentionRun) -> str:
    deleted = "".join(f" #{n}" for n in run.deleted)
    flagged = "".join(f" #{n}" for n in run.flagged)
    return (f"{len(run.deleted)} deleted at the end of their retention period"
            f"{':' if deleted else ''}{deleted}; {len(run.flagged)} flagged for review"
            f"{':' if flagged else ''}{flagged}; {run.held} under legal hold")


async def _flag(session: AsyncSession, services: Services, report: Report, days: int,
                now: dt.datetime) -> None:
    """Its period has ended: flag it, put that on its record, tell its readers."""
    report_id, number = id_of(report), report.reference
    await reports.save(session=session, report=report, review_flagged_at=now)
    await report_events.append(session=session, report_id=report_id,
                               kind=report_events.REVIEW_DUE, now=now)
    await audit.record(session=session, school_id=report.school_id, actor_id=None,
                       action=audit.REVIEW_DUE, report_id=report_id, now=now,
                       detail=f"#{number} ({type_text(report)}) flagged for review")
    readers = (await reports.readers_of(session=session, report_ids=[report_id])).get(
        report_id, ())
    message = Message(
        f"#{number} ({type_text(report)}, recorded {report.created_at:%d %b %Y}) has reached "
        f"the end of its retention period ({period_text(days)}). Please review it: keep it "
        "(with a reason) or delete it. Nothing is deleted until one of its readers decides. "
        f"/view {number}", (thread_button(number, "Review it"),))
    await tell(session, services, report, await reader_ids(session, report, readers), message,
               lambda person: outbox_keys.report_review_due(report_id, person, now.date()))


def register(router: Router) -> None:
    @router.command("review", roles=LEADERSHIP_ROLES, where=Where.PRIVATE, group=Group.LIST,
                    summary="records due for retention review: /review, /review 482913 keep "
                            "(or delete) your reason")
    async def review(services: Services, event: Event) -> list[Reply]:
        if not event.args.strip():
            return [await due_for_review(services, event)]
        number = reference_of(event.args, REVIEW_USAGE)
        decision, _, reason = rest_of(event.args).partition(" ")
        if not decision:
            return await view(services, event, number)
        if decision.lower() not in ("keep", "delete"):
            return [whisper(REVIEW_USAGE)]
        return await write(services, event, number, reason.strip(), decision.lower())

    for name, purpose, summary in (
            ("hold", "hold", "put a legal hold on a report: /hold 482913 the reason"),
            ("release", "release", "lift a legal hold: /release 482913 the reason")):
        router.command(name, roles=LEADERSHIP_ROLES, where=Where.PRIVATE, group=Group.LIST,
                       summary=summary)(_holding(purpose))


def _holding(purpose: str) -> Handler:
    async def command(services: Services, event: Event) -> list[Reply]:
        number = reference_of(event.args, f"Which one? e.g. /{purpose} 482913 the reason")
        return await write(services, event, number, rest_of(event.args), purpose)
    return command


async def due_for_review(services: Services, event: Event) -> Reply:
    """The reports this person reads that wait for a retention review."""
    assert event.school is not None
    async with services.db.session() as session:
        found = [r for r in await reports.search(
            session=session, school_id=event.school.id, reader_role=str(event.sender.role),
            where=reports.ReportFilter()) if r.review_flagged_at is not None and not r.legal_hold]
        readers = await reports.readers_of(session=session, report_ids=[id_of(r) for r in found])
        await audit.record(session=session, school_id=event.school.id,
                           actor_id=event.sender.person_id, action=audit.LIST,
                           detail=f"due for review: {len(found)}", now=services.now())
    found = [r for r in found if may_read(event.sender.role, readers.get(id_of(r), ()))]
    if not found:
        return whisper("Nothing is waiting for a retention review.")
    lines = ["Waiting for a retention review (keep or delete, with a reason):"]
    lines += [f"#{r.reference} · {type_text(r)} · recorded {r.created_at:%d %b %Y} · due "
              f"since {r.review_flagged_at:%d %b %Y}" for r in found if r.review_flagged_at]
    lines.append(REVIEW_USAGE)
    return whisper("\n".join(lines))
