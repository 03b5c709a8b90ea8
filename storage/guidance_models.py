"""School guidance: the Headteacher's answers to questions the policy did not cover,
kept to answer the same question next time (never presented as the policy)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from storage.models import timestamp


class SchoolGuidance(SQLModel, table=True):
    __tablename__ = "school_guidance"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="schools.id", index=True)
    gap_id: int | None = Field(default=None, foreign_key="unanswered_questions.id")
    author_id: int | None = Field(default=None, foreign_key="people.id")
    audience: str = Field(max_length=16)  # who asked: the guidance answers that audience
    question: str  # encrypted
    answer: str  # encrypted
    answered_at: dt.datetime = timestamp(nullable=False)
    kept_at: dt.datetime | None = timestamp(nullable=True)  # None: offered, not (yet) kept
