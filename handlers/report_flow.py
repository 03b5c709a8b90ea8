"""The steps of the two private forms (a friend request, a report), as data plus pure
functions over the draft's state. No I/O here: :mod:`handlers.reports` loads and
saves the state (a ``storage.conversations`` row) around these functions.

A draft's state is plain JSON::

    {"flow": "friend_request", "token": "3f9c0a1b2d", "step": "platform",
     "answers": {"contact_type": "parent", "subject": "<encrypted>"},
     "history": ["contact_type", "subject"], "started": "2026-03-03T09:14:00+00:00",
     "asking": null}

Free-text answers are encrypted before they go into the state. ``token`` is in
every button of the draft, so a stale button is recognised, and becomes the
report's ``submission_key``, so sending twice records once. ``asking`` is set
while we ask whether to discard this draft for a new one of that flow.
"""

from __future__ import annotations

import calendar
import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from handlers.actions import Action, encode
from handlers.replies import Button
from handlers.report_routing import (
    CATEGORY_LABELS,
    FRIEND_REQUEST,
    HEAD_INVOLVED,
    HEADTEACHER,
    INCIDENT,
    INCIDENT_CATEGORIES,
    INVOLVED_LABELS,
    sentence,
)

PREFIX = "rp"
DRAFT = "report"  # the conversation kind of a draft (storage.conversations)
CONFIRM = "confirm"
State = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    prompt: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    free_text: bool = False
    optional: bool = False
    date: bool = False

    def label_of(self, value: str) -> str:
        return dict(self.options).get(value, value)


FRIEND_STEPS = (
    Step("contact_type", "Who tried to friend or contact you?",
         (("pupil", "A pupil"), ("ex_pupil", "An ex-pupil"), ("parent", "A parent"),
          ("carer", "A carer"))),
    Step("subject", "What is their name, or their initials? Type it below.", free_text=True),
    Step("platform", "On which platform?",
         (("facebook", "Facebook"), ("instagram", "Instagram"), ("tiktok", "TikTok"),
          ("whatsapp", "WhatsApp"), ("snapchat", "Snapchat"), ("other", "Other"))),
    Step("occurred_on", "When did it happen? Choose, or type a date like 03/03/2026.",
         (("today", "Today"), ("yesterday", "Yesterday")), date=True),
    Step("staff_action", "What did you do?",
         (("declined", "I declined it"), ("ignored", "I ignored it"),
          ("declared", "It's a relationship I'm declaring"))),
    Step("details", "Anything else the Headteacher should know? Type a note, or Skip.",
         free_text=True, optional=True),
)
INCIDENT_STEPS = (
    Step("category", "What would you like to report?",
         tuple((c, sentence(CATEGORY_LABELS[c])) for c in INCIDENT_CATEGORIES)),
    Step("involved", "Who is involved?",
         tuple((k, sentence(v)) for k, v in INVOLVED_LABELS.items())),
    Step("details", "Please describe what happened, in your own words. Type it below.",
         free_text=True),
    Step("links", "Any links to the content (web addresses)? Type them, or Skip.",
         free_text=True, optional=True),
)
STEPS = {FRIEND_REQUEST: FRIEND_STEPS, INCIDENT: INCIDENT_STEPS}
INTROS = {
    FRIEND_REQUEST: "Let's log a friend request or contact attempt for the Headteacher's list.",
    INCIDENT: "Let's make a report.",
}
PRIVACY = ("This stays private: only the person it goes to will see it. "
           "Nothing is sent until you press Send; you can go Back or Cancel at any time.")
ALIASES = {"submit": "send", "confirm": "send", "yes": "send", "continue": "resume",
           "stop": "cancel", "previous": "back"}


def new_state(flow: str, now: dt.datetime) -> State:
    return {"flow": flow, "token": secrets.token_hex(5), "step": STEPS[flow][0].name,
            "answers": {}, "history": [], "started": now.isoformat(), "asking": None}


def steps_of(state: State) -> tuple[Step, ...]:
    """The steps that apply to this draft (no "who is involved" when the category
    already says the Headteacher is)."""
    steps = STEPS[state["flow"]]
    if state["answers"].get("category") == HEAD_INVOLVED:
        return tuple(s for s in steps if s.name != "involved")
    return steps


def current_step(state: State) -> Step | None:
    """The step being asked, or None at the final confirmation."""
    return next((s for s in steps_of(state) if s.name == state["step"]), None)


