"""unanswered questions (/gaps)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("asked_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("passed_on_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("unanswered_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unanswered_questions_school_id"), ["school_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("unanswered_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unanswered_questions_school_id"))
    op.drop_table("unanswered_questions")
