"""A PostgreSQL worker keeps enough connections for the webhook requests it serves at
once (32 concurrent requests used to queue on SQLAlchemy's default pool of 5 + 10)."""

from __future__ import annotations

from sqlalchemy.pool import QueuePool

from storage.db import POOL_OVERFLOW, POOL_SIZE, Database


async def test_a_postgresql_pool_holds_twenty_connections_and_ten_more_at_a_peak() -> None:
    db = Database("postgresql://policybot@127.0.0.1:1/none")  # nothing is connected
    try:
        pool = db.engine.pool
        assert isinstance(pool, QueuePool)
        assert (pool.size(), pool._max_overflow) == (POOL_SIZE, POOL_OVERFLOW) == (20, 10)
    finally:
        await db.dispose()
