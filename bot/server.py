"""``policybot serve``: the HTTP server for production (aiohttp).

``GET /healthz`` answers 200 when the database answers; platform endpoints are
mounted by their adapters (``POST /telegram``, ``POST /slack/events``).
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text

from bot.app import App, build_app
from bot.settings import Settings

log = logging.getLogger(__name__)
APP_KEY = web.AppKey("policybot", App)


async def healthz(request: web.Request) -> web.Response:
    application = request.app[APP_KEY]
    try:
        async with application.services.db.session() as session:
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception:
        log.exception("health check: database unavailable")
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


def make_web_app(application: App) -> web.Application:
    web_app = web.Application(client_max_size=1024 * 1024)
    web_app[APP_KEY] = application
    web_app.router.add_get("/healthz", healthz)
    return web_app


async def serve_forever(settings: Settings, *, host: str, port: int) -> None:
    application = await build_app(settings)
    runner = web.AppRunner(make_web_app(application), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    log.info("PolicyBot listening on http://%s:%s", host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
        await application.close()
