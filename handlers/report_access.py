"""Who may open which report: its readers (by the one rule,
:func:`handlers.report_routing.may_read`, over the roles stored with it) and the
person who sent it. Every lookup is scoped to the asker's school; a report someone
may not see is "not found", never "forbidden", so its existence is not revealed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers.errors import UserError
from handlers.events import Event
from handlers.parsing import parse_number
from handlers.report_routing import may_read
from storage import reports
from storage.models import id_of
from storage.report_models import Report


@dataclass(frozen=True, slots=True)
class Opened:
    report: Report
    readers: tuple[str, ...]  # the roles that read it
    reader: bool  # the asker is one of its readers
    reporter: bool  # the asker sent it

    @property
    def id(self) -> int:
        return id_of(self.report)


def reference_of(text: str, usage: str) -> int:
    """The report number at the start of ``text`` (``"#482913 the rest"``, or followed by a
    new line), or a :class:`UserError` with ``usage``. Only ASCII digits count."""
    words = text.strip().lstrip("#").split(None, 1)
    number = parse_number(words[0] if words else "")
    if number is None:
        raise UserError(usage)
    return number


def not_found(reference: int) -> UserError:
    return UserError(f"I can't find #{reference} among the reports you can see.")


async def open_report(session: AsyncSession, event: Event, reference: int) -> Opened:
    """The report if this person may see it: one of its readers, or its reporter."""
    if event.school is None:
        raise not_found(reference)
    report = await reports.get(session=session, school_id=event.school.id, reference=reference)
    if report is None:
        raise not_found(reference)
    readers = (await reports.readers_of(session=session, report_ids=[id_of(report)])).get(
        id_of(report), ())
    reader = may_read(event.sender.role, readers)
    reporter = event.sender.person_id is not None and report.reporter_id == event.sender.person_id
    if not reader and not reporter:
        raise not_found(reference)
    return Opened(report, readers, reader, reporter)
