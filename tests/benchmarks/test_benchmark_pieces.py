"""The scale and faults benchmarks' pieces in tiny configurations, so they cannot rot:
the TCP proxy cutting and restoring a real connection, Telegram's redelivery to the
other worker, the faults configs, and a whole scale run of a few dozen staff."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import psycopg
import pytest
from aiohttp import web
from psycopg.conninfo import make_conninfo
from sqlalchemy.engine import make_url

from benchmarks import faults, scale
from benchmarks.tcp_proxy import TcpProxy
from bot.config import load_config
from tests.support import databases


async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_the_proxy_carries_cuts_refuses_and_restores() -> None:
    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    proxy = TcpProxy("127.0.0.1", server.sockets[0].getsockname()[1])
    await proxy.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"ping")
        assert await reader.read(4) == b"ping"
        assert await proxy.cut() == 1
        assert await asyncio.wait_for(reader.read(4), 5) == b""  # closed under it
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", proxy.port)
        await proxy.restore()
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
        writer.write(b"back")
        assert await reader.read(4) == b"back"
        writer.close()
    finally:
        await proxy.close()
        server.close()


@pytest.mark.postgres
async def test_the_proxy_cuts_a_real_postgresql_connection_and_restores() -> None:
    base = databases.postgres_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    server = make_url(base)
    proxy = TcpProxy(server.host or "127.0.0.1", server.port or 5432)
    await proxy.start()
    through = make_conninfo(server.set(drivername="postgresql").render_as_string(
        hide_password=False), host="127.0.0.1", port=str(proxy.port), connect_timeout="5")
    try:
        connection = await psycopg.AsyncConnection.connect(through)
        assert await (await connection.execute("SELECT 1")).fetchone() == (1,)
        await proxy.cut()
        with pytest.raises(psycopg.OperationalError):
            await connection.execute("SELECT 1")
        with pytest.raises(psycopg.OperationalError):
            await psycopg.AsyncConnection.connect(through)
        await proxy.restore()
        again = await psycopg.AsyncConnection.connect(through)
        assert await (await again.execute("SELECT 2")).fetchone() == (2,)
        await again.close()
    finally:
        await proxy.close()


@pytest.fixture
async def two_webhooks() -> AsyncIterator[list[faults.Worker]]:
    """Two stand-in workers: the first answers every update 500, the second 200."""
    runners = []
    workers = []
    for status in (500, 200):
        app = web.Application()

        async def answer(request: web.Request, status: int = status) -> web.Response:
            return web.Response(status=status)
        app.router.add_post("/telegram", answer)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        worker = faults.Worker(f"w{status}", {}, Path("/dev/null"))
        worker.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        runners.append(runner)
        workers.append(worker)
    yield workers
    for runner in runners:
        await runner.cleanup()


async def test_an_update_answered_500_is_posted_again_to_the_other_worker(
        two_webhooks: list[faults.Worker]) -> None:
    async with aiohttp.ClientSession() as http:
        telegram = faults.Telegram(http, two_webhooks)
        await telegram.deliver({"update_id": 7})
    assert telegram.answers == {500: 1, 200: 1}
    assert (telegram.failed_500, telegram.answered) == ({"7"}, 1)


def test_each_faults_scenario_has_a_valid_config(tmp_path: Path) -> None:
    for n, scenario in enumerate(faults.scenarios(quick=True)):
        directory = tmp_path / str(n)
        directory.mkdir()
        [school] = load_config(faults.config_for(scenario, directory)).schools
        assert len(school.people) == 2 + scenario.reporters + scenario.fan_out


def test_a_tiny_scale_run_delivers_each_nudge_once(tmp_path: Path) -> None:
    runs = scale.benchmark((12, 24), None, schools=3)
    assert [(r.staff, r.queued, r.duplicates, r.lost) for r in runs] == [
        (12, 12, 0, 0), (24, 24, 0, 0)]
    assert len(runs[-1].tranches) == 1
    assert "| 24 |" in scale.table(runs, "SQLite")
