"""Tables for private reporting: reports (friend requests and incidents), the private
thread on each, and the audit log of who looked at or changed what.

Free text (names, descriptions, notes, links, outcomes, thread messages) is stored
encrypted (``*_enc`` columns hold Fernet tokens from :class:`storage.crypto.Cipher`).
The audit log has no foreign key to reports on purpose: when retention purges a
report, the record that it existed, was viewed and was purged stays.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import timestamp


class Report(SQLModel, table=True):
    """One friend request logged or one incident reported, routed to one role."""

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
    handler_role: str = Field(max_length=32)  # the role it was routed to
    reporter_id: int = Field(foreign_key="people.id", index=True)
    contact_type: str | None = Field(default=None, max_length=16)
    platform: str | None = Field(default=None, max_length=16)
    occurred_on: dt.date | None = None
    staff_action: str | None = Field(default=None, max_length=16)
    subject_enc: str | None = None
    details_enc: str | None = None
    links_enc: str | None = None
    status: str = Field(default="open", max_length=16)  # open | read | closed
    outcome_enc: str | None = None
    outcome_by: int | None = Field(default=None, foreign_key="people.id")
    created_at: dt.datetime = timestamp(nullable=False)
    read_at: dt.datetime | None = timestamp(nullable=True)
    closed_at: dt.datetime | None = timestamp(nullable=True)


class ReportMessage(SQLModel, table=True):
    """One entry in the private thread between a reporter and the recipient: a message,
    or an outcome the recipient recorded (every outcome stays, the latest is also on
    the report)."""

    __tablename__ = "report_messages"
    __table_args__ = (UniqueConstraint("report_id", "dedupe_key"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="reports.id", index=True)
    author_id: int = Field(foreign_key="people.id")
    body_enc: str
    kind: str = Field(default="message", max_length=16)  # message | outcome
    dedupe_key: str | None = Field(default=None, max_length=100)  # the platform update
    created_at: dt.datetime = timestamp(nullable=False)


class AuditEntry(SQLModel, table=True):
    """Who viewed, exported, changed or purged report data, and when (no content)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_school_at", "school_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id")
    actor_id: int | None = Field(default=None, foreign_key="people.id")  # None: the system
    action: str = Field(max_length=32)
    report_id: int | None = None  # no foreign key: survives the report's purge
    detail: str = Field(default="", max_length=500)
    created_at: dt.datetime = timestamp(nullable=False)
