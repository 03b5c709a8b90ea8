"""The report forms filled in at once: a Slack modal for /report and /friendrequest.

The form is the same steps as the step-by-step flow (:mod:`handlers.report_flow`),
asked together; a submitted form is checked field by field with the same rules (a
date can't be in the future, a choice must be one of the options, free text is
capped) and, when all is well, sent exactly as a finished draft is
(:func:`handlers.report_submit.submit`). Problems go back to the form, beside their
field, and nothing is recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from handlers import report_flow as flow
from handlers.context import Services
from handlers.events import Event
from handlers.replies import FieldKind, Form, FormField
from handlers.report_routing import FRIEND_REQUEST, HEAD_INVOLVED, HEADTEACHER

__all__ = ["MAX_FREE_TEXT", "form_of", "read_form"]

MAX_FREE_TEXT = 3000  # a modal's text inputs stop here; typed answers are capped alike
TITLES = {FRIEND_REQUEST: "Log a friend request"}
LONG = frozenset({"details", "links"})
_TYPED_HINTS = (" Type it below.", " Choose, or type a date like 03/03/2026.",
                " Type a note, or Skip.", " Type them, or Skip.")


def form_of(state: flow.State) -> Form:
    """The whole form of a draft (its token routes the submission back to it)."""
    kind = state["flow"]
    return Form(action=flow.action(state, "form"), title=TITLES.get(kind, "Make a report"),
                intro=f"{flow.INTROS[kind]} {flow.PRIVACY}",
                fields=tuple(_field(step) for step in flow.STEPS[kind]))


def _field(step: flow.Step) -> FormField:
    label = step.prompt
    for hint in _TYPED_HINTS:
        label = label.replace(hint, "")
    if step.date:
        kind = FieldKind.DATE
    elif step.free_text:
        kind = FieldKind.LONG_TEXT if step.name in LONG else FieldKind.TEXT
    else:
        kind = FieldKind.CHOICE
    optional = step.optional or step.name == "involved"  # implied when the Head is involved
    return FormField(step.name, label, kind, () if step.date else step.options,
                     optional=optional, max_length=MAX_FREE_TEXT if step.free_text else None)


def read_form(services: Services, event: Event, state: flow.State,
              values: Mapping[str, str]) -> tuple[flow.State, dict[str, str]]:
    """The draft with every answer from ``values`` and ready to send, or the problems
    by field name."""
    answers: dict[str, object] = {}
    problems: dict[str, str] = {}
    today = _today(services, event)
    category = values.get("category", "").strip()
    for step in flow.STEPS[state["flow"]]:
        given = values.get(step.name, "").strip()
        if step.name == "involved" and category == HEAD_INVOLVED:
            answers[step.name] = HEADTEACHER
            continue
        if not given:
            if step.optional:
                answers[step.name] = None
            else:
                problems[step.name] = "Please fill this in."
            continue
        problem = _check(services, step, given, today, answers)
        if problem is not None:
            problems[step.name] = problem
    if problems:
        return state, problems
    return {**state, "answers": answers, "history": [s.name for s in flow.steps_of(
        {**state, "answers": answers})], "step": flow.CONFIRM, "asking": None}, {}


def _check(services: Services, step: flow.Step, given: str, today: dt.date,
           answers: dict[str, object]) -> str | None:
    """Record ``given`` for ``step`` in ``answers``, or say what is wrong with it."""
    if step.date:
        day = flow.parse_date(given, today=today)
        if day is None:
            return (flow.date_problem(given, today=today)
                    or "That date is in the future (or isn't a date): when did it happen?")
        answers[step.name] = day.isoformat()
    elif step.free_text:
        if len(given) > MAX_FREE_TEXT:
            return f"Please keep this under {MAX_FREE_TEXT} characters."
        answers[step.name] = services.cipher.encrypt(given)
    elif given in dict(step.options):
        answers[step.name] = given
    else:
        return "Please choose one of the options."
    return None


def _today(services: Services, event: Event) -> dt.date:
    zone = ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")
    return services.now().astimezone(zone).date()
