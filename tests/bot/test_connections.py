"""The server's connection limits, over real sockets on loopback with short timeouts: a
connection that sends nothing is closed, so is an idle keep-alive one and one whose body
never comes, and past the most connections allowed a newcomer is served by closing the
one idle the longest. (benchmarks/connection_probe.py shows the same with 1,100 idle
connections against ``policybot serve`` under a 1024-descriptor limit.)"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web

from bot.connections import ConnectionGuard, ConnectionLimits, GuardedSite

LIMITS = ConnectionLimits(max_connections=4, first_request=0.3, body=0.3, keepalive=0.5)
WITHIN = 5.0  # seconds: far longer than any limit above; a failure, not a wait
GET = b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n"


@dataclass
class Served:
    guard: ConnectionGuard
    port: int

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
def limits() -> ConnectionLimits:
    return LIMITS


@pytest.fixture
async def served(limits: ConnectionLimits) -> AsyncIterator[Served]:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    web_app = web.Application()
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_post("/echo", echo)
    guard = ConnectionGuard(limits)
    runner = web.AppRunner(guard.protect(web_app), keepalive_timeout=limits.keepalive)
    await runner.setup()
    site = GuardedSite(runner, "127.0.0.1", 0, guard)
    await site.start()
    yield Served(guard, runner.addresses[0][1])
    await runner.cleanup()


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection."""
    return await asyncio.wait_for(reader.read(), WITHIN)


async def response(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WITHIN)
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length")))
    return head + await asyncio.wait_for(reader.readexactly(length), WITHIN)


async def test_a_connection_that_sends_nothing_is_closed(served: Served) -> None:
    reader, writer = await served.connect()
    started = time.monotonic()
    assert await closed_by_server(reader) == b""
    assert time.monotonic() - started >= LIMITS.first_request * 0.9
    assert served.guard.expired == 1
    writer.close()


async def test_half_a_request_is_closed_too(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: te")  # and the rest never comes
    assert await closed_by_server(reader) == b""
    writer.close()


async def test_an_idle_keep_alive_connection_is_closed_after_a_request(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(GET)
    assert b'{"status": "ok"}' in await response(reader)
    started = time.monotonic()
    assert await closed_by_server(reader) == b""
    assert time.monotonic() - started >= LIMITS.keepalive * 0.9
    assert served.guard.expired == 0  # it had sent a request: closed as idle keep-alive
    writer.close()


async def test_a_body_that_never_comes_gets_408(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\nabc")
    assert (await response(reader)).startswith(b"HTTP/1.1 408")
    writer.close()


@pytest.mark.parametrize("limits", [ConnectionLimits(max_connections=4, first_request=WITHIN)])
async def test_past_the_limit_a_newcomer_closes_the_longest_idle(served: Served) -> None:
    idle = [await served.connect() for _ in range(LIMITS.max_connections)]
    busy_reader, busy_writer = idle[0]
    busy_writer.write(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nhello")
    assert (await response(busy_reader)).endswith(b"hello")  # the first is now the newest
    reader, writer = await served.connect()  # one more than allowed
    writer.write(GET)
    assert b'{"status": "ok"}' in await response(reader)
    assert await closed_by_server(idle[1][0]) == b""  # the longest idle made room
    assert served.guard.shed >= 1
    for _, other in [*idle, (reader, writer)]:
        other.close()


def test_the_default_limit_leaves_a_reserve_of_descriptors() -> None:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limits = ConnectionLimits.for_this_process()
    assert 16 <= limits.max_connections <= soft - 256
    assert (limits.first_request, limits.keepalive) == (5.0, 30.0)
