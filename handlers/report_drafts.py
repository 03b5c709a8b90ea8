"""A person's unsent draft: loading and saving it, asking its current step, and telling a
message that answers the step from one that doesn't (a question about the policy
typed while a draft waits for a name is answered, and the draft is recalled, not
fed the question)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import report_flow as flow
from handlers.context import Services
from handlers.events import Event
from handlers.replies import Reply, whisper
from handlers.report_routing import FRIEND_REQUEST
from handlers.report_submit import summary
from storage import conversations, evidence, reports
from storage.models import Conversation

STALE = "That form is no longer open. Send /report or /friendrequest to start again."
QUESTION_WORDS = frozenset({
    "can", "could", "may", "might", "should", "shall", "must", "am", "is", "are", "was",
    "do", "does", "did", "what", "how", "why", "when", "where", "who", "which", "will",
    "would", "have", "has"})
_WORD = re.compile(r"[a-z']+")


async def load(session: AsyncSession, person_id: int) -> flow.State | None:
    row = await conversations.current(session=session, person_id=person_id)
    return dict(row.state) if row is not None and row.kind == flow.DRAFT else None


async def save(session: AsyncSession, services: Services, person_id: int,
               state: flow.State) -> None:
    await conversations.save(session=session, person_id=person_id, kind=flow.DRAFT,
                             state=state, now=services.now())


async def discard(session: AsyncSession, person_id: int, state: flow.State) -> None:
    """Drop the draft and the files sent with it (nothing of it was ever sent)."""
    await evidence.discard_draft(session=session, draft_token=state["token"])
    await conversations.clear(session=session, person_id=person_id)


async def ask(session: AsyncSession, services: Services, event: Event, state: flow.State,
              lead: str | None = None) -> Reply:
    """The current step (or the summary to confirm), privately, with its buttons."""
    current = flow.current_step(state)
    files, _ = await evidence.total_of_draft(session=session, draft_token=state["token"])
    if current is None:
        text = await summary(session, services, event, state)
    else:
        text = f"{flow.prompt_of(state, current)}\n{flow.counter(state, current)}"
        if current.evidence and files:
            text += f"\n({files} file{'s' if files > 1 else ''} so far.)"
    return whisper(f"{lead}\n\n{text}" if lead else text, *flow.buttons(state, files=files))


def what(state: flow.State) -> str:
    return "friend request" if state["flow"] == FRIEND_REQUEST else "report"


def reminder(state: flow.State) -> str:
    """What follows an answer to something else while a draft waits."""
    step = flow.current_step(state)
    waiting = ("for you to press Send" if step is None
               else f"for your answer to \"{first_sentence(flow.prompt_of(state, step))}\"")
    return (f"(Your {what(state)} isn't sent yet: it's waiting {waiting}. Carry on below, "
            "or send /cancel to drop it.)")


def is_question(text: str) -> bool:
    """A message that asks something rather than answers a short step."""
    words = _WORD.findall(text.casefold())
    return text.rstrip().endswith("?") or (len(words) >= 4 and words[0] in QUESTION_WORDS)


def unrelated(state: flow.State, text: str) -> bool:
    """Whether a typed message is clearly not an answer to the draft's current step: a
    question, where the step wants a few words (a name, a choice, a date)."""
    step = flow.current_step(state)
    return (step is None or step.short) and is_question(text)


def started_text(event: Event, row: Conversation | flow.State) -> str:
    state = row.state if isinstance(row, Conversation) else row
    zone = ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")
    started = dt.datetime.fromisoformat(state["started"]).astimezone(zone)
    return f"{started:%d %b %Y at %H:%M}"


def where_text(state: flow.State) -> str:
    """``at step 2 of 6 (Who is involved?)`` or ``ready to send``."""
    step = flow.current_step(state)
    if step is None:
        return "ready to send"
    counted = flow.counter(state, step).strip("()").lower()
    return f"at {counted} ({first_sentence(flow.prompt_of(state, step))})"


def first_sentence(text: str) -> str:
    """``"When did it happen? Choose, or…"`` → ``"When did it happen?"``."""
    found = re.search(r"[?.](\s|$)", text)
    return text[:found.start() + 1] if found else text.splitlines()[0]


async def stale(session: AsyncSession, event: Event, token: str | None) -> str:
    """What a button or form of a draft that is gone says: sent already, or no longer open."""
    if token and event.school is not None:
        sent = await reports.by_submission_key(session=session, school_id=event.school.id,
                                               submission_key=token)
        if sent is not None and sent.reporter_id == event.sender.person_id:
            return f"That was already sent as #{sent.reference}; nothing more to do."
    return STALE
