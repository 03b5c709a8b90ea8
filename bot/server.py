"""``policybot serve``: the HTTP server for production (aiohttp).

``GET /healthz`` answers 200 when the database answers and can be written (it commits
a row; 503 otherwise). ``POST /telegram`` takes
Telegram's webhook: a request whose ``X-Telegram-Bot-Api-Secret-Token`` header is
not TELEGRAM_WEBHOOK_SECRET gets 403 and nothing is processed. An update whose
handling failed gets 500, and one another worker is handling right now 503, so
Telegram delivers it again (a duplicate of a handled one gets 200). The outbox
delivery loop and the reminder schedule run beside the server
(:func:`bot.runner.started_platforms`).

SIGINT or SIGTERM (``docker stop``) stops it gracefully: it stops accepting
connections, lets the requests in flight finish (up to :data:`SHUTDOWN_TIMEOUT`
seconds), then stops the delivery loop and the reminder schedule and closes the app.

Connections are limited (:mod:`bot.connections`): one that sends no request within a
few seconds, or idles on keep-alive, is closed, and idle ones make room for new ones.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import typer
from aiohttp import web

from bot.app import App, build_app
from bot.connections import ConnectionGuard, ConnectionLimits, GuardedSite
from bot.platforms.telegram import Outcome, TelegramAdapter
from bot.runner import started_platforms, stop_on_signals
from bot.settings import Settings
from bot.startup import StartupError, platforms_configured, starting_line
from storage.health import prove_writable

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("policybot", App)
TELEGRAM_KEY = web.AppKey("telegram", TelegramAdapter)
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SHUTDOWN_TIMEOUT = 8.0  # seconds for requests in flight to finish (Docker waits 10)
BUSY_RETRY_AFTER = "5"  # seconds: when to deliver an update another worker is handling


async def healthz(request: web.Request) -> web.Response:
    application = request.app[APP_KEY]
    try:
        await prove_writable(application.services.db, now=dt.datetime.now(dt.UTC))
    except Exception as exc:
        log.error("health check: the database cannot be written: %s",
                  str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def _secret_matches(request: web.Request) -> bool:
    expected = request.app[APP_KEY].settings.telegram_webhook_secret
    given = request.headers.get(TELEGRAM_SECRET_HEADER)
    if expected is None or given is None:
        return False
    return hmac.compare_digest(given.encode(), expected.get_secret_value().encode())


async def telegram_webhook(request: web.Request) -> web.Response:
    if not _secret_matches(request):
        log.warning("telegram webhook: refused a request without the right secret token")
        return web.Response(status=403, text="forbidden")
    try:
        data: Any = await request.json()
    except ValueError:
        return web.Response(status=400, text="not JSON")
    if not isinstance(data, dict):
        return web.Response(status=400, text="not a Telegram update")
    try:
        outcome = await request.app[TELEGRAM_KEY].handle_json(data)
    except Exception:
        log.exception("telegram webhook: an update failed; Telegram will deliver it again")
        return web.Response(status=500, text="failed")
    if outcome is Outcome.BUSY:
        return web.Response(status=503, text="busy", headers={"Retry-After": BUSY_RETRY_AFTER})
    return web.Response(text="ok")


def make_web_app(application: App, *, telegram: TelegramAdapter | None = None) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = application
    web_app.router.add_get("/healthz", healthz)
    if telegram is not None:
        web_app[TELEGRAM_KEY] = telegram
        web_app.router.add_post("/telegram", telegram_webhook)
    else:
        web_app.router.add_post("/telegram", _not_configured(
            "Telegram is not configured here: set TELEGRAM_BOT_TOKEN and "
            "TELEGRAM_WEBHOOK_SECRET."))
    web_app.router.add_post("/slack/events", _not_configured(
        "Slack is not supported by this version of PolicyBot yet."))
    return web_app


def _not_configured(reason: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An endpoint of the design that this deployment cannot serve: say so, change nothing."""

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"error": reason}, status=503)

    return refuse


def check_webhook_settings(settings: Settings) -> None:
    """Refuse to start a Telegram webhook that anyone could post to."""
    if settings.telegram_bot_token is not None and settings.telegram_webhook_secret is None:
        typer.echo("TELEGRAM_WEBHOOK_SECRET must be set to take Telegram webhooks (any long "
                   "random string; see the README, section Telegram).", err=True)
        raise typer.Exit(code=2)


async def serve_forever(settings: Settings, *, host: str, port: int,
                        stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (by default: until SIGINT or SIGTERM), then shut down
    gracefully."""
    check_webhook_settings(settings)
    stop = stop if stop is not None else stop_on_signals()
    application = await build_app(settings)
    log.info(starting_line(settings, [s.slug for s in application.services.config.schools],
                           platforms_configured(settings)))
    try:
        async with started_platforms(application) as platforms:
            if platforms.telegram is not None:
                await _register_webhook(platforms.telegram, settings)
            await _listen(make_web_app(application, telegram=platforms.telegram), host, port,
                          stop)
        log.info("PolicyBot stopped")
    finally:
        await application.close()


async def _register_webhook(telegram: TelegramAdapter, settings: Settings) -> None:
    if settings.telegram_webhook_url is None or settings.telegram_webhook_secret is None:
        log.info("TELEGRAM_WEBHOOK_URL is not set: register the webhook yourself "
                 "(see the README, section Telegram)")
        return
    from telegram.error import TelegramError

    try:
        await telegram.set_webhook(settings.telegram_webhook_url,
                                   settings.telegram_webhook_secret.get_secret_value())
    except TelegramError as exc:
        raise StartupError(f"Telegram refused to register the webhook "
                           f"TELEGRAM_WEBHOOK_URL={settings.telegram_webhook_url}: {exc} "
                           "(it must be a public https:// URL that reaches POST /telegram)"
                           ) from None
    log.info("Telegram webhook registered for @%s", telegram.me.username)


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
