"""Database tables for the foundation: the directory (schools, people, chats and
their platform identities), private conversations in progress, and the outbox.

Feature tables live in their own modules (``storage/<feature>_models.py``) and are
imported by :mod:`storage.schema` so Alembic sees one metadata.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class _Stored(Protocol):
    @property
    def id(self) -> int | None: ...


def id_of(row: _Stored) -> int:
    """The id of a row that has been stored (flushed), for code that needs it as an int."""
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has not been stored yet")
    return row.id


def timestamp(*, nullable: bool) -> Any:
    """A timezone-aware timestamp column (stored as UTC); nullable ones default to None."""
    if nullable:
        return Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    return Field(sa_column=Column(UTCDateTime(), nullable=False))


class School(SQLModel, table=True):
    __tablename__ = "schools"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(max_length=64, default="Europe/London")


class Person(SQLModel, table=True):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("school_id", "handle"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", index=True)
    handle: str = Field(max_length=64)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    active: bool = True


class PersonIdentity(SQLModel, table=True):
    """A person's account on a chat platform (a Telegram user id, a Slack member id)."""

    __tablename__ = "person_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", index=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64, index=True)


class Chat(SQLModel, table=True):
    __tablename__ = "chats"
    __table_args__ = (UniqueConstraint("school_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", index=True)
    name: str = Field(max_length=64)
    audience: str = Field(max_length=16)
    active: bool = True


class ChatIdentity(SQLModel, table=True):
    """A chat's id on a platform; one platform chat belongs to exactly one school chat."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(foreign_key="chats.id", index=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)


class Conversation(SQLModel, table=True):
    """A private multi-step flow in progress (one per person), kept here so any
    worker can continue it and a restart loses nothing."""

    __tablename__ = "conversations"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="people.id", unique=True)
    kind: str = Field(max_length=32)
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: dt.datetime = timestamp(nullable=False)


class OutboxMessage(SQLModel, table=True):
    """A message that must arrive. Written in the same transaction as the change that
    causes it; delivered afterwards with retry. ``key`` makes each delivery unique.

    It goes to a configured person (``person_id``, on whichever platform reaches them),
    a configured chat (``chat_id``), or, for a reply to whoever acted, to an address
    on one ``platform`` (the address is inside the encrypted payload)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "available_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    school_id: int | None = Field(default=None, foreign_key="schools.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="people.id")
    chat_id: int | None = Field(default=None, foreign_key="chats.id")
    platform: str | None = Field(default=None, max_length=16)  # a reply, addressed there
    payload: str  # encrypted JSON of the neutral message (see storage.outbox)
    status: str = Field(max_length=16, default="pending")  # pending | sent | failed
    attempts: int = 0
    available_at: dt.datetime = timestamp(nullable=False)
    claimed_until: dt.datetime | None = timestamp(nullable=True)
    claimed_by: str | None = Field(default=None, max_length=64)
    sent_at: dt.datetime | None = timestamp(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: dt.datetime = timestamp(nullable=False)
