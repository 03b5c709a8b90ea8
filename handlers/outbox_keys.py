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
    "report_message",
    "report_notified",
    "report_outcome",
    "report_read",
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


def report_notified(report_id: int, person_id: int) -> str:
    return f"report:{report_id}:notify:{person_id}"


def report_message(report_id: int, message_id: int, person_id: int) -> str:
    return f"report:{report_id}:msg:{message_id}:to:{person_id}"


def report_outcome(report_id: int, entry_id: int) -> str:
    return f"report:{report_id}:outcome:{entry_id}"


def report_read(report_id: int) -> str:
    return f"report:{report_id}:read"


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
