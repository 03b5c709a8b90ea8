"""The load benchmark's yardstick: a bare python-telegram-bot v22 echo bot on a webhook.

An aiohttp route (``POST /telegram``: the secret header checked, then
``Update.de_json`` and ``application.process_update``) and one ``MessageHandler``
that sends the text back to the chat (in a forum group, to the topic it came from).
No rate limiter (flood control off), no database. The webhook answers once the
handler has sent the reply. ``GET /healthz`` answers ``ok``.

    python -m benchmarks.echo_bot --port N --api-url http://127.0.0.1:M/bot
"""

from __future__ import annotations

import argparse
import hmac
import os

from aiohttp import web
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
APPLICATION = web.AppKey("application", Application)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    thread = message.message_thread_id if message.is_topic_message else None
    await context.bot.send_message(chat_id=message.chat_id, text=message.text,
                                   message_thread_id=thread)


def build(token: str, api_url: str) -> Application:  # type: ignore[type-arg]
    application = (Application.builder().token(token).base_url(api_url).updater(None)
                   .build())
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


def make_web_app(application: Application, secret: str) -> web.Application:  # type: ignore[type-arg]
    expected = secret.encode()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            return web.Response(status=403, text="forbidden")
        update = Update.de_json(await request.json(), application.bot)
        await application.process_update(update)
        return web.Response(text="ok")

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def started(app: web.Application) -> None:
        await application.initialize()
        await application.start()

    async def stopped(app: web.Application) -> None:
        await application.stop()
        await application.shutdown()

    web_app = web.Application()
    web_app[APPLICATION] = application
    web_app.router.add_post("/telegram", webhook)
    web_app.router.add_get("/healthz", healthz)
    web_app.on_startup.append(started)
    web_app.on_cleanup.append(stopped)
    return web_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-url", required=True)
    args = parser.parse_args()
    application = build(os.environ["TELEGRAM_BOT_TOKEN"], args.api_url)
    web.run_app(make_web_app(application, os.environ["TELEGRAM_WEBHOOK_SECRET"]),
                host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
