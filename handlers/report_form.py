"""The report forms filled in at once: a Slack modal for /report and /friendrequest.

The form is the same steps as the step-by-step flow (:mod:`handlers.report_flow`),
asked together (without the evidence step: files come in the chat); a submitted
form is checked by going through the draft's steps in order with the same checks as
typed answers (:func:`handlers.report_answers.answered`: the options that fit the
category, a date that can be and isn't in the future, free text within its cap, the
name of an "other" platform) and, when all is well, sent exactly as a finished draft
is (:func:`handlers.report_submit.submit`). Problems go back to the form, beside
their field, and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from handlers import report_drafts as drafts
from handlers import report_flow as flow
from handlers.context import Services
from handlers.events import Event
from handlers.replies import FieldKind, Form, FormField, Reply, form_errors, whisper
from handlers.report_answers import answered
from handlers.report_evidence import MAX_FILES, problem_with, store
from handlers.report_routing import FRIEND_REQUEST
from handlers.report_submit import submit
from storage import conversations

__all__ = ["form_of", "read_form", "submitted"]

TITLES = {FRIEND_REQUEST: "Log a friend request"}
LONG = frozenset({"details", "links"})
PLATFORM_OTHER, TIME = "platform_other", "occurred_time"
EXTRA = {  # fields a form needs that the chat asks within a step
    "platform": FormField(PLATFORM_OTHER, "If Other: which platform?", FieldKind.TEXT,
                          optional=True, max_length=flow.MAX_PLATFORM),
    "occurred_on": FormField(TIME, "At what time, if you know (e.g. 14:30)?", FieldKind.TEXT,
                             optional=True, max_length=10),
}


def form_of(state: flow.State) -> Form:
    """The whole form of a draft (its token routes the submission back to it)."""
    kind = state["flow"]
    fields: list[FormField] = []
    for step in flow.STEPS[kind]:
        if step.evidence:
            fields.append(FormField(step.name, "Screenshots or files, if you have them",
                                    FieldKind.FILES, optional=True))
            continue
        fields.append(_field(step))
        if step.name in EXTRA:
            fields.append(EXTRA[step.name])
    return Form(action=flow.action(state, "form"), title=TITLES.get(kind, "Make a report"),
                intro=f"{flow.INTROS[kind]} {flow.PRIVACY}", fields=tuple(fields))


def _field(step: flow.Step) -> FormField:
    label = drafts.first_sentence(step.prompt)
    if step.date:
        kind = FieldKind.DATE
    elif step.free_text:
        kind = FieldKind.LONG_TEXT if step.name in LONG else FieldKind.TEXT
    else:
        kind = FieldKind.CHOICE
    optional = step.optional or step.name == "involved"  # implied by some categories
    return FormField(step.name, label, kind, () if step.date else step.options,
                     optional=optional, max_length=step.max_length)


def read_form(services: Services, event: Event, state: flow.State,
              values: Mapping[str, str]) -> tuple[flow.State, dict[str, str]]:
    """The draft with every answer from ``values`` and ready to send, or the problems
    by field name."""
    today = _today(services, event)
    draft = flow.new_state(state["flow"], services.now()) | {"token": state["token"]}
    problems: dict[str, str] = {}
    while (step := flow.current_step(draft)) is not None:
        verb, given = _given(step, values)
        if verb == "skip" and not step.optional:
            problems[step.name] = "Please fill this in."
            draft = flow.answer(draft, None)
            continue
        checked, problem = answered(services, today, draft, verb, given)
        if checked.get("naming"):  # "Other": its name is a field of its own
            checked, problem = answered(services, today, checked, "text",
                                        values.get(PLATFORM_OTHER, "").strip())
            problems.update({PLATFORM_OTHER: problem} if problem else {})
        elif problem is not None:
            problems[step.name] = problem
        draft = checked if problem is None else flow.answer(draft, None)
    return (state, problems) if problems else (draft, {})


def _given(step: flow.Step, values: Mapping[str, str]) -> tuple[str, str]:
    """What the form says for a step, as the verb and value a typed answer would be."""
    given = values.get(step.name, "").strip()
    if step.evidence or not given:
        return "skip", ""
    if step.date:
        at = values.get(TIME, "").strip()
        return "text", f"{given} {at}".strip()
    return ("text", given) if step.free_text else ("a", given)


async def submitted(services: Services, event: Event, token: str) -> list[Reply]:
    """A whole form sent at once (a Slack modal): send the draft, or show what is wrong."""
    assert event.form is not None
    assert event.sender.person_id is not None
    person_id = event.sender.person_id
    async with services.db.session() as session:
        state = await drafts.load(session, person_id)
        if state is None or token != state["token"]:
            return [whisper(await drafts.stale(session, event, token))]
        ready, problems = read_form(services, event, state, event.form.values)
        problems.update(files_problems(event))
        if problems:
            return [form_errors(problems)]
        await keep_form_files(services, event, ready)
        text = await submit(session, services, event, ready)
        await conversations.clear(session=session, person_id=person_id)
    return [whisper(text)]


def files_problems(event: Event) -> dict[str, str]:
    """What is wrong with the files uploaded with the form, under the evidence field."""
    field = next((s.name for s in flow.STEPS.get("incident", ()) if s.evidence), "evidence")
    if len(event.attachments) > MAX_FILES:
        return {field: f"A report can carry up to {MAX_FILES} files."}
    problems = [p for p in map(problem_with, event.attachments) if p is not None]
    return {field: problems[0]} if problems else {}


async def keep_form_files(services: Services, event: Event, state: flow.State) -> None:
    """Keep the form's files with its draft, so sending it attaches them."""
    for index, attachment in enumerate(event.attachments):
        await store(services, event, state, attachment, index, index + 1)


def _today(services: Services, event: Event) -> dt.date:
    zone = ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")
    return services.now().astimezone(zone).date()
