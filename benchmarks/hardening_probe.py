"""Hardening probe: ``policybot serve`` as a real process against the fake Bot API, tried
the way a security review tries it, printing figures.

    .venv/bin/python -m benchmarks.hardening_probe          # SQLite, ~30 s
    … --database-url postgresql://postgres@127.0.0.1:5432/test   (a fresh schema in it)

1. Logs at DEBUG. With POLICYBOT_LOG_LEVEL=DEBUG, in text and in JSON: the webhook is
   registered (token and secret on the wire), Alice reports something about the
   Headteacher through the webhook, the Chair is told, reads it and writes back, Alice
   asks a policy question, a request comes with a wrong secret. Then the log is searched
   for the token, the secret, each encryption key and each text typed (must be 0).
2. Idle connections. ``serve`` starts with a 1024 file-descriptor limit; 1,100
   connections are opened that send nothing and held; meanwhile /healthz and an
   authenticated webhook update are timed. Prints how many idle connections were still
   open when they answered, the accept() errors in the server's log (must be 0), and
   when the server had closed the idle ones.
3. Bad input. Malformed, forged and edge-case webhook requests (bad or non-ASCII
   secrets, wrong content types, not JSON, JSON that isn't an update, fields of the
   wrong kind, deep nesting, huge bodies): prints how many were tried, how many got a
   4xx, how many were acknowledged and ignored (200), and how many a 500 (must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.settings import bundled_demo_config
from storage.crypto import Cipher
from tests.support import databases
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.serving import Serving, serving
from tests.support.telegram_chat import ALICE, TelegramChat, report_about_the_head

SECRET = "probe-webhook-secret_0123456789"
MARKERS = {"typed": "PROBE-MARKER-a1 the head shared a pupil's photo on his Instagram",
           "reply": "PROBE-MARKER-b2 thank you, I will look into it",
           "question": "PROBE-MARKER-c3 can I accept a friend request from a parent"}
DESCRIPTOR_LIMIT = 1024
IDLE_CONNECTIONS = 1100
ACCEPT_ERROR = "out of system resource"


@dataclass(frozen=True)
class Setup:
    env: dict[str, str]
    key: str


def make_setup(work: Path, database_url: str | None, fake: FakeTelegram, **extra: str) -> Setup:
    key = f"{Cipher.generate_key()},{Cipher.generate_key()}"
    env = {**os.environ, "POLICYBOT_DATA_DIR": str(work / "data"), "POLICYBOT_DEMO": "1",
           "POLICYBOT_CONFIG": str(bundled_demo_config()), "POLICYBOT_ENCRYPTION_KEY": key,
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.api_url,
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "PORT": "0", **extra}
    if database_url:
        env["DATABASE_URL"] = database_url
    return Setup(env, key)


@contextlib.asynccontextmanager
async def fresh_database(base: str | None) -> AsyncIterator[str | None]:
    """A fresh PostgreSQL schema (dropped after), or None: SQLite in the data dir."""
    if base is None:
        yield None
        return
    url = databases.create_postgres_schema(base, "probe")
    try:
        yield url
    finally:
        databases.drop_postgres_schema(base, url)


# ---- 1. logs at DEBUG ---------------------------------------------------------------


async def log_leaks(log_format: str, database: str | None) -> tuple[int, int]:
    """(secrets and typed texts found in the log, log lines written)."""
    fake = FakeTelegram()
    await fake.start()
    try:
        async with fresh_database(database) as url:
            setup = make_setup(Path(tempfile.mkdtemp(prefix="probe-logs-")), url, fake,
                               POLICYBOT_LOG_LEVEL="DEBUG", POLICYBOT_LOG_FORMAT=log_format,
                               TELEGRAM_WEBHOOK_URL="https://policybot.example/telegram")
            async with serving(setup.env) as served, aiohttp.ClientSession() as http:
                chat = TelegramChat(served.url, fake, http, secret=SECRET)
                await report_about_the_head(chat, **MARKERS)
                await chat.post(chat.updates.message(user=ALICE, chat=ALICE,
                                                     text=MARKERS["typed"]), secret="wrong")
                log = await served.stop()
    finally:
        await fake.close()
    secrets = [TOKEN, TOKEN.partition(":")[2], SECRET, *setup.key.split(","), setup.key]
    found = sum(log.count(value) for value in [*secrets, *MARKERS.values()])
    found += log.count("PROBE-MARKER")  # any part of what was typed
    if log_format == "json":
        assert all(json.loads(line) for line in log.splitlines() if line.strip())
    return found, len(log.splitlines())


# ---- 3. bad input -----------------------------------------------------------------------


def bad_requests() -> list[tuple[dict[str, str], bytes]]:
    """(headers, body) pairs a webhook must refuse or ignore, never answer 500."""
    message: dict[str, object] = {
        "message_id": 1, "date": 1700000000, "chat": {"id": ALICE, "type": "private"},
        "from": {"id": ALICE, "is_bot": False, "first_name": "A"}, "text": "/help"}
    good = {"update_id": 1, "message": message}
    json_type = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    secrets = ["", "wrong", SECRET + "x", SECRET.upper(), "s\u00e9cret", "\u79d8\u5bc6",
               "\u00ff" * 300, "a" * 5000]
    bodies: list[object] = [
        {}, {"update_id": 7}, {"update_id": "x", "message": message},
        {"update_id": 2, "message": "hello"}, {"update_id": 3, "message": [1, 2]},
        {"update_id": 4, "message": {**message, "text": 42}},
        {"update_id": 5, "message": {**message, "text": {"a": 1}}},
        {"update_id": 6, "message": {k: v for k, v in message.items() if k != "chat"}},
        {"update_id": 8, "message": {k: v for k, v in message.items() if k != "date"}},
        {"update_id": 9, "message": {**message, "from": {"id": "me"}}},
        {"update_id": 10, "message": {**message, "chat": {"id": None, "type": "private"}}},
        {"update_id": 11, "callback_query": {"id": 1, "data": 5}},
        {"update_id": 12, "edited_message": message}, [1, 2], "text", 3, None, True]
    raw: list[bytes] = [b"", b"{not json", b"[" * 10_000 + b"]" * 10_000,
                        b'{"update_id": 1' + b" " * 2_000_000 + b"}", b"\xff\xfe\x00"]
    cases: list[tuple[dict[str, str], bytes]] = []
    cases += [({**json_type, "X-Telegram-Bot-Api-Secret-Token": bad.encode().decode(
        "latin-1")}, json.dumps(good).encode()) for bad in secrets]
    cases += [({"Content-Type": "application/json"}, json.dumps(good).encode())]
    cases += [({**json_type, "Content-Type": kind}, json.dumps(good).encode())
              for kind in ("text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "")]
    cases += [(json_type, json.dumps(body).encode()) for body in bodies]
    cases += [(json_type, body) for body in raw]
    return cases


async def bad_input(database: str | None) -> Counter[str]:
    """How the bad requests were answered: ``4xx``, ``ignored`` (200) or ``5xx``."""
    fake = FakeTelegram()
    await fake.start()
    answered: Counter[str] = Counter()
    try:
        async with fresh_database(database) as url:
            setup = make_setup(Path(tempfile.mkdtemp(prefix="probe-bad-")), url, fake)
            async with serving(setup.env) as served, aiohttp.ClientSession() as http:
                for headers, body in bad_requests():
                    async with http.post(f"{served.url}/telegram", data=body,
                                         headers=headers) as response:
                        status = response.status
                    answered["4xx" if 400 <= status < 500 else "ignored" if status == 200
                             else "5xx"] += 1
                log = await served.stop()
    finally:
        await fake.close()
    answered["tracebacks in the log"] = log.count("Traceback")
    return answered


# ---- 2. idle connections --------------------------------------------------------------


def limit_descriptors() -> None:  # runs in the child, before it execs
    resource.setrlimit(resource.RLIMIT_NOFILE, (DESCRIPTOR_LIMIT, DESCRIPTOR_LIMIT))


async def idle_connections(database: str | None) -> dict[str, float]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < IDLE_CONNECTIONS + 200:
        raise SystemExit(f"this probe needs {IDLE_CONNECTIONS + 200} descriptors; ulimit -Hn "
                         f"is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, IDLE_CONNECTIONS + 200), hard))
    fake = FakeTelegram()
    await fake.start()
    try:
        async with fresh_database(database) as url:
            setup = make_setup(Path(tempfile.mkdtemp(prefix="probe-idle-")), url, fake)
            async with serving(setup.env, preexec=limit_descriptors) as served:
                figures = await hold_idle_connections(served, fake)
                log = await served.stop()
    finally:
        await fake.close()
    figures["accept errors in the log"] = log.count(ACCEPT_ERROR)
    return figures


async def hold_idle_connections(served: Serving, fake: FakeTelegram) -> dict[str, float]:
    host, port = "127.0.0.1", int(served.url.rsplit(":", 1)[1])
    started = time.monotonic()
    idle = [await asyncio.open_connection(host, port) for _ in range(IDLE_CONNECTIONS)]
    closed_at: list[float] = []

    async def watch(reader: asyncio.StreamReader) -> None:
        await reader.read()
        closed_at.append(time.monotonic() - started)

    watchers = [asyncio.create_task(watch(reader)) for reader, _ in idle]
    opened = time.monotonic() - started
    async with aiohttp.ClientSession() as http:
        chat = TelegramChat(served.url, fake, http, secret=SECRET)
        t0 = time.monotonic()
        async with http.get(f"{served.url}/healthz", timeout=aiohttp.ClientTimeout(10)) as r:
            health = r.status
        health_ms = (time.monotonic() - t0) * 1000
        held = IDLE_CONNECTIONS - len(closed_at)
        t0 = time.monotonic()
        whoami = await chat.say(ALICE, ALICE, "/whoami")
        webhook_ms = (time.monotonic() - t0) * 1000
    await asyncio.wait_for(asyncio.gather(*watchers), 60)
    for _, writer in idle:
        writer.close()
    return {"idle connections opened": IDLE_CONNECTIONS, "seconds to open them": opened,
            "idle connections still open when /healthz answered": held,
            "/healthz status": health, "/healthz ms": health_ms,
            "webhook answered": float(whoami.startswith("You are")), "webhook ms": webhook_ms,
            "closed by the server within s": max(closed_at)}


async def probe(database: str | None) -> int:
    print(f"hardening probe: policybot serve, {'PostgreSQL' if database else 'SQLite'}")
    leaks = {}
    for log_format in ("text", "json"):
        leaks[log_format], lines = await log_leaks(log_format, database)
        print(f"  logs at DEBUG ({log_format}): {lines} lines; secrets and typed texts "
              f"found: {leaks[log_format]}")
    bad = await bad_input(database)
    print(f"  bad input: {sum(bad[k] for k in ('4xx', 'ignored', '5xx'))} requests tried; "
          f"{bad['4xx']} got a 4xx, {bad['ignored']} were acknowledged and ignored, "
          f"{bad['5xx']} got a 500; tracebacks in the log: {bad['tracebacks in the log']}")
    figures = await idle_connections(database)
    print(f"  idle connections (serve under a {DESCRIPTOR_LIMIT}-descriptor limit):")
    for name, value in figures.items():
        print(f"    {name}: {value:.0f}" if name != "closed by the server within s"
              else f"    {name}: {value:.1f}")
    healthy = figures["/healthz status"] == 200 and figures["webhook answered"] == 1
    return 0 if not any(leaks.values()) and healthy and not figures[
        "accept errors in the log"] and not bad["5xx"] and not bad[
        "tracebacks in the log"] else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL server (a fresh schema is made in it)")
    args = parser.parse_args()
    sys.exit(asyncio.run(probe(args.database_url)))


if __name__ == "__main__":
    main()
