"""Tables for private reporting: reports (friend requests and incidents), the roles that
read each, its chronology (an append-only record of everything that happened to it),
its evidence, and the audit log of who looked at or changed what.

Free text (names, descriptions, notes, links, thread messages, actions, outcomes,
corrections, reasons) and evidence files are stored encrypted (``*_enc`` columns
hold Fernet tokens from :class:`storage.crypto.Cipher`). Nothing in a report's
record is edited or deleted in place: a correction, an outcome or a withdrawal is a
new chronology entry. Only retention deletes a report, all of it at once.

The audit log has no foreign key to reports on purpose: when retention deletes a
report, the record that it existed, was viewed and was deleted stays.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import timestamp


class Report(SQLModel, table=True):
    """One friend request logged or one incident reported."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_school_created", "school_id", "created_at"),
                      UniqueConstraint("school_id", "reference"))

    id: int | None = Field(default=None, primary_key=True)  # internal: never shown to anyone
    school_id: int = Field(foreign_key="schools.id")
    #: The number people see and type (#482913): random, unique within the school, so it
    #: reveals neither how many reports exist nor which ones someone may not see.
    reference: int
    submission_key: str = Field(max_length=64, unique=True)  # the draft's token: sent once
    kind: str = Field(max_length=16)  # friend_request | incident
    category: str = Field(max_length=32)
    involved: str | None = Field(default=None, max_length=32)
    reporter_id: int = Field(foreign_key="people.id", index=True)
    contact_type: str | None = Field(default=None, max_length=16)
    platform: str | None = Field(default=None, max_length=16)
    platform_other_enc: str | None = None  # the platform's name, when "other"
    occurred_on: dt.date | None = None  # when it happened (the reporter's local date)
    occurred_time: dt.time | None = None  # and the time, if they gave one
    staff_action: str | None = Field(default=None, max_length=16)
    subject_enc: str | None = None
    details_enc: str | None = None
    links_enc: str | None = None
    status: str = Field(default="open", max_length=16)  # open | read | closed | withdrawn
    created_at: dt.datetime = timestamp(nullable=False)  # recorded at
    read_at: dt.datetime | None = timestamp(nullable=True)  # first read by any reader
    closed_at: dt.datetime | None = timestamp(nullable=True)
    closed_by: int | None = Field(default=None, foreign_key="people.id")
    legal_hold: bool = False  # while set, retention never deletes it
    review_flagged_at: dt.datetime | None = timestamp(nullable=True)  # its period ended
    keep_until: dt.datetime | None = timestamp(nullable=True)  # kept on review: review again


class ReportReader(SQLModel, table=True):
    """A role that reads a report, decided when it was sent (what the reporter was told)."""

    __tablename__ = "report_readers"
    __table_args__ = (UniqueConstraint("report_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    role: str = Field(max_length=32)


class ReportEvent(SQLModel, table=True):
    """One entry in a report's chronology, never changed once written: recorded, who was
    notified, each read, each thread message, action, outcome, correction, withdrawal,
    evidence added, retention review and legal hold (see :mod:`storage.report_events`)."""

    __tablename__ = "report_events"
    __table_args__ = (UniqueConstraint("report_id", "dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    kind: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="people.id")  # None: the system
    person_id: int | None = Field(default=None, foreign_key="people.id")  # who was told
    body_enc: str | None = None  # the text or reason, encrypted
    dedupe_key: str | None = Field(default=None, max_length=100)  # the platform update
    created_at: dt.datetime = timestamp(nullable=False)


class ReportEvidence(SQLModel, table=True):
    """A photo, screenshot or file sent with a report, encrypted. While the report is a
    draft it belongs to the draft's token; sending the report attaches it."""

    __tablename__ = "report_evidence"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id")
    report_id: int | None = Field(default=None, foreign_key="reports.id", index=True)
    draft_token: str | None = Field(default=None, max_length=64, index=True)
    uploaded_by: int = Field(foreign_key="people.id")
    kind: str = Field(max_length=16)  # photo | document | …
    filename: str = Field(max_length=200)
    mime_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)  # of the file as received: its fingerprint
    content_enc: str
    caption_enc: str | None = None
    dedupe_key: str | None = Field(default=None, max_length=100, unique=True)
    created_at: dt.datetime = timestamp(nullable=False)


class AuditEntry(SQLModel, table=True):
    """Who viewed, exported, changed, reviewed or deleted report data, and when. No
    content, except a deletion's reason, encrypted."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_school_at", "school_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id")
    actor_id: int | None = Field(default=None, foreign_key="people.id")  # None: the system
    action: str = Field(max_length=32)
    report_id: int | None = None  # no foreign key: survives the report's deletion
    detail: str = Field(default="", max_length=500)
    reason_enc: str | None = None
    created_at: dt.datetime = timestamp(nullable=False)
