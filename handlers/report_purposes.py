"""What someone can add to a report's record, and who may: one table, used by the
commands, the buttons and the "type it below" prompts alike."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import report_review, report_writes
from handlers.context import Services
from handlers.events import Event
from handlers.report_access import Opened
from handlers.report_text import noun

Writer = Callable[[AsyncSession, Services, Event, Opened, str], Awaitable[str]]
Check = Callable[[Services, Event, Opened], None]
READER, REPORTER, EITHER = "reader", "reporter", "either"


@dataclass(frozen=True, slots=True)
class Purpose:
    name: str
    asks_for: str  # "Type {asks_for} for #N below."
    who: str  # READER, REPORTER or EITHER
    write: Writer
    confirm: str | None = None  # asked before a typed text is recorded ({number}, {noun})
    confirm_label: str = "Send"
    always_confirm: bool = False  # even when the text came with the command
    check: Check | None = None  # raises a UserError when it can't be done now

    def refusal(self, opened: Opened) -> str | None:
        """Why this person may not do it to this report (None: they may)."""
        number = opened.report.reference
        if self.who == READER and not opened.reader:
            return f"Only the people who read #{number} can do that."
        if self.who == REPORTER and not opened.reporter:
            return f"Only the person who sent #{number} can do that."
        return None

    def question(self, opened: Opened, text: str) -> str:
        assert self.confirm is not None
        return self.confirm.format(number=opened.report.reference,
                                   noun=noun(opened.report)) + f"\n{text}"


PURPOSES = {p.name: p for p in (
    Purpose("message", "your message", EITHER, report_writes.post),
    Purpose("action", "what was done", READER, report_writes.action),
    Purpose("outcome", "the outcome", READER, report_writes.outcome,
            confirm="Record this as the outcome of #{number}? It closes the {noun} and the "
                    "person who sent it will be told:"),
    Purpose("correction", "your correction", REPORTER, report_writes.correction),
    Purpose("withdraw", "your reason for withdrawing it", REPORTER, report_writes.withdrawal,
            confirm="Withdraw #{number} with this reason? It stays on the record, marked "
                    "withdrawn, and its readers will be told:"),
    Purpose("keep", "your reason for keeping it", READER, report_review.keep,
            check=report_review.may_review),
    Purpose("delete", "your reason for deleting it", READER, report_review.delete,
            confirm="Delete #{number} for good, with its thread and evidence? This can't be "
                    "undone. Your reason:", confirm_label="Delete it for good",
            always_confirm=True, check=report_review.may_review),
    Purpose("hold", "the reason for the legal hold", READER, report_review.hold),
    Purpose("release", "the reason for lifting the legal hold", READER, report_review.release),
)}
