"""A fast fake Telegram Bot API for the load benchmark: it answers every call ``ok`` at
once and counts ``sendMessage`` calls by where they went (the chat, and in a forum
group the topic: ``"<chat>"`` or ``"<chat>:<thread>"``). Unlike
:mod:`tests.support.fake_telegram` it records nothing else, so it costs little.

``GET /total`` is how many messages arrived since the last ``POST /take``, which
returns them by destination and starts counting afresh. Run it in a process of its
own (``python -m benchmarks.fast_bot_api --port N``) so its work is not the servers'.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from typing import Any

from aiohttp import web

BOT_ID = 123456
BOT_USERNAME = "PolicyLoadBot"
COUNTS = web.AppKey("counts", Counter[str])
ME: dict[str, Any] = {"id": BOT_ID, "is_bot": True, "first_name": "PolicyBot",
                      "username": BOT_USERNAME, "can_join_groups": True,
                      "can_read_all_group_messages": False, "supports_inline_queries": False}
_OK_TRUE = json.dumps({"ok": True, "result": True})


def destination(chat_id: str, thread_id: str | None) -> str:
    """How a message's destination is counted: the chat, and its topic if it has one."""
    return chat_id if not thread_id else f"{chat_id}:{thread_id}"


async def endpoint(request: web.Request) -> web.Response:
    method = request.match_info["method"]
    if method == "sendMessage":
        params = await request.post()
        chat = str(params.get("chat_id", ""))
        thread = params.get("message_thread_id")
        counts = request.app[COUNTS]
        counts[destination(chat, str(thread) if thread else None)] += 1
        counts[""] += 1  # the total
        chat_id = int(chat) if chat.lstrip("-").isdigit() else 0
        message = {"message_id": counts[""], "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                   "text": str(params.get("text", ""))}
        return web.json_response({"ok": True, "result": message})
    if method == "getMe":
        return web.json_response({"ok": True, "result": ME})
    return web.Response(text=_OK_TRUE, content_type="application/json")


async def total(request: web.Request) -> web.Response:
    return web.Response(text=str(request.app[COUNTS][""]))


async def take(request: web.Request) -> web.Response:
    counts = request.app[COUNTS]
    taken = {key: value for key, value in counts.items() if key}
    counts.clear()
    return web.json_response(taken)


def make_app() -> web.Application:
    app = web.Application()
    app[COUNTS] = Counter()
    app.router.add_post("/bot{token}/{method}", endpoint)
    app.router.add_get("/total", total)
    app.router.add_post("/take", take)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(make_app(), host="127.0.0.1", port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
