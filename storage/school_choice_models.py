"""Which school a person in several schools of one trust is acting for in private."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models import timestamp


class PrivateSchoolChoice(SQLModel, table=True):
    """A platform account's current school in private chats (set by ``/school``, or by
    using a command in one of that school's groups)."""

    __tablename__ = "private_school_choices"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    school_id: int = Field(foreign_key="schools.id")
    updated_at: dt.datetime = timestamp(nullable=False)
