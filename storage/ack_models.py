"""Tables for policy acknowledgements: policy versions, who was asked, who confirmed.

Reminders themselves are outbox rows (``storage.outbox``) with unique keys, so the
outbox is the record of what was sent; these tables hold the state they depend on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import timestamp


class PolicyVersion(SQLModel, table=True):
    """One published version of a school's policy: its content (hash) and approval date.

    ``number`` counts a school's versions from 1; a new number is a new version that
    everyone is asked to acknowledge again."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("school_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", index=True)
    number: int
    content_hash: str = Field(max_length=64)
    title: str = Field(max_length=300)
    approved: dt.date | None = None
    next_review: dt.date | None = None  # as the document states it; the config may override
    published_at: dt.datetime = timestamp(nullable=False)
    #: section title → digest of its text, in the document's order (None: published
    #: before sections were recorded)
    sections: dict[str, str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    approved_label: str | None = Field(default=None, max_length=40)  # as stated: "January 2024"


class AckRequest(SQLModel, table=True):
    """A person was asked to acknowledge a version (their nudges count from ``asked_at``)."""

    __tablename__ = "ack_requests"
    __table_args__ = (UniqueConstraint("version_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="policy_versions.id", index=True)
    person_id: int = Field(foreign_key="people.id")
    asked_at: dt.datetime = timestamp(nullable=False)


class Acknowledgement(SQLModel, table=True):
    """A person confirmed they have read a version."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("version_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="policy_versions.id", index=True)
    person_id: int = Field(foreign_key="people.id")
    acknowledged_at: dt.datetime = timestamp(nullable=False)
    via: str = Field(max_length=16)  # "command" | "button"
