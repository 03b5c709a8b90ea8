"""Alembic environment: the caller (storage.db.upgrade) passes the connection, which holds
the migration lock, in ``config.attributes["connection"]``; without one (Alembic's own
command line) the URL comes from storage.db.alembic_config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from storage.schema import load_metadata

config = context.config
target_metadata = load_metadata()


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    given = config.attributes.get("connection")
    if isinstance(given, Connection):
        run_migrations(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "storage.db.alembic_config sets the URL"
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        run_migrations(connection)
        connection.commit()
    engine.dispose()


run()
