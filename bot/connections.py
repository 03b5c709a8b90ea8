"""Limits on the HTTP server's connections, so clients that connect and say nothing (or
say it slowly) cannot use up the process's file descriptors and starve ``/healthz``, the
webhooks, and the bot's own connections to its database and the platforms.

- A connection must deliver a request's headers within ``first_request`` seconds of
  being accepted, and its body within ``body`` seconds of the headers (else 408).
- An idle keep-alive connection is closed after ``keepalive`` seconds.
- At most ``max_connections`` are open at once: by default the process's
  file-descriptor limit less a reserve (:meth:`ConnectionLimits.for_this_process`). A
  connection beyond that closes the one idle the longest, so a new client (the health
  check, the platform) is always served, and ``accept()`` never runs out of
  descriptors. asyncio accepts as many connections in one go as the listen backlog
  before any of them reaches the guard, so the backlog is kept small
  (:data:`ACCEPT_BATCH`) and the reserve covers it.

:class:`ConnectionGuard` does this with aiohttp's public pieces: a site whose protocol
factory counts connections, and a middleware that knows which are mid-request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestHandler

__all__ = ["ConnectionGuard", "ConnectionLimits", "GuardedSite"]

log = logging.getLogger(__name__)
FIRST_REQUEST_TIMEOUT = 5.0  # seconds from accept to a request's headers
BODY_TIMEOUT = 10.0  # seconds from the headers to the whole body (at most 1 MiB)
KEEPALIVE_TIMEOUT = 30.0  # seconds an idle keep-alive connection stays open
RESERVED_DESCRIPTORS = 256  # kept for the database, the platform APIs, files, logs, and
# the connections accepted in one go before the guard can shed others (2 x ACCEPT_BATCH)
ACCEPT_BATCH = 64  # the listen backlog, which is also what asyncio accepts in one go
WARN_EVERY = 60.0  # seconds between warnings that connections are being shed
ACCEPT_GRACE = 1.0  # seconds an accepted connection may take to be set up
DEFAULT_DESCRIPTORS = 1024  # where the limit cannot be read


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int
    first_request: float = FIRST_REQUEST_TIMEOUT
    body: float = BODY_TIMEOUT
    keepalive: float = KEEPALIVE_TIMEOUT

    @classmethod
    def for_this_process(cls) -> ConnectionLimits:
        """``max_connections`` from the file-descriptor limit (``ulimit -n``)."""
        try:
            import resource
        except ImportError:  # pragma: no cover - Windows
            limit = DEFAULT_DESCRIPTORS
        else:
            soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
            limit = soft if soft != resource.RLIM_INFINITY else 65536
        reserve = max(RESERVED_DESCRIPTORS, limit // 4)
        return cls(max_connections=max(16, limit - reserve))


class ConnectionGuard:
    """Counts the server's connections and sheds the idle ones (see the module)."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self.shed = 0  # connections closed to make room
        self.expired = 0  # connections closed for sending no request in time
        self._open: dict[RequestHandler, float] = {}  # -> last activity (loop time)
        self._busy: dict[RequestHandler, int] = {}  # -> requests in progress
        self._requested: set[RequestHandler] = set()
        self._warned_at = -WARN_EVERY

    def protect(self, web_app: web.Application) -> web.Application:
        """Add the middleware (before the app starts) and return the app."""
        web_app.middlewares.insert(0, self._middleware)
        return web_app

    def factory(self, server: web.Server) -> Callable[[], RequestHandler]:
        """The protocol factory for ``server``'s listening socket."""
        loop = asyncio.get_running_loop()

        def accept() -> RequestHandler:
            self._forget_closed(server)
            if len(self._open) >= self.limits.max_connections:
                self._shed_one()
            handler = server()
            self._open[handler] = loop.time()
            loop.call_later(self.limits.first_request, self._expire, handler)
            return handler

        return accept

    @property
    def open_connections(self) -> int:
        return len(self._open)

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        protocol = request.protocol
        self._requested.add(protocol)
        self._busy[protocol] = self._busy.get(protocol, 0) + 1
        try:
            try:
                await asyncio.wait_for(request.read(), self.limits.body)  # kept for handler
            except TimeoutError:
                return web.Response(status=408, text="request body too slow",
                                    headers={"Connection": "close"})
            return await handler(request)
        finally:
            self._busy[protocol] -= 1
            if protocol in self._open:
                self._open[protocol] = asyncio.get_running_loop().time()

    def _expire(self, handler: RequestHandler) -> None:
        if handler in self._open and handler not in self._requested:
            self.expired += 1
            handler.force_close()
            self._drop(handler)

    def _shed_one(self) -> None:
        idle = [(at, id(h), h) for h, at in self._open.items() if not self._busy.get(h)]
        if not idle:
            return  # every connection is mid-request: let the reserve take this one
        _, _, victim = min(idle)
        self.shed += 1
        victim.force_close()
        self._drop(victim)
        now = time.monotonic()
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("%d connections open (the most this process allows): closing the "
                        "longest idle ones (%d so far)", self.limits.max_connections,
                        self.shed)

    def _forget_closed(self, server: web.Server) -> None:
        """Forget connections that have closed. ``server.connections`` lists those whose
        ``connection_made`` has run and whose ``connection_lost`` has not; one accepted a
        moment ago may not be there yet."""
        live = set(server.connections)
        now = asyncio.get_running_loop().time()
        for handler, at in list(self._open.items()):
            if handler not in live and (handler in self._requested or now - at > ACCEPT_GRACE):
                self._drop(handler)

    def _drop(self, handler: RequestHandler) -> None:
        self._open.pop(handler, None)
        self._busy.pop(handler, None)
        self._requested.discard(handler)


class GuardedSite(web.BaseSite):
    """A TCP site whose connections go through a :class:`ConnectionGuard`."""

    __slots__ = ("_guard", "_host", "_port")

    def __init__(self, runner: web.BaseRunner, host: str, port: int,
                 guard: ConnectionGuard, *, backlog: int = ACCEPT_BATCH) -> None:
        super().__init__(runner, backlog=backlog)
        self._guard = guard
        self._host = host
        self._port = port

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert isinstance(server, web.Server)
        self._server = await asyncio.get_running_loop().create_server(
            self._guard.factory(server), self._host, self._port, backlog=self._backlog,
            reuse_address=True)
