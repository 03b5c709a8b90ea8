"""reports that stand as a safeguarding record: readers, chronology, evidence, retention

A report's readers are now roles stored with it (``report_readers``), decided when it
was sent; its thread becomes part of an append-only chronology (``report_events``:
recorded, notified, read, messages, actions, outcomes, corrections, withdrawal,
reviews, holds); evidence files are kept encrypted (``report_evidence``); reports get
the time of day something happened, the name of an "other" platform, who closed
them, a legal hold and their retention review state; a deletion's reason is kept
(encrypted) in the audit log.

Existing reports keep working: each gets the readers its old route meant (the
Headteacher; the DSL and deputy DSLs; the Chair of Governors), a "recorded" entry,
a "notified" entry for each notification queued, a "read" entry when it had been
read, and its thread messages and outcomes, in order.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_READERS = {"headteacher": ["headteacher"], "dsl": ["dsl", "deputy_dsl"],
               "chair_of_governors": ["chair_of_governors"]}

reports = sa.table(
    "reports", sa.column("id", sa.Integer), sa.column("reporter_id", sa.Integer),
    sa.column("handler_role", sa.String), sa.column("created_at", storage.types.UTCDateTime()),
    sa.column("read_at", storage.types.UTCDateTime()), sa.column("status", sa.String),
    sa.column("outcome_by", sa.Integer), sa.column("outcome_enc", sa.String),
    sa.column("closed_by", sa.Integer))
readers = sa.table("report_readers", sa.column("report_id", sa.Integer),
                   sa.column("role", sa.String))
events = sa.table(
    "report_events", sa.column("report_id", sa.Integer), sa.column("kind", sa.String),
    sa.column("actor_id", sa.Integer), sa.column("person_id", sa.Integer),
    sa.column("body_enc", sa.String), sa.column("dedupe_key", sa.String),
    sa.column("created_at", storage.types.UTCDateTime()))
messages = sa.table(
    "report_messages", sa.column("report_id", sa.Integer), sa.column("author_id", sa.Integer),
    sa.column("body_enc", sa.String), sa.column("kind", sa.String),
    sa.column("dedupe_key", sa.String), sa.column("created_at", storage.types.UTCDateTime()))
outbox = sa.table("outbox", sa.column("key", sa.String),
                  sa.column("created_at", storage.types.UTCDateTime()))


def upgrade() -> None:
    _create_tables()
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform_other_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("occurred_time", sa.Time(), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("legal_hold", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("review_flagged_at", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("keep_until", storage.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key("fk_reports_closed_by_people", "people", ["closed_by"], ["id"])
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    _carry_over(op.get_bind())
    op.drop_index("ix_report_messages_report_id", table_name="report_messages")
    op.drop_table("report_messages")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.alter_column("legal_hold", server_default=None)
        batch_op.drop_column("outcome_by")
        batch_op.drop_column("outcome_enc")
        batch_op.drop_column("handler_role")


def _create_tables() -> None:
    op.create_table(
        "report_readers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "role"))
    op.create_index(op.f("ix_report_readers_report_id"), "report_readers", ["report_id"])
    op.create_table(
        "report_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("body_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "dedupe_key"))
    op.create_index(op.f("ix_report_events_report_id"), "report_events", ["report_id"])
    op.create_table(
        "report_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("draft_token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("mime_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("caption_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.ForeignKeyConstraint(["school_id"], ["schools.id"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["people.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"))
    op.create_index(op.f("ix_report_evidence_report_id"), "report_evidence", ["report_id"])
    op.create_index(op.f("ix_report_evidence_draft_token"), "report_evidence", ["draft_token"])


def _carry_over(bind: sa.Connection) -> None:
    """Readers, and a chronology, for every report already stored."""
    notified: dict[int, list[tuple[int, object]]] = {}
    for key, at in bind.execute(sa.select(outbox.c.key, outbox.c.created_at)
                                .where(outbox.c.key.like("report:%:notify:%"))):
        parts = key.split(":")
        if len(parts) == 4 and parts[1].isdigit() and parts[3].isdigit():
            notified.setdefault(int(parts[1]), []).append((int(parts[3]), at))
    thread = {}
    for row in bind.execute(sa.select(messages).order_by(messages.c.created_at)):
        thread.setdefault(row.report_id, []).append(row)
    for report in bind.execute(sa.select(reports).order_by(reports.c.id)):
        for role in OLD_READERS.get(report.handler_role, [report.handler_role]):
            bind.execute(readers.insert().values(report_id=report.id, role=role))
        rows = [{"kind": "recorded", "actor_id": report.reporter_id,
                 "created_at": report.created_at}]
        rows += [{"kind": "notified", "person_id": person, "created_at": at}
                 for person, at in notified.get(report.id, [])]
        if report.read_at is not None:
            rows.append({"kind": "read", "created_at": report.read_at})
        rows += [{"kind": m.kind, "actor_id": m.author_id, "body_enc": m.body_enc,
                  "dedupe_key": m.dedupe_key, "created_at": m.created_at}
                 for m in thread.get(report.id, [])]
        rows.sort(key=lambda r: r["created_at"])
        for row in rows:
            bind.execute(events.insert().values(
                report_id=report.id, kind=row["kind"], actor_id=row.get("actor_id"),
                person_id=row.get("person_id"), body_enc=row.get("body_enc"),
                dedupe_key=row.get("dedupe_key"), created_at=row["created_at"]))
        if report.status == "closed":
            bind.execute(reports.update().where(reports.c.id == report.id)
                         .values(closed_by=report.outcome_by))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handler_role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("outcome_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column("outcome_by", sa.Integer(), nullable=True))
    op.create_table(
        "report_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body_enc", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["people.id"]),
        sa.ForeignKeyConstraint(["report_id"], ["reports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id", "dedupe_key"))
    op.create_index("ix_report_messages_report_id", "report_messages", ["report_id"])
    _carry_back(op.get_bind())
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.alter_column("handler_role", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch_op.create_foreign_key("fk_reports_outcome_by_people", "people", ["outcome_by"], ["id"])
        batch_op.drop_constraint("fk_reports_closed_by_people", type_="foreignkey")
        batch_op.drop_column("keep_until")
        batch_op.drop_column("review_flagged_at")
        batch_op.drop_column("legal_hold")
        batch_op.drop_column("closed_by")
        batch_op.drop_column("occurred_time")
        batch_op.drop_column("platform_other_enc")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("reason_enc")
    op.drop_index(op.f("ix_report_evidence_draft_token"), table_name="report_evidence")
    op.drop_index(op.f("ix_report_evidence_report_id"), table_name="report_evidence")
    op.drop_table("report_evidence")
    op.drop_index(op.f("ix_report_events_report_id"), table_name="report_events")
    op.drop_table("report_events")
    op.drop_index(op.f("ix_report_readers_report_id"), table_name="report_readers")
    op.drop_table("report_readers")


def _carry_back(bind: sa.Connection) -> None:
    """The old one-role route, thread and latest outcome, from readers and chronology."""
    roles: dict[int, set[str]] = {}
    for report_id, role in bind.execute(sa.select(readers.c.report_id, readers.c.role)):
        roles.setdefault(report_id, set()).add(role)
    for report_id, found in roles.items():
        route = next((r for r in ("chair_of_governors", "dsl", "headteacher") if r in found),
                     "headteacher")
        bind.execute(reports.update().where(reports.c.id == report_id)
                     .values(handler_role=route))
    bind.execute(reports.update().where(reports.c.handler_role.is_(None))
                 .values(handler_role="headteacher"))
    bind.execute(reports.update().where(reports.c.status == "withdrawn").values(status="closed"))
    kept = sa.select(events).where(events.c.kind.in_(["message", "outcome"]),
                                   events.c.actor_id.is_not(None), events.c.body_enc.is_not(None))
    for row in bind.execute(kept.order_by(events.c.created_at)):
        bind.execute(messages.insert().values(
            report_id=row.report_id, author_id=row.actor_id, body_enc=row.body_enc,
            kind=row.kind, dedupe_key=row.dedupe_key, created_at=row.created_at))
        if row.kind == "outcome":
            bind.execute(reports.update().where(reports.c.id == row.report_id)
                         .values(outcome_enc=row.body_enc, outcome_by=row.actor_id))
