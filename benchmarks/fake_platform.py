"""A local fake chat-platform API for the nudge benchmark (not a real platform).

``POST /sendMessage`` with ``{"chat_id": …, "text": …}`` is accepted at most
``--rate`` times a second (a token bucket of that size, as Telegram's flood
control behaves); beyond it the answer is HTTP 429 with
``{"ok": false, "parameters": {"retry_after": 1}}``. ``GET /stats`` reports what
was accepted, refused and received twice, so the benchmark can count duplicates
and losses from the platform's side. ``--rate 0``: no limit at all.
Run: ``python -m benchmarks.fake_platform``.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from aiohttp import web

STATS = web.AppKey("stats", Counter[str])
RECEIVED = web.AppKey("received", Counter[tuple[str, str]])


class TokenBucket:
    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.at = time.monotonic()

    def take(self) -> bool:
        if self.rate <= 0:  # no limit
            return True
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


BUCKET = web.AppKey("bucket", TokenBucket)


async def send_message(request: web.Request) -> web.Response:
    data = await request.json()
    if not request.app[BUCKET].take():
        request.app[STATS]["refused_429"] += 1
        return web.json_response({"ok": False, "error_code": 429,
                                  "description": "Too Many Requests: retry after 1",
                                  "parameters": {"retry_after": 1}}, status=429)
    received = request.app[RECEIVED]
    received[(str(data["chat_id"]), str(data["text"]))] += 1
    request.app[STATS]["accepted"] += 1
    return web.json_response({"ok": True, "result": {"message_id": sum(received.values())}})


async def stats(request: web.Request) -> web.Response:
    received = request.app[RECEIVED]
    return web.json_response({
        "accepted": request.app[STATS]["accepted"],
        "refused_429": request.app[STATS]["refused_429"],
        "distinct": len(received),
        "duplicates": sum(count - 1 for count in received.values()),
        "recipients": sorted({chat for chat, _ in received}),
    })


def make_app(rate: float) -> web.Application:
    app = web.Application()
    app[STATS] = Counter()
    app[RECEIVED] = Counter()
    app[BUCKET] = TokenBucket(rate)
    app.router.add_post("/sendMessage", send_message)
    app.router.add_get("/stats", stats)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--rate", type=float, default=30.0)
    args = parser.parse_args()
    web.run_app(make_app(args.rate), host="127.0.0.1", port=args.port, print=None,
                access_log=None)


if __name__ == "__main__":
    main()
