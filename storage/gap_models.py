"""Questions the policy did not cover: the Headteacher's ``/gaps`` list."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from storage.models import timestamp


class UnansweredQuestion(SQLModel, table=True):
    __tablename__ = "unanswered_questions"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="people.id")
    audience: str = Field(max_length=16)
    private: bool = False  # asked in a private chat: its text is shown only once passed on
    question: str  # encrypted
    asked_at: dt.datetime = timestamp(nullable=False)
    passed_on_at: dt.datetime | None = timestamp(nullable=True)
    answered_at: dt.datetime | None = timestamp(nullable=True)
