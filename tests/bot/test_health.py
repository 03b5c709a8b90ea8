"""``GET /healthz`` proves the database can be written, over real HTTP on loopback: 200
when it writes and commits its row, 503 (and one log line, no traceback) on a database
that only reads, which would fail every update."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.engine import make_url
from sqlmodel import select

from bot.app import App
from bot.server import make_web_app
from storage.db import Database
from storage.health_models import HealthCheck

Client = TestClient[web.Request, web.Application]


def read_only(url: str) -> str:
    """The same database through a connection that may only read."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite+aiosqlite:///file:{parsed.database}?mode=ro&uri=true"
    options = f"{parsed.query.get('options', '')} -cdefault_transaction_read_only=on".strip()
    return parsed.set(query={**parsed.query, "options": options}).render_as_string(
        hide_password=False)


async def serve(app: App) -> Client:
    client: Client = TestClient(TestServer(make_web_app(app), host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def readonly_app(app: App) -> AsyncIterator[App]:
    db = Database(read_only(app.settings.resolved_database_url))
    yield dataclasses.replace(app, services=dataclasses.replace(app.services, db=db))
    await db.dispose()


async def test_health_writes_its_row_when_the_database_can_be_written(app: App) -> None:
    client = await serve(app)
    try:
        for _ in range(2):
            response = await client.get("/healthz")
            assert (response.status, await response.json()) == (200, {"status": "ok"})
    finally:
        await client.close()
    async with app.services.db.session() as session:
        [row] = await session.exec(select(HealthCheck))
    assert row.id == 1


async def test_health_is_503_when_the_database_only_reads(
    readonly_app: App, caplog: pytest.LogCaptureFixture,
) -> None:
    client = await serve(readonly_app)
    try:
        with caplog.at_level(logging.ERROR, logger="bot.server"):
            response = await client.get("/healthz")
        assert (response.status, await response.json()) == (503, {"status": "unavailable"})
    finally:
        await client.close()
    [record] = [r for r in caplog.records if r.name == "bot.server"]
    assert record.getMessage().startswith("health check: the database cannot be written: ")
    assert record.exc_info is None
    assert "\n" not in record.getMessage()
