"""The steps of the two private forms (a friend request, a report), as data plus pure
functions over the draft's state. No I/O here: :mod:`handlers.reports` loads and
saves the state (a ``storage.conversations`` row) around these functions.

The steps are data (:class:`Step`: a title, a prompt, options with the words people
type for them, a length cap, whether it is optional, a date or the evidence step),
so a platform with forms can build one from them; which steps apply, and which
answers "who is involved" offers, follow from the category (see
:mod:`handlers.report_routing`).

A draft's state is plain JSON::

    {"flow": "friend_request", "token": "3f9c0a1b2d", "step": "platform",
     "answers": {"contact_type": "parent", "subject": "<encrypted>"},
     "history": ["contact_type", "subject"], "started": "2026-03-03T09:14:00+00:00",
     "asking": null, "naming": null}

Free-text answers are encrypted before they go into the state. ``token`` is in
every button of the draft, so a stale button is recognised, and becomes the
report's ``submission_key``, so sending twice records once. ``asking`` is set
while we ask whether to discard this draft for a new one of that flow; ``naming``
while we ask which "other" platform it was.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from handlers.actions import Action, encode
from handlers.replies import Button
from handlers.report_routing import (
    CATEGORY_LABELS,
    FRIEND_REQUEST,
    INCIDENT,
    INCIDENT_CATEGORIES,
    INVOLVED_LABELS,
    implied_involved,
    involved_options,
    sentence,
)

PREFIX = "rp"
DRAFT = "report"  # the conversation kind of a draft (storage.conversations)
CONFIRM = "confirm"
State = dict[str, Any]
MAX_NAME, MAX_PLATFORM, MAX_NOTE, MAX_DETAILS, MAX_LINKS = 100, 40, 2000, 4000, 1000


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    title: str  # how the summary, the list and a form name it
    prompt: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label)
    aliases: tuple[tuple[str, str], ...] = ()  # (what people type, value)
    free_text: bool = False
    optional: bool = False
    date: bool = False  # a date, and a time of day if they give one
    evidence: bool = False  # files are sent here (they are welcome at any step)
    max_length: int | None = None
    other: str | None = None  # the option that asks for a name ("other" platform)
    short: bool = True  # an answer is a few words: a question typed here isn't one

    def label_of(self, value: str) -> str:
        return dict(self.options).get(value, value)


WHEN = ("When did it happen? Choose, or type a date like 03/03/2026 (add a time if you "
        "know it, e.g. 03/03/2026 14:30).")
FRIEND_STEPS = (
    Step("contact_type", "Who", "Who tried to friend or contact you?",
         (("pupil", "A pupil"), ("ex_pupil", "An ex-pupil"), ("parent", "A parent"),
          ("carer", "A carer"))),
    Step("subject", "Name or initials", "What is their name, or their initials? Type it below.",
         free_text=True, max_length=MAX_NAME),
    Step("platform", "Platform", "On which platform?",
         (("facebook", "Facebook"), ("instagram", "Instagram"), ("tiktok", "TikTok"),
          ("whatsapp", "WhatsApp"), ("snapchat", "Snapchat"), ("other", "Other")),
         aliases=(("fb", "facebook"), ("messenger", "facebook"), ("insta", "instagram"),
                  ("ig", "instagram"), ("tik tok", "tiktok"), ("whats app", "whatsapp"),
                  ("wa", "whatsapp"), ("snap", "snapchat")),
         max_length=MAX_PLATFORM, other="other"),
    Step("occurred_on", "When", WHEN, (("today", "Today"), ("yesterday", "Yesterday")),
         date=True),
    Step("staff_action", "What you did", "What did you do?",
         (("declined", "I declined it"), ("ignored", "I ignored it"),
          ("declared", "It's a relationship I'm declaring"))),
    Step("details", "Note", "Anything else the Headteacher should know? Type a note, or Skip.",
         free_text=True, optional=True, max_length=MAX_NOTE, short=False),
)
CATEGORY_HELP = ("(A low-level concern is about an adult's conduct that worries you but "
                 "doesn't suggest a child has been or may be harmed. If it might, choose "
                 "Safeguarding concern.)")
INCIDENT_STEPS = (
    Step("category", "What", f"What would you like to report?\n{CATEGORY_HELP}",
         tuple((c, sentence(CATEGORY_LABELS[c])) for c in INCIDENT_CATEGORIES)),
    Step("involved", "Who is involved", "Who is involved?",
         tuple((k, sentence(v)) for k, v in INVOLVED_LABELS.items())),
    Step("occurred_on", "When", WHEN, (("today", "Today"), ("yesterday", "Yesterday")),
         date=True),
    Step("details", "What happened",
         "Please describe what happened, in your own words. Type it below.",
         free_text=True, max_length=MAX_DETAILS, short=False),
    Step("links", "Links", "Any links to the content (web addresses)? Type them, or Skip.",
         free_text=True, optional=True, max_length=MAX_LINKS, short=False),
    Step("evidence", "Evidence", "Any photos, screenshots or files? Send them here now "
         "(up to 10 MB each), then press Done; or Skip.", optional=True, evidence=True),
)
STEPS = {FRIEND_REQUEST: FRIEND_STEPS, INCIDENT: INCIDENT_STEPS}
INTROS = {
    FRIEND_REQUEST: "Let's log a friend request or contact attempt for the Headteacher's list.",
    INCIDENT: "Let's make a report.",
}
PRIVACY = ("This stays private: only you and the people it goes to can read it, and I'll "
           "show you exactly who that is before you send it. Nothing is sent until you "
           "press Send; you can go Back or Cancel at any time (or type /back or /cancel).")
ALIASES = {"submit": "send", "confirm": "send", "yes": "send", "continue": "resume",
           "stop": "cancel", "previous": "back", "done": "skip"}


def new_state(flow: str, now: dt.datetime) -> State:
    return {"flow": flow, "token": secrets.token_hex(5), "step": STEPS[flow][0].name,
            "answers": {}, "history": [], "started": now.isoformat(), "asking": None,
            "naming": None}


def category_of(state: State) -> str | None:
    return FRIEND_REQUEST if state["flow"] == FRIEND_REQUEST else state["answers"].get("category")


def steps_of(state: State) -> tuple[Step, ...]:
    """The steps that apply to this draft: no "who is involved" when the category
    already says who, and its options fit the category."""
    category = category_of(state)
    steps: list[Step] = []
    for step in STEPS[state["flow"]]:
        if step.name == "involved" and state["flow"] == INCIDENT:
            if implied_involved(category) is not None:
                continue
            allowed = involved_options(category)
            step = Step(step.name, step.title, step.prompt,
                        tuple(o for o in step.options if o[0] in allowed))
        steps.append(step)
    return tuple(steps)


def current_step(state: State) -> Step | None:
    """The step being asked, or None at the final confirmation."""
    return next((s for s in steps_of(state) if s.name == state["step"]), None)


def counter(state: State, step: Step) -> str:
    """``(Step 2 of 6)``; before the category is chosen only ``(Step 1)``, as how many
    steps follow depends on it."""
    steps = steps_of(state)
    number = [s.name for s in steps].index(step.name) + 1
    if state["flow"] == INCIDENT and "category" not in state["answers"]:
        return f"(Step {number})"
    return f"(Step {number} of {len(steps)})"


def is_untouched(state: State) -> bool:
    return not state["history"] and not state["answers"] and state["asking"] is None


def answer(state: State, value: str | None, **more: str) -> State:
    """Record the current step's answer (and ``more`` answers that go with it) and move
    to the next step (or the confirmation)."""
    step = current_step(state)
    assert step is not None
    answers = {**state["answers"], step.name: value, **more}
    if step.name == "category":
        implied = implied_involved(value)
        if implied is not None:
            answers["involved"] = implied
        elif answers.get("involved") not in involved_options(value):
            answers.pop("involved", None)
    names = [s.name for s in steps_of({**state, "answers": answers})]
    following = names[names.index(step.name) + 1:] if step.name in names else []
    return {**state, "answers": answers, "history": [*state["history"], step.name],
            "step": following[0] if following else CONFIRM, "naming": None}


def back(state: State) -> State:
    if state.get("naming"):
        return {**state, "naming": None}
    if not state["history"]:
        return state
    return {**state, "step": state["history"][-1], "history": state["history"][:-1]}


def action(state: State, verb: str, value: str = "") -> str:
    return encode(PREFIX, state["token"], verb, *((value,) if value else ()))


def buttons(state: State, *, files: int = 0) -> tuple[Button, ...]:
    """The buttons of the current step; typing a label or its number works the same."""
    if state["asking"] is not None:
        return (Button("Continue it", action(state, "resume")),
                Button("Discard it and start again", action(state, "discard")))
    step = current_step(state)
    naming = bool(state.get("naming"))
    out = [Button(label, action(state, "a", value)) for value, label in
           (step.options if step is not None and not naming else ())]
    if step is None:
        out.append(Button("Send", action(state, "send")))
    if step is not None and step.optional:
        out.append(Button("Done" if step.evidence and files else "Skip", action(state, "skip")))
    if state["history"] or naming:
        out.append(Button("Back", action(state, "back")))
    out.append(Button("Cancel", action(state, "cancel")))
    return tuple(out)


def prompt_of(state: State, step: Step) -> str:
    if state.get("naming"):
        return "Which platform was it? Type its name."
    return step.prompt


def typed(state: State, text: str) -> tuple[str, str]:
    """What a typed message means here: ``(verb, value)``, where an unmatched message is
    ``("text", text)`` (an answer to a free-text or date step, or a miss)."""
    wanted = text.strip().casefold()
    wanted = ALIASES.get(wanted, wanted)
    step = current_step(state)
    if step is not None and not state.get("naming"):
        alias = dict(step.aliases).get(wanted)
        if alias is not None:
            return "a", alias
    for number, button in enumerate(buttons(state, files=1), start=1):
        verb, value = verb_and_value(Action.parse(button.action))
        if wanted in (str(number), button.label.casefold(), value or verb):
            return verb, value
    return "text", text.strip()


def verb_and_value(pressed: Action) -> tuple[str, str]:
    """``rp:TOKEN:a:pupil`` → ``("a", "pupil")``; ``rp:TOKEN:back`` → ``("back", "")``."""
    return pressed.arg(1), pressed.arg(2)


def too_long(step: Step, text: str) -> str | None:
    """Why ``text`` is too long for this step (None: it fits)."""
    if step.max_length is None or len(text) <= step.max_length:
        return None
    what = {"subject": "A name or initials", "platform": "A platform's name"}.get(
        step.name, "This answer")
    return (f"{what} can be at most {step.max_length:,} characters, and that was "
            f"{len(text):,}. Please shorten it, or send the rest as a note in the thread "
            "after you've sent it.")
