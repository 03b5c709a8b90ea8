"""Alembic environment: the URL comes from the caller (storage.db.alembic_config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from storage.schema import load_metadata

config = context.config
target_metadata = load_metadata()


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "storage.db.alembic_config sets the URL"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
