"""The database: one async engine and a session factory, plus migrations.

SQLite (aiosqlite) is the embedded default; PostgreSQL (psycopg 3) the production
store. Alembic owns the schema: :func:`upgrade` applies every migration, one process at
a time (a PostgreSQL advisory lock; a lock file beside a SQLite database), so several
workers may start, or run ``policybot db upgrade``, at once. A SQLite file is created
readable by its owner only (0600; SQLite gives its ``-wal`` and ``-shm`` files the
same mode). Statements' parameters never appear in an error message or a log.

Transactions: :meth:`Database.session` is one transaction, committed when the block
ends. A session opened while another is open in the same task *joins* it instead
(same transaction, committed by the outer block): so the inbound pipeline can open
one transaction for an update, and everything its handler writes (each handler
opens its own ``session()``) commits together with the update's claim and its
replies, or not at all. On SQLite, which has one writer at a time, transactions of
one process take turns on an in-process lock instead of sleeping on SQLite's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, event, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# PostgreSQL connections per worker: every webhook request in flight holds one while its
# transaction runs, and so does each reply being marked sent; with SQLAlchemy's default
# (5, and 10 more at a peak) 32 concurrent requests queued for a connection.
POOL_SIZE = 20
POOL_OVERFLOW = 10


def async_url(url: str) -> str:
    """Pick the async driver for a plain URL (``postgresql://`` → psycopg, sqlite → aiosqlite)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")


def sync_url(url: str) -> str:
    """The same database through a sync driver, for Alembic."""
    parsed = make_url(async_url(url))
    driver = "sqlite" if parsed.get_backend_name() == "sqlite" else "postgresql+psycopg"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


class Database:
    """An async engine and its session factory. Build one per process; pass it down."""

    def __init__(self, url: str) -> None:
        self.url = async_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"pool_pre_ping": not self.is_sqlite, "hide_parameters": True}
        if not self.is_sqlite:
            kwargs |= {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._open: ContextVar[AsyncSession | None] = ContextVar(f"session-{id(self)}",
                                                                 default=None)
        self._writer = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error; inside
        another session of this task, that one (see the module's docstring)."""
        joined = self._open.get()
        if joined is not None:
            yield joined
            return
        async with self._turn(), self._sessions() as session, session.begin():
            token = self._open.set(session)
            try:
                yield session
            finally:
                self._open.reset(token)

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self._writer is None:
            yield
            return
        async with self._writer:
            yield

    async def ping(self) -> None:
        """Raise if the database does not answer (the health check)."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade` did: the revision before (None: a new database) and after,
    and the migrations applied, in order."""

    before: str | None
    after: str | None
    applied: tuple[str, ...]

    def describe(self) -> str:
        if not self.applied:
            return f"The database was already up to date (revision {self.after})."
        count = f"{len(self.applied)} migration{'s' if len(self.applied) != 1 else ''}"
        if self.before is None:
            return f"Created the database: applied {count}, now at revision {self.after}."
        return (f"Upgraded the database from revision {self.before} to {self.after} "
                f"({count}).")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or an in-memory database)."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def create_sqlite_file(path: Path) -> None:
    """Create an empty database file readable by its owner only (nothing if it exists)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def upgrade(url: str) -> Upgrade:
    """Apply every migration (blocking; call before the event loop or in a thread)."""
    path = sqlite_file(url)
    if path is not None:
        create_sqlite_file(path)
    config = alembic_config(url)
    engine = create_engine(sync_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection, _migration_lock(connection, path):
            before = _revision(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            after = _revision(connection)
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(config)
    applied = [] if before == after else [
        r.revision for r in script.iterate_revisions(after, before)]
    return Upgrade(before, after, tuple(reversed(applied)))


def _revision(connection: Connection) -> str | None:
    """The database's revision, read in a transaction of its own."""
    revision = MigrationContext.configure(connection).get_current_revision()
    connection.commit()
    return revision


@contextlib.contextmanager
def _migration_lock(connection: Connection, sqlite_path: Path | None) -> Iterator[None]:
    """Hold the migration lock: one upgrade at a time per database (per schema)."""
    if sqlite_path is not None:
        with _file_lock(sqlite_path.with_name(sqlite_path.name + ".migrate-lock")):
            yield
        return
    key = "SELECT hashtext('policybot migrations ' || current_schema())"
    connection.execute(text(f"SELECT pg_advisory_lock(({key}))"))
    connection.commit()  # a session lock: it outlives the transaction
    try:
        yield
    finally:
        connection.rollback()
        connection.execute(text(f"SELECT pg_advisory_unlock(({key}))"))
        connection.commit()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: SQLite's own locking must do
        yield
        return
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)
