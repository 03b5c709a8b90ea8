"""Shared fixtures: real databases (SQLite and PostgreSQL), a built app, the console.

Every test that takes ``database_url`` (or ``app``) runs once on SQLite and once on
PostgreSQL; the PostgreSQL run is skipped, with the reason shown, when
TEST_DATABASE_URL is unset (CI sets it).
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.app import App, build_answer_engine, build_app
from bot.config import SchoolsConfig, load_config
from bot.platforms.console import Console, ConsoleState
from bot.settings import Settings, bundled_demo_config
from handlers.context import AnswerSource
from storage.crypto import Cipher
from tests.support import databases

TEST_KEY = Cipher.generate_key()


@pytest.fixture(scope="session")
def demo_config() -> SchoolsConfig:
    return load_config(bundled_demo_config())


@pytest.fixture(scope="session")
def answer_engine(demo_config: SchoolsConfig) -> AnswerSource | None:
    """The answer engine over the demo schools, built once per session."""
    return build_answer_engine(demo_config)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_worker_url(worker_id: str) -> Iterator[str | None]:
    base = databases.postgres_url()
    if base is None:
        yield None
        return
    url = databases.create_postgres_schema(base, worker_id)
    yield url
    databases.drop_postgres_schema(base, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        return databases.fresh_sqlite(template, tmp_path)
    url: str | None = request.getfixturevalue("postgres_worker_url")
    if url is None:
        pytest.skip(databases.PG_SKIP_REASON)
    databases.empty_postgres(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.model_validate({
        "DATABASE_URL": database_url, "POLICYBOT_DATA_DIR": str(tmp_path / "data"),
        "POLICYBOT_CONFIG": str(bundled_demo_config()), "POLICYBOT_ENCRYPTION_KEY": TEST_KEY,
        "POLICYBOT_DEMO": True,  # the demo schools with the fake platforms' tokens
    })


@pytest.fixture
async def app(settings: Settings, answer_engine: AnswerSource | None) -> AsyncIterator[App]:
    application = await build_app(settings, migrate=False, with_answers=False)
    services = dataclasses.replace(application.services, answers=answer_engine)
    application = dataclasses.replace(application, services=services)
    yield application
    await application.close()


class ConsoleDriver:
    """Drive the console platform as a person would, and read what it printed."""

    def __init__(self, app: App, school: str, handle: str, chat: str) -> None:
        self.out = io.StringIO()
        self.err = io.StringIO()
        self.console = Console(app, ConsoleState(school, handle, chat), self.out, self.err)

    async def send(self, *lines: str) -> list[str]:
        """Type each line; return the lines the bot printed in response."""
        start = len(self.out.getvalue())
        for line in lines:
            await self.console.handle_line(line)
        return self.out.getvalue()[start:].splitlines()


@pytest.fixture
def console(app: App) -> ConsoleDriver:
    return ConsoleDriver(app, "croughton", "alice", "staff-room")
