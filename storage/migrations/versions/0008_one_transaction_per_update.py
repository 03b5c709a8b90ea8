"""one transaction per update: replies in the outbox, addressed on their platform

An update is now recorded in the same transaction as everything it changed, so
claims no longer need a status or a lease. Replies to the person who acted go
through the outbox too, addressed by platform (the address itself is inside the
encrypted payload).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A claim left "handling" by the old scheme was never finished: forget it, so its
    # redelivery is handled.
    op.execute("DELETE FROM processed_updates WHERE status <> 'done'")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_column("lease_until")
        batch_op.drop_column("holder")
        batch_op.drop_column("status")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=True))
        # a reply to someone in a chat no school has configured belongs to no school
        batch_op.alter_column("school_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE platform IS NOT NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("school_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("platform")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16),
                                      nullable=False, server_default="done"))
        batch_op.add_column(sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=32),
                                      nullable=True))
        batch_op.add_column(sa.Column("lease_until", storage.types.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None)
