"""A report's chronology in words: one line per entry (who, what, the text), for /view
and the export alike; and the per-reader read state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from handlers.context import Services
from handlers.report_readers import title_of
from storage import report_events as ev
from storage.models import Person
from storage.report_models import ReportEvent

#: What the reporter's /view shows of the chronology (the readers see all of it).
FOR_REPORTER = frozenset({ev.READ, ev.MESSAGE, ev.OUTCOME, ev.CORRECTION, ev.WITHDRAWN,
                          ev.EVIDENCE})
_VERBS = {
    ev.RECORDED: "recorded by {who}", ev.NOTIFIED: "{told} told", ev.READ: "read by {who}",
    ev.MESSAGE: "{who}", ev.ACTION: "action by {who}", ev.OUTCOME: "outcome by {who}",
    ev.CORRECTION: "correction by {who}", ev.WITHDRAWN: "withdrawn by {who}",
    ev.EVIDENCE: "evidence added by {who}",
    ev.REVIEW_DUE: "retention period ended: flagged for review",
    ev.KEPT: "kept at its retention review by {who}", ev.HOLD: "legal hold by {who}",
    ev.RELEASED: "legal hold lifted by {who}",
}


@dataclass(frozen=True, slots=True)
class People:
    """The people a report's chronology names, by id (including those who have left)."""

    by_id: Mapping[int, Person]

    def title(self, person_id: int | None, default: str = "someone") -> str:
        person = self.by_id.get(person_id) if person_id is not None else None
        return title_of(person) if person is not None else default


def line(services: Services, people: People, entry: ReportEvent) -> str:
    """``action by Dee Lead (Designated Safeguarding Lead): Rang the parents``."""
    who = people.title(entry.actor_id, "a reader" if entry.kind == ev.READ else "someone")
    text = _VERBS.get(entry.kind, entry.kind).format(who=who, told=people.title(entry.person_id))
    if entry.body_enc is not None:
        text += f": {services.cipher.decrypt(entry.body_enc)}"
    return text


def person_ids(entries: Sequence[ReportEvent]) -> set[int | None]:
    return {i for e in entries for i in (e.actor_id, e.person_id)}


def first_reads(entries: Sequence[ReportEvent]) -> list[ReportEvent]:
    """Each reader's first read, in order."""
    seen: set[int | None] = set()
    reads = []
    for entry in entries:
        if entry.kind == ev.READ and entry.actor_id not in seen:
            seen.add(entry.actor_id)
            reads.append(entry)
    return reads


def of_kind(entries: Sequence[ReportEvent], *kinds: str) -> list[ReportEvent]:
    return [e for e in entries if e.kind in kinds]