def is_untouched(state: State) -> bool:
    return not state["history"] and not state["answers"] and state["asking"] is None


def answer(state: State, value: str | None) -> State:
    """Record the current step's answer and move to the next step (or the confirmation)."""
    step = current_step(state)
    assert step is not None
    answers = {**state["answers"], step.name: value}
    if step.name == "category" and value == HEAD_INVOLVED:
        answers["involved"] = HEADTEACHER
    names = [s.name for s in steps_of({**state, "answers": answers})]
    following = names[names.index(step.name) + 1:] if step.name in names else []
    return {**state, "answers": answers, "history": [*state["history"], step.name],
            "step": following[0] if following else CONFIRM}


def back(state: State) -> State:
    if not state["history"]:
        return state
    return {**state, "step": state["history"][-1], "history": state["history"][:-1]}


def action(state: State, verb: str, value: str = "") -> str:
    return encode(PREFIX, state["token"], verb, *((value,) if value else ()))


def buttons(state: State) -> tuple[Button, ...]:
    """The buttons of the current step; typing a label or its number works the same."""
    if state["asking"] is not None:
        return (Button("Continue it", action(state, "resume")),
                Button("Discard it and start again", action(state, "discard")))
    step = current_step(state)
    out = [Button(label, action(state, "a", value)) for value, label in
           (step.options if step is not None else ())]
    if step is None:
        out.append(Button("Send", action(state, "send")))
    if step is not None and step.optional:
        out.append(Button("Skip", action(state, "skip")))
    if state["history"]:
        out.append(Button("Back", action(state, "back")))
    out.append(Button("Cancel", action(state, "cancel")))
    return tuple(out)


def typed(state: State, text: str) -> tuple[str, str]:
    """What a typed message means here: ``(verb, value)``, where an unmatched message is
    ``("text", text)`` (an answer to a free-text or date step, or a miss)."""
    wanted = text.strip().casefold()
    wanted = ALIASES.get(wanted, wanted)
    for number, button in enumerate(buttons(state), start=1):
        verb, value = verb_and_value(Action.parse(button.action))
        if wanted in (str(number), button.label.casefold(), value or verb):
            return verb, value
    return "text", text.strip()


def verb_and_value(pressed: Action) -> tuple[str, str]:
    """``rp:TOKEN:a:pupil`` → ``("a", "pupil")``; ``rp:TOKEN:back`` → ``("back", "")``."""
    return pressed.arg(1), pressed.arg(2)


def parse_date(text: str, *, today: dt.date) -> dt.date | None:
    """A date a person typed (UK order first), or None (see :func:`date_problem`);
    never in the future. A date without a year is its latest occurrence up to today."""
    cleaned = _cleaned(text)
    for pattern in _FULL_DATES:
        try:
            day = dt.datetime.strptime(cleaned, pattern).date()
        except ValueError:
            continue
        return day if day <= today else None
    found = _day_and_month(cleaned)
    if found is None:
        return None
    try:
        day = dt.date(today.year, found[1], found[0])
        return day if day <= today else dt.date(today.year - 1, found[1], found[0])
    except ValueError:  # 29 February, in a year that has none
        return None


def date_problem(text: str, *, today: dt.date) -> str | None:
    """Why :func:`parse_date` refused ``text``, when there is more to say than "not a
    date" (the caller's own words) or "in the future"."""
    found = _day_and_month(_cleaned(text))
    if found == (29, 2):
        leap = next(y for y in range(today.year, today.year - 8, -1) if calendar.isleap(y)
                    and dt.date(y, 2, 29) <= today)
        return (f"{text.strip()} has no year, and there is no 29 February in the last "
                f"twelve months. Please add the year, e.g. 29/02/{leap}.")
    return None


_FULL_DATES = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%d-%m-%Y")


def _cleaned(text: str) -> str:
    return " ".join(text.replace(",", " ").split())


def _day_and_month(cleaned: str) -> tuple[int, int] | None:
    """``"29/02"`` → ``(29, 2)``: a date typed without a year (checked against a leap year,
    so 29 February is recognised)."""
    for pattern in ("%d %B", "%d %b", "%d/%m"):
        try:
            day = dt.datetime.strptime(f"{cleaned} 2000", f"{pattern} %Y").date()
        except ValueError:
            continue
        return day.day, day.month
    return None


def relative_date(value: str, *, today: dt.date) -> dt.date | None:
    return {"today": today, "yesterday": today - dt.timedelta(days=1)}.get(value)
