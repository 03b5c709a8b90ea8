"""Kill stress: ``policybot serve`` killed with kill -9 every few seconds for a minute
while 15 people each log 3 friend requests over the webhook, then counted.

    .venv/bin/python -m benchmarks.kill_stress                  # SQLite, ~2 min
    … --database-url postgresql://postgres@127.0.0.1:5432/test  (a fresh schema in it)
    … --quick                                                    (5 people × 2, 20 s)

Each person types their answers step by step in their private chat, as Telegram
delivers them: an update whose request failed (the bot was dead, or answered 500) is
delivered again until it is answered 200, as Telegram does. Every report carries a
name unique to it. Afterwards the bot runs until its outbox is empty, and the probe
prints: reports submitted and stored, stored with wrong fields, lost, doubled,
confirmations (the reporter's "#reference") lost, and notifications to the
Headteacher delivered more than once (the documented in-flight window: a message
whose sending was under way when the worker died).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import re
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from sqlmodel import select

from bot.platforms.telegram import SECRET_HEADER
from bot.settings import bundled_demo_config
from storage.crypto import Cipher
from storage.db import Database
from storage.report_models import Report
from tests.support import databases
from tests.support.fake_telegram import TOKEN, FakeTelegram, Updates

SECRET = "stress-webhook-secret"
HEAD = 9001
FIRST_PERSON = 9100
STEPS = ("/friendrequest", "A parent", "{name}", "Facebook", "Yesterday", "I declined it",
         "Skip", "Send")


def config_for(people: int, directory: Path) -> Path:
    policy = bundled_demo_config().parent / "samples" / "croughton.txt"
    staff = "\n".join(f"      - {{handle: s{n}, name: Staff {n}, role: staff, "
                      f"telegram: {FIRST_PERSON + n}}}" for n in range(people))
    path = directory / "schools.yaml"
    path.write_text(f"""schools:
  - slug: stress
    name: Stress Test Primary School
    policies: [{policy}]
    people:
      - {{handle: head, name: Head Teacher, role: headteacher, telegram: {HEAD}}}
      - {{handle: chair, name: Chris Chair, role: chair_of_governors, telegram: 9002}}
{staff}
""", encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Bot:
    """``policybot serve`` on one port, killed and restarted at will."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port",
            str(self.port), env=self.env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
            self.kills += 1

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


async def deliver(http: aiohttp.ClientSession, url: str, update: dict[str, object]) -> None:
    """As Telegram does: again and again until it is answered 200."""
    while True:
        with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
            async with http.post(url, json=update, headers={SECRET_HEADER: SECRET},
                                 timeout=aiohttp.ClientTimeout(10)) as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.2)


async def person(number: int, reports: int, http: aiohttp.ClientSession, url: str,
                 updates: Updates) -> list[str]:
    user = FIRST_PERSON + number
    names = [f"P{number}R{n}" for n in range(reports)]
    for name in names:
        for step in STEPS:
            await deliver(http, url, updates.message(user=user, chat=user,
                                                     text=step.format(name=name)))
    return names


async def killer(bot: Bot, until: float, every: float) -> None:
    while time.monotonic() < until:
        await asyncio.sleep(random.uniform(every / 2, every * 1.5))
        await bot.kill()
        await asyncio.sleep(0.3)
        await bot.start()


async def stress(database: str | None, people: int, reports: int, seconds: float) -> int:
    fake = FakeTelegram()
    await fake.start()
    work = Path(tempfile.mkdtemp(prefix="kill-stress-"))
    key = Cipher.generate_key()
    async with fresh_database(database) as url:
        env = {**os.environ, "POLICYBOT_DATA_DIR": str(work / "data"),
               "POLICYBOT_CONFIG": str(config_for(people, work)),
               "POLICYBOT_ENCRYPTION_KEY": key, "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_URL": fake.api_url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
               "POLICYBOT_DELIVERY_LEASE_SECONDS": "2", "POLICYBOT_LOG_LEVEL": "WARNING"}
        if url:
            env["DATABASE_URL"] = url
        bot = Bot(env, free_port())
        await bot.start()
        webhook = f"http://127.0.0.1:{bot.port}/telegram"
        updates = Updates(first=100_000)
        started = time.monotonic()
        async with aiohttp.ClientSession() as http:
            chaos = asyncio.create_task(killer(bot, started + seconds, every=3.0))
            typed = await asyncio.gather(*(person(n, reports, http, webhook, updates)
                                           for n in range(people)))
            await chaos
        await drain(fake, people * reports)
        await bot.stop()
        figures = await count(url or f"sqlite:///{work / 'data' / 'policybot.db'}", key,
                              fake, [name for names in typed for name in names])
    await fake.close()
    print(f"kill stress, {'PostgreSQL' if database else 'SQLite'}: {people} people × "
          f"{reports} friend requests, serve killed {bot.kills} times in "
          f"{time.monotonic() - started:.0f} s")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    bad = ("stored with wrong fields", "lost", "doubled", "confirmations lost")
    return 1 if any(figures[name] for name in bad) else 0


async def drain(fake: FakeTelegram, expected: int, within: float = 120) -> None:
    """Until every report's confirmation and notification has arrived (or ``within``)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        confirmations = {m for c in fake.sent() for m in re.findall(r"#(\d{6})", c.text)
                         if c.chat_id != str(HEAD)}
        told = {m for c in fake.sent(HEAD) for m in re.findall(r"#(\d{6})", c.text)}
        if len(confirmations) >= expected and len(told) >= expected:
            return
        await asyncio.sleep(0.5)


async def count(url: str, key: str, fake: FakeTelegram, typed: list[str]) -> dict[str, int]:
    db = Database(url)
    cipher = Cipher(key)
    try:
        async with db.session() as session:
            stored = list(await session.exec(select(Report)))
    finally:
        await db.dispose()
    names = Counter(cipher.decrypt(r.subject_enc) if r.subject_enc else "" for r in stored)
    wrong = sum(1 for r in stored if r.platform != "facebook" or r.contact_type != "parent"
                or (cipher.decrypt(r.subject_enc) if r.subject_enc else "") not in typed)
    references = {str(r.reference) for r in stored}
    confirmed = {m for c in fake.sent() if c.chat_id != str(HEAD)
                 for m in re.findall(r"#(\d{6})", c.text) if m in references}
    told = Counter(m for c in fake.sent(HEAD) for m in set(re.findall(r"#(\d{6})", c.text)))
    return {"reports submitted": len(typed), "reports stored": len(stored),
            "stored with wrong fields": wrong,
            "lost": sum(1 for name in typed if names[name] == 0),
            "doubled": sum(1 for name in typed if names[name] > 1),
            "confirmations lost": len(references - confirmed),
            "notifications delivered more than once": sum(1 for n in told.values() if n > 1)}


@contextlib.asynccontextmanager
async def fresh_database(base: str | None) -> AsyncIterator[str | None]:
    """A fresh PostgreSQL schema (dropped after), or None: SQLite in the data dir."""
    if base is None:
        yield None
        return
    url = databases.create_postgres_schema(base, "stress")
    try:
        yield url
    finally:
        databases.drop_postgres_schema(base, url)


def main() -> None:
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # the fake, cut off mid-call
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    people, reports, seconds = (5, 2, 20.0) if args.quick else (15, 3, 60.0)
    sys.exit(asyncio.run(stress(args.database_url, people, reports, seconds)))


if __name__ == "__main__":
    main()
