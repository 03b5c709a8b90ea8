"""Sending a draft: route it, store it (free text encrypted), tell the recipients through
the outbox in the same transaction, and thank the reporter.

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
from handlers.events import Event
from handlers.outbox import notify_person
from handlers.replies import Button, Message
from handlers.report_routing import CATEGORY_LABELS, FRIEND_REQUEST, ROLE_TITLES, route
from storage import audit, directory, reports
from storage.models import Person, id_of
from storage.report_models import Report
from storage.roles import Role

FIELD_TITLES = {
    "contact_type": "Who", "subject": "Name or initials", "platform": "Platform",
    "occurred_on": "When", "staff_action": "What you did", "category": "What",
    "involved": "Who is involved", "links": "Links",
}
THREAD_PREFIX = "rt"


async def recipients(session: AsyncSession, school_id: int, category: str,
                     involved: str | None) -> tuple[Role, list[Person]]:
    """The role a report goes to in this school, and the people who hold it."""
    dsls = await directory.people_with_role(session=session, school_id=school_id, role=Role.DSL)
    role = route(category, involved, has_dsl=bool(dsls))
    people = await directory.people_with_role(session=session, school_id=school_id, role=role)
    return role, people


def category_of(state: flow.State) -> str:
    return FRIEND_REQUEST if state["flow"] == FRIEND_REQUEST else str(
        state["answers"]["category"])


async def summary(session: AsyncSession, services: Services, event: Event,
                  state: flow.State) -> str:
    """The draft as the reporter will send it, and who it will go to."""
    lines = ["Please check this before it is sent:"]
    for step in flow.steps_of(state):
        value = state["answers"].get(step.name)
        lines.append(f"{_title(state, step.name)}: {_shown(services, step, value)}")
    role, _ = await recipients(session, _school(event), category_of(state),
                               state["answers"].get("involved"))
    goes_to = ROLE_TITLES[role]
    if role is Role.CHAIR_OF_GOVERNORS:
        goes_to += " (the Headteacher will not see it)"
    lines += [f"It will go to {goes_to}.", "Press Send, or Back to change something."]
    return "\n".join(lines)


async def submit(session: AsyncSession, services: Services, event: Event,
                 state: flow.State) -> str:
    """Store the report and queue its notifications, once per draft."""
    school_id = _school(event)
    category, answers = category_of(state), state["answers"]
    role, people = await recipients(session, school_id, category, answers.get("involved"))
    if not people:
        raise UserError(f"Your school has no one set up as {ROLE_TITLES[role]}, so I can't "
                        "send this yet. Your draft is kept: please tell your PolicyBot admin.")
    report, created = await reports.create(session=session, values=_values(
        services, event, state, category, role))
    assert report.id is not None
    if not created:
        return f"That was already sent as #{report.reference}; nothing more to do."
    for person in people:
        assert person.id is not None
        await notify_person(session=session, cipher=services.cipher, school_id=school_id,
                            key=outbox_keys.report_notified(id_of(report), id_of(person)),
                            person_id=person.id,
                            message=notification(report))
    await audit.record(session=session, school_id=school_id, actor_id=event.sender.person_id,
                       action=audit.SUBMIT, report_id=report.id, now=services.now())
    what = "friend request is logged" if report.kind == FRIEND_REQUEST else "report is sent"
    return (f"Thank you. Your {what} as #{report.reference} and {ROLE_TITLES[role]} has been told, "
            "privately. I'll tell you here when it has been read. /mine shows what you've sent.")


def notification(report: Report) -> Message:
    """What a recipient is told at once: no free text, no reporter's name."""
    number = report.reference
    if report.kind == FRIEND_REQUEST:
        text = f"A friend request has been logged for your list (#{number})."
    else:
        text = f"You have a new private report (#{number}): {CATEGORY_LABELS[report.category]}."
    return Message(f"{text} Read it here with /view {number}.",
                   (Button("Read it", encode(THREAD_PREFIX, "view", number)),))


def _values(services: Services, event: Event, state: flow.State, category: str,
            role: Role) -> dict[str, Any]:
    answers = state["answers"]
    occurred = answers.get("occurred_on")
    return {
        "school_id": _school(event), "submission_key": state["token"], "kind": state["flow"],
        "category": category, "involved": answers.get("involved"), "handler_role": str(role),
        "reporter_id": event.sender.person_id, "contact_type": answers.get("contact_type"),
        "platform": answers.get("platform"),
        "occurred_on": dt.date.fromisoformat(occurred) if occurred else None,
        "staff_action": answers.get("staff_action"), "subject_enc": answers.get("subject"),
        "details_enc": answers.get("details"), "links_enc": answers.get("links"),
        "status": reports.OPEN, "created_at": services.now(),
    }


def _title(state: flow.State, name: str) -> str:
    if name == "details":
        return "Note" if state["flow"] == FRIEND_REQUEST else "What happened"
    return FIELD_TITLES[name]


def _shown(services: Services, step: flow.Step, value: str | None) -> str:
    if value is None:
        return "—"
    if step.free_text:
        return services.cipher.decrypt(value)
    if step.date:
        return f"{dt.date.fromisoformat(value):%d %b %Y}"
    return step.label_of(value)


def _school(event: Event) -> int:
    assert event.school is not None
    return event.school.id
