"""``policybot serve``: the HTTP server for production (aiohttp).

``GET /healthz`` answers 200 when the database answers and can be written (it commits
a row; 503 otherwise). Every registered platform
mounts its endpoints (``POST /telegram``, ``POST /slack/events``); a platform whose
tokens are not set answers 503 there, with the reason. The outbox delivery loop and
the reminder schedule run beside the server (:func:`bot.runner.started_platforms`).

SIGINT or SIGTERM (``docker stop``) stops it gracefully: it stops accepting
connections, lets the requests in flight finish (up to :data:`SHUTDOWN_TIMEOUT`
seconds), then sends the replies still in hand, stops the delivery loop and the
reminder schedule and closes the app.

Connections are limited (:mod:`bot.connections`): one that sends no request within a
few seconds, or idles on keep-alive, is closed, and idle ones make room for new ones.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence

import typer
from aiohttp import web

from bot.app import App, build_app
from bot.connections import ConnectionGuard, ConnectionLimits, GuardedSite
from bot.metrics import CONTENT_TYPE
from bot.platforms import registry
from bot.platforms.base import PlatformSetupError, RunningPlatform, WebHandler
from bot.runner import started_platforms, stop_on_signals
from bot.settings import Settings
from bot.startup import platforms_configured, starting_line
from storage import outbox
from storage.health import prove_writable

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("policybot", App)
SHUTDOWN_TIMEOUT = 8.0  # seconds for requests in flight to finish (Docker waits 10)
MAX_BODY = 1024 * 1024


async def metrics(request: web.Request) -> web.Response:
    """``GET /metrics``: Prometheus text format; the outbox backlog is read now."""
    application = request.app[APP_KEY]
    try:
        async with application.services.db.session() as session:
            pending, oldest = await outbox.backlog(session=session,
                                                   now=application.services.now())
        application.metrics.pending.set(pending)
        application.metrics.oldest.set(oldest)
    except Exception:
        application.metrics.errors.labels("metrics").inc()
        log.warning("metrics: the outbox backlog could not be read")
    return web.Response(body=application.metrics.render(),
                        headers={"Content-Type": CONTENT_TYPE})


def _timed(application: App, platform: str, handler: WebHandler) -> WebHandler:
    async def timed(request: web.Request) -> web.StreamResponse:
        with application.metrics.timed(application.metrics.webhook_seconds, platform):
            return await handler(request)
    return timed


async def healthz(request: web.Request) -> web.Response:
    application = request.app[APP_KEY]
    try:
        await prove_writable(application.services.db, now=dt.datetime.now(dt.UTC))
    except Exception as exc:
        log.error("health check: the database cannot be written: %s",
                  str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def make_web_app(application: App,
                 platforms: Sequence[RunningPlatform] = ()) -> web.Application:
    """The web app: health, and each registered platform's endpoints (or a 503 saying
    it isn't configured here)."""
    web_app = web.Application(client_max_size=MAX_BODY)
    web_app[APP_KEY] = application
    web_app.router.add_get("/healthz", healthz)
    web_app.router.add_get("/metrics", metrics)
    running = {p.name: p for p in platforms}
    for plugin in registry.plugins():
        started = running.get(plugin.name)
        if started is None:
            for path in plugin.web_paths:
                web_app.router.add_post(path, _not_configured(plugin.unconfigured))
            continue
        for route in started.routes():
            web_app.router.add_route(route.method, route.path,
                                     _timed(application, plugin.name, route.handler))
    return web_app


def _not_configured(reason: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An endpoint of the design that this deployment cannot serve: say so, change nothing."""

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"error": reason}, status=503)

    return refuse


async def serve_forever(settings: Settings, *, host: str, port: int,
                        stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (by default: until SIGINT or SIGTERM), then shut down
    gracefully."""
    stop = stop if stop is not None else stop_on_signals()
    application = await build_app(settings)
    log.info(starting_line(settings, [s.slug for s in application.services.config.schools],
                           platforms_configured(settings)))
    try:
        async with started_platforms(application, serving=True) as platforms:
            try:
                for platform in platforms.running:
                    await platform.serving()
            except PlatformSetupError as exc:
                typer.echo(str(exc), err=True)
                raise typer.Exit(code=2) from None
            await _listen(make_web_app(application, platforms.running), host, port, stop)
        log.info("PolicyBot stopped")
    finally:
        await application.close()


async def _listen(web_app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
    guard = ConnectionGuard(ConnectionLimits.for_this_process())
    runner = web.AppRunner(guard.protect(web_app), access_log=None,
                           shutdown_timeout=SHUTDOWN_TIMEOUT,
                           keepalive_timeout=guard.limits.keepalive)
    await runner.setup()
    try:
        site = GuardedSite(runner, host, port, guard)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        log.info("PolicyBot listening on http://%s:%s", bound_host, bound_port)
        await stop.wait()
        for running in list(runner.sites):
            await running.stop()
        log.info("stopping: no new connections; finishing requests in flight (up to %.0fs)",
                 SHUTDOWN_TIMEOUT)
    finally:
        await runner.cleanup()  # waits for the requests in flight, then closes
