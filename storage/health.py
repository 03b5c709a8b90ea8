"""What ``GET /healthz`` asks of the database: that it answers **and** can be written."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database
from storage.health_models import HealthCheck

__all__ = ["prove_writable"]


async def prove_writable(db: Database, *, now: dt.datetime) -> None:
    """Write and commit the health row; raise whatever the database raises if it cannot
    (a read-only or full disk, a file the bot may not write, a read-only replica)."""
    insert = sqlite_insert if db.is_sqlite else pg_insert
    statement = insert(HealthCheck).values(id=1, checked_at=now)
    statement = statement.on_conflict_do_update(index_elements=["id"],
                                                set_={"checked_at": now})
    async with db.session() as session:
        await session.exec(statement)
