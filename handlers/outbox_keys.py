"""Outbox keys: every key is built here, and every prefix matched here.

A key makes one delivery unique (the outbox refuses a second row with the same key),
so what goes into it decides what counts as "the same message": a nudge is one per
person, version and slot; a report notification one per report and recipient; a
reply one per update and position.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "REMINDERS",
    "ack_summary",
    "ack_summary_prefix",
    "gap_answer",
    "gap_to_head",
    "home",
    "is_reminder",
    "nudge",
    "nudge_person_prefix",
    "nudge_prefix",
    "reply",
    "report_deleted",
    "report_entry",
    "report_evidence",
    "report_notified",
    "report_of",
    "report_prefix",
    "report_read",
    "report_review_due",
    "review",
    "review_prefix",
    "update_of_reply",
]

NUDGE, ACK_SUMMARY, REVIEW = "nudge:", "acksummary:", "review:"
#: The reminder kinds (nudges, Headteacher summaries, review reminders): what the
#: console's run-due may print, since nothing private is in them.
REMINDERS = (NUDGE, ACK_SUMMARY, REVIEW)


def is_reminder(key: str) -> bool:
    return key.startswith(REMINDERS)


def kind_of(key: str) -> str:
    """What kind of message a key is for (``nudge``, ``report``, ``reply``…): a label
    for metrics, never an id."""
    return key.partition(":")[0] or "other"


def nudge_prefix(version_id: int) -> str:
    return f"{NUDGE}v{version_id}:"


def nudge(version_id: int, person_id: int, slot: int) -> str:
    return f"{nudge_prefix(version_id)}p{person_id}:{slot}"


def nudge_person_prefix(version_id: int, person_id: int) -> str:
    return f"{nudge_prefix(version_id)}p{person_id}:"


def ack_summary_prefix(version_id: int) -> str:
    return f"{ACK_SUMMARY}v{version_id}:"


def ack_summary(version_id: int, head_id: int) -> str:
    return f"{ack_summary_prefix(version_id)}p{head_id}"


def review_prefix(school_id: int, review: dt.date) -> str:
    return f"{REVIEW}s{school_id}:{review.isoformat()}:"


def review(school_id: int, review_date: dt.date, person_id: int, slot: str) -> str:
    return f"{review_prefix(school_id, review_date)}p{person_id}:{slot}"


REPORT = "report:"
MAX_UPDATE_PART = 80


def report_prefix() -> str:
    """Every message about a report starts so, then its id (see :func:`report_of`):
    retention deletes them with the report."""
    return REPORT


def report_of(key: str) -> int | None:
    """The report id a message about a report is about (None: not about one)."""
    parts = key.split(":")
    if not key.startswith(REPORT) or len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])


def report_notified(report_id: int, person_id: int) -> str:
    return f"{REPORT}{report_id}:notify:{person_id}"


def report_entry(report_id: int, entry_id: int, person_id: int) -> str:
    """One chronology entry (a message, an outcome, a correction…) told to one person."""
    return f"{REPORT}{report_id}:msg:{entry_id}:to:{person_id}"


def report_read(report_id: int, reader_id: int) -> str:
    """The reporter told that this reader has read it."""
    return f"{REPORT}{report_id}:read:{reader_id}"


def report_evidence(report_id: int, evidence_id: int, person_id: int, update_key: str) -> str:
    """An evidence file sent to a reader, for the /view of this update."""
    return (f"{REPORT}{report_id}:evidence:{evidence_id}:to:{person_id}:"
            f"{update_key[:MAX_UPDATE_PART]}")


def report_review_due(report_id: int, person_id: int, flagged: dt.date) -> str:
    return f"{REPORT}{report_id}:review:{flagged.isoformat()}:to:{person_id}"


def report_deleted(school_id: int, reference: int, person_id: int) -> str:
    """A reader told a report was deleted: not under the report's prefix, as the
    report's own messages go with it."""
    return f"retention:s{school_id}:r{reference}:deleted:to:{person_id}"


def gap_to_head(gap_id: int, head_id: int) -> str:
    return f"gap:{gap_id}:head:{head_id}"


def gap_answer(gap_id: int, at: dt.datetime) -> str:
    return f"gap:{gap_id}:answer:{at.isoformat()}"


def reply(platform: str, update_key: str, index: int) -> str:
    """The ``index``-th reply to one platform update."""
    return f"reply:{platform}:{update_key}:{index}"


def update_of_reply(key: str) -> str:
    """What the replies to one update have in common (their key but the position):
    they are delivered one after another, in order."""
    return key.rsplit(":", 1)[0]


def home(person_id: int, at: dt.datetime) -> str:
    """A refresh of someone's home view, as of ``at``."""
    return f"home:p{person_id}:{at.isoformat()}"
