"""Sending a draft: decide who reads it, store it (free text encrypted) with its readers,
its evidence and the first entries of its chronology, tell the readers through the
outbox in the same transaction, and thank the reporter, truthfully.

A notification carries no free text and no reporter's name: only that something
arrived, its reference (never the database id) and its category, and how to read it
in private.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import outbox_keys
from handlers import report_flow as flow
from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event, SchoolRef
from handlers.replies import Button, Message
from handlers.report_notify import tell
from handlers.report_readers import (
    Readers,
    people_text,
    resolve,
    school_contact,
    who_can_read,
)
from handlers.report_routing import CATEGORY_LABELS, FRIEND_REQUEST
from storage import audit, directory, evidence, report_events, reports
from storage.models import id_of
from storage.report_models import Report
from storage.roles import Role

THREAD_PREFIX = "rt"


def category_of(state: flow.State) -> str:
    return FRIEND_REQUEST if state["flow"] == FRIEND_REQUEST else str(
        state["answers"]["category"])


async def readers_of_draft(session: AsyncSession, services: Services, event: Event,
                           state: flow.State) -> Readers:
    return await resolve(session, services, _school(event), category_of(state),
                         state["answers"].get("involved"))


async def summary(session: AsyncSession, services: Services, event: Event,
                  state: flow.State) -> str:
    """The draft as the reporter will send it, and exactly who will be able to read it."""
    lines = ["Please check this before it is sent:"]
    for step in flow.steps_of(state):
        if step.evidence:
            continue
        lines.append(f"{step.title}: {shown(services, state, step)}")
    files = await evidence.of_draft(session=session, draft_token=state["token"])
    if files or state["flow"] != FRIEND_REQUEST:
        lines.append(f"Evidence: {files_text(files)}")
    readers = await readers_of_draft(session, services, event, state)
    heads = await directory.people_with_role(session=session, school_id=_school(event).id,
                                             role=Role.HEADTEACHER)
    lines.append(who_can_read(readers, head_exists=bool(heads),
                              reporter_id=event.sender.person_id))
    lines.append("Press Send, or Back to change something.")
    return "\n".join(lines)


async def submit(session: AsyncSession, services: Services, event: Event,
                 state: flow.State) -> str:
    """Store the report and queue its notifications, once per draft."""
    school = _school(event)
    readers = await readers_of_draft(session, services, event, state)
    if not readers.people:
        raise UserError(f"{who_can_read(readers, head_exists=False, reporter_id=None)} Your "
                        "draft is kept: "
                        f"please tell your PolicyBot admin, and in the meantime tell "
                        f"{school_contact(services, school)} directly.")
    report, created = await reports.create(session=session, values=_values(
        services, event, state), readers=readers.role_values)
    if not created:
        return f"That was already sent as #{report.reference}; nothing more to do."
    await evidence.attach(session=session, draft_token=state["token"], report_id=id_of(report))
    await _chronicle(session, services, event, report, readers)
    await audit.record(session=session, school_id=school.id, actor_id=event.sender.person_id,
                       action=audit.SUBMIT, report_id=report.id, now=services.now())
    what = "friend request is logged" if report.kind == FRIEND_REQUEST else "report is sent"
    others = readers.others_than(event.sender.person_id)
    if not others:
        return (f"Thank you. Your {what} as #{report.reference}. You hold the role that reads "
                "it, so no one else has been told; /mine shows what you've sent.")
    return (f"Thank you. Your {what} as #{report.reference}. {people_text(others)} "
            f"{'have' if len(others) > 1 else 'has'} been told, privately; only they "
            "and you can read it. I'll tell you here when it is read. /mine shows what "
            "you've sent.")


async def _chronicle(session: AsyncSession, services: Services, event: Event, report: Report,
                     readers: Readers) -> None:
    """The first entries: recorded by the reporter, then each reader told."""
    now, report_id = services.now(), id_of(report)
    await report_events.append(session=session, report_id=report_id,
                               kind=report_events.RECORDED, actor_id=event.sender.person_id,
                               now=now)
    told = await tell(session, services, report,
                      [id_of(p) for p in readers.others_than(event.sender.person_id)],
                      notification(report),
                      lambda person: outbox_keys.report_notified(report_id, person))
    for person_id in told:
        await report_events.append(session=session, report_id=report_id,
                                   kind=report_events.NOTIFIED, person_id=person_id, now=now)


def notification(report: Report) -> Message:
    """What a reader is told at once: no free text, no reporter's name."""
    number = report.reference
    if report.kind == FRIEND_REQUEST:
        text = f"A friend request has been logged for your list (#{number})."
    else:
        text = f"You have a new private report (#{number}): {CATEGORY_LABELS[report.category]}."
    return Message(f"{text} Read it here with /view {number}.",
                   (Button("Read it", encode(THREAD_PREFIX, "view", number)),))


def _values(services: Services, event: Event, state: flow.State) -> dict[str, Any]:
    answers = state["answers"]
    occurred, at = answers.get("occurred_on"), answers.get("occurred_time")
    return {
        "school_id": _school(event).id, "submission_key": state["token"],
        "kind": state["flow"], "category": category_of(state),
        "involved": answers.get("involved"), "reporter_id": event.sender.person_id,
        "contact_type": answers.get("contact_type"), "platform": answers.get("platform"),
        "platform_other_enc": answers.get("platform_other"),
        "occurred_on": dt.date.fromisoformat(occurred) if occurred else None,
        "occurred_time": dt.time.fromisoformat(at) if at else None,
        "staff_action": answers.get("staff_action"), "subject_enc": answers.get("subject"),
        "details_enc": answers.get("details"), "links_enc": answers.get("links"),
        "status": reports.OPEN, "created_at": services.now(), "legal_hold": False,
    }


def shown(services: Services, state: flow.State, step: flow.Step) -> str:
    """A draft's answer to one step, as the reporter typed or chose it."""
    answers = state["answers"]
    value = answers.get(step.name)
    if value is None:
        return "—"
    if step.free_text:
        return services.cipher.decrypt(value)
    if step.date:
        at = answers.get("occurred_time")
        return f"{dt.date.fromisoformat(value):%d %b %Y}" + (f", {at}" if at else "")
    if step.other is not None and value == step.other and answers.get("platform_other"):
        return f"Other: {services.cipher.decrypt(answers['platform_other'])}"
    return step.label_of(value)


def files_text(files: list[evidence.EvidenceInfo]) -> str:
    if not files:
        return "none"
    return f"{len(files)} file{'s' if len(files) > 1 else ''} (" + ", ".join(
        f"{f.filename}, {size_text(f.size)}" for f in files) + ")"


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def _school(event: Event) -> SchoolRef:
    assert event.school is not None
    return event.school
