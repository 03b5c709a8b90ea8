"""Checking one answer to one step of a draft, the same way whether it was typed, pressed
or filled in a form: a choice must be one of the step's options, a date must be one
(and not in the future), free text fits its cap, an "other" platform gets its name.
Free text is encrypted here, before it goes into the draft."""

from __future__ import annotations

import datetime as dt

from handlers import report_flow as flow
from handlers.context import Services
from handlers.report_dates import parse_day, parse_when

CHOOSE = "Please choose one of the options below (or type its number)."


def answered(services: Services, today: dt.date, state: flow.State, verb: str,
             value: str) -> tuple[flow.State, str | None]:
    """Apply an answer to the current step, or say what is wrong with it (the state is
    then unchanged)."""
    step = flow.current_step(state)
    if step is None:
        return state, "Press Send to send it, Back to change something, or Cancel."
    if verb == "skip":
        return (flow.answer(state, None), None) if step.optional else (
            state, "This step can't be skipped.")
    if step.date:
        return _dated(state, verb, value, today)
    if state.get("naming") or (verb == "text" and step.other is not None and value):
        return _other(services, state, step, verb, value)
    if verb == "a" and value == step.other:
        return {**state, "naming": step.name}, None
    if verb == "a" and value in dict(step.options):
        return flow.answer(state, value), None
    if verb == "text" and step.free_text and value:
        problem = flow.too_long(step, value)
        return (state, problem) if problem else (
            flow.answer(state, services.cipher.encrypt(value)), None)
    if step.evidence:
        return state, "Send a photo, screenshot or file here, or press Done (or Skip)."
    return state, CHOOSE


def _other(services: Services, state: flow.State, step: flow.Step, verb: str,
           value: str) -> tuple[flow.State, str | None]:
    """The name of an "other" platform (typed after choosing Other, or typed at once)."""
    if verb != "text" or not value:
        return state, "Please type the platform's name (or press Back)."
    problem = flow.too_long(step, value)
    if problem is not None:
        return state, problem
    assert step.other is not None
    return flow.answer(state, step.other, platform_other=services.cipher.encrypt(value)), None


def _dated(state: flow.State, verb: str, value: str,
           today: dt.date) -> tuple[flow.State, str | None]:
    found = parse_day(value, today=today) if verb == "a" else parse_when(value, today=today)
    if isinstance(found, str):
        return state, found
    day, at = found if isinstance(found, tuple) else (found, None)
    more = {"occurred_time": at.strftime("%H:%M")} if at is not None else {}
    done = flow.answer(state, day.isoformat(), **more)
    if at is None:
        done["answers"].pop("occurred_time", None)
    return done, None
