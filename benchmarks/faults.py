"""Faults: two ``policybot serve`` workers on one PostgreSQL database, a worker killed
with kill -9, the database cut, and what was lost or doubled, counted.

    .venv/bin/python -m benchmarks.faults            # ~4 min
    .venv/bin/python -m benchmarks.faults --quick    # ~2 min
    … --database-url postgresql://postgres@127.0.0.1:5432/test  (a fresh schema per run)

The workers share one encryption key and reach PostgreSQL through a small TCP proxy
(benchmarks/tcp_proxy.py); Telegram is the fake Bot API of tests/support. Staff log
friend requests step by step over the webhook, each update posted to one worker or
the other in turn; an update whose request failed (no answer, or a 500) is posted
again, to the other worker, until one answers 200, as Telegram does. Three runs:

a. kill -9 one worker half-way through the reports; restart it a second later;
b. a reminder fan-out (the policy published: every member of staff asked to read it),
   one worker killed with kill -9 a third of the way through; restarted;
c. a fan-out, and reports once it is under way; the database cut a quarter of the
   way through the fan-out:
   every connection through the proxy closed and new ones refused for a few seconds,
   then restored; /healthz is asked during the cut (503 expected) and after (200).

After each, the workers run until the outbox is empty (polled, with a deadline), and
it prints: reports submitted / stored / lost / doubled, confirmations lost,
notifications to the Headteacher delivered more than once, reminders due / delivered /
lost / doubled, updates answered 500 (and whether each was handled in the end). The
documented window (README, Security): a message whose sending was under way when its
worker died may be delivered twice; nothing may be lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.kill_stress import STEPS, count, free_port
from benchmarks.tcp_proxy import TcpProxy
from bot.platforms.telegram import SECRET_HEADER
from bot.settings import bundled_demo_config
from storage.crypto import Cipher
from storage.db import sync_url
from tests.support import databases
from tests.support.fake_telegram import TOKEN, FakeTelegram, Updates

SECRET = "faults-webhook-secret"
HEAD, CHAIR = 9001, 9002
FIRST_REPORTER, FIRST_STAFF = 9100, 200_000
ASK = "Please confirm that you have read"
LEASE_SECONDS = 20  # a killed worker's claims come back this soon (well over the cut)
CONCURRENCY = 8  # sends a worker has under way at once (bot/runner.py): the window
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Scenario:
    name: str
    reporters: int  # people logging friend requests
    reports: int  # each
    fan_out: int  # more staff, asked to read the policy at start (0: no fan-out)
    fault: str  # "kill" (one worker, kill -9) or "cut" (the database)


def scenarios(quick: bool) -> list[Scenario]:
    people, each, staff = (5, 3, 300) if quick else (10, 4, 1500)
    return [Scenario("a. a worker killed (kill -9) while staff report", people, each, 0, "kill"),
            Scenario("b. a worker killed (kill -9) during a reminder fan-out", 0, 0, staff,
                     "kill"),
            Scenario("c. the database cut, under reports and a fan-out", people, each, staff,
                     "cut")]


def config_for(scenario: Scenario, directory: Path) -> Path:
    """One school, open every hour of every day (so the fan-out starts at once)."""
    policy = bundled_demo_config().parent / "samples" / "croughton.txt"
    people = [f"      - {{handle: r{n}, name: Reporter {n}, role: staff, "
              f"telegram: {FIRST_REPORTER + n}}}" for n in range(scenario.reporters)]
    people += [f"      - {{handle: s{n}, name: Staff {n}, role: staff, "
               f"telegram: {FIRST_STAFF + n}}}" for n in range(scenario.fan_out)]
    asked = "staff" if scenario.fan_out else "deputy_dsl"  # nobody is a deputy DSL here
    path = directory / "schools.yaml"
    path.write_text(f"""schools:
  - slug: faults
    name: Faults Primary School
    timezone: UTC
    policies: [{policy}]
    next_review: 2030-01-01
    school_hours: {{days: [0, 1, 2, 3, 4, 5, 6], start: "00:00", end: "23:59"}}
    acknowledge_roles: [{asked}]
    people:
      - {{handle: head, name: Head Teacher, role: headteacher, telegram: {HEAD}}}
      - {{handle: chair, name: Chris Chair, role: chair_of_governors, telegram: {CHAIR}}}
""" + "\n".join(people) + "\n", encoding="utf-8")
    return path


class Worker:
    """``policybot serve`` on a fixed port, killed and restarted at will."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name, self.env, self.log = name, env, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None
        self.kills = 0

    async def start(self, http: aiohttp.ClientSession, within: float = 60) -> None:
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port",
                str(self.port), env=self.env, stdout=out, stderr=out)
        deadline = time.monotonic() + within
        while await health(http, self) != 200:
            if time.monotonic() > deadline or self.process.returncode is not None:
                raise RuntimeError(f"{self.name} did not start; see {self.log}")
            await asyncio.sleep(0.1)

    async def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
            self.kills += 1

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await self.process.wait()


async def health(http: aiohttp.ClientSession, worker: Worker) -> int | str:
    """``/healthz``'s status, or "no answer"."""
    try:
        async with http.get(f"{worker.url}/healthz", timeout=aiohttp.ClientTimeout(5)) as got:
            return got.status
    except (aiohttp.ClientError, TimeoutError):
        return "no answer"


@dataclass
class Telegram:
    """Posts updates as Telegram does: again, to the other worker, until answered 200."""

    http: aiohttp.ClientSession
    workers: list[Worker]
    answers: Counter[int | str] = field(default_factory=Counter)
    failed_500: set[str] = field(default_factory=set)
    answered: int = 0
    _turn: itertools.count[int] = field(default_factory=itertools.count)

    async def deliver(self, update: dict[str, Any]) -> None:
        turn = next(self._turn)
        while True:
            worker = self.workers[turn % len(self.workers)]
            try:
                async with self.http.post(f"{worker.url}/telegram", json=update,
                                          headers={SECRET_HEADER: SECRET},
                                          timeout=aiohttp.ClientTimeout(10)) as response:
                    self.answers[response.status] += 1
                    if response.status == 200:
                        self.answered += 1
                        return
                    if response.status == 500:
                        self.failed_500.add(str(update["update_id"]))
            except (aiohttp.ClientError, TimeoutError):
                self.answers["no answer"] += 1
            turn += 1
            await asyncio.sleep(0.2)


async def reporter(number: int, reports: int, telegram: Telegram,
                   updates: Updates) -> list[str]:
    user = FIRST_REPORTER + number
    names = [f"F{number}R{n}" for n in range(reports)]
    for name in names:
        for step in STEPS:
            await telegram.deliver(updates.message(user=user, chat=user,
                                                   text=step.format(name=name)))
    return names


def asks(fake: FakeTelegram) -> Counter[str]:
    """How many times each chat was asked to read the policy."""
    return Counter(str(c.chat_id) for c in fake.sent() if c.text.startswith(ASK))


async def until(condition: Callable[[], bool], within: float) -> bool:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


@dataclass
class Cut:
    """What /healthz said during and after the database cut."""

    during: list[int | str] = field(default_factory=list)
    healthy_after: float | None = None  # seconds from the restore until both answered 200
    connections_closed: int = 0
    answered_before: int = 0  # updates answered 200 before the cut


async def kill_one(worker: Worker, http: aiohttp.ClientSession,
                   reached: Callable[[], bool]) -> None:
    if await until(reached, 120):
        await worker.kill()
        await asyncio.sleep(1)
        await worker.start(http)


async def cut_database(proxy: TcpProxy, workers: list[Worker], http: aiohttp.ClientSession,
                       reached: Callable[[], bool], seconds: float, cut: Cut,
                       telegram: Telegram) -> None:
    if not await until(reached, 120):
        return
    cut.answered_before = telegram.answered
    cut.connections_closed = await proxy.cut()
    await asyncio.sleep(seconds / 2)
    cut.during = [await health(http, worker) for worker in workers]
    await asyncio.sleep(seconds / 2)
    await proxy.restore()
    restored = time.monotonic()
    while [await health(http, worker) for worker in workers] != [200] * len(workers):
        if time.monotonic() - restored > 60:
            return
        await asyncio.sleep(0.1)
    cut.healthy_after = time.monotonic() - restored


def database_figures(url: str, failed_500: set[str]) -> dict[str, int]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            def scalar(query: str) -> int:
                return int(connection.execute(text(query)).scalar_one())
            handled = set(connection.execute(text(
                "SELECT update_key FROM processed_updates")).scalars())
            return {"due": scalar("SELECT count(*) FROM outbox WHERE key LIKE 'nudge:%'"),
                    "pending": scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"),
                    "failed": scalar("SELECT count(*) FROM outbox WHERE status = 'failed'"),
                    "500 handled": len(failed_500 & {k.rsplit(":", 1)[-1] for k in handled})}
    finally:
        engine.dispose()


def outbox_empty(url: str) -> bool:
    return database_figures(url, set())["pending"] == 0


async def drain(url: str, fake: FakeTelegram, staff: int, within: float) -> float:
    """Until the outbox has nothing pending and every member of staff was asked."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if len(asks(fake)) >= staff and await asyncio.to_thread(outbox_empty, url):
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - started


async def run(scenario: Scenario, base: str, quick: bool) -> tuple[dict[str, Any], bool]:
    work = Path(tempfile.mkdtemp(prefix="faults-"))
    key = Cipher.generate_key()
    fake = FakeTelegram()
    await fake.start()
    url = databases.create_postgres_schema(base, "faults")
    target = make_url(url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await proxy.start()
    through_proxy = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    env = {**os.environ, "DATABASE_URL": through_proxy,
           "POLICYBOT_CONFIG": str(config_for(scenario, work)),
           "POLICYBOT_ENCRYPTION_KEY": key, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_URL": fake.api_url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
           "POLICYBOT_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
           "POLICYBOT_FLOOD_CONTROL": "0", "POLICYBOT_LOG_LEVEL": "WARNING"}
    workers = [Worker(f"worker-{n}", {**env, "POLICYBOT_DATA_DIR": str(work / f"w{n}")},
                      work / f"worker-{n}.log") for n in (1, 2)]
    cut = Cut()
    staff = scenario.fan_out + (scenario.reporters if scenario.fan_out else 0)
    updates_due = scenario.reporters * scenario.reports * len(STEPS)
    try:
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(worker.start(http) for worker in workers))
            telegram = Telegram(http, workers)
            started = time.monotonic()

            def reached(share: float) -> Callable[[], bool]:
                """A share of the fan-out sent, if there is one, else of the updates."""
                def check() -> bool:
                    if staff:
                        return len(asks(fake)) >= staff * share
                    return telegram.answered >= updates_due * share
                return check
            fault: Awaitable[None]
            if scenario.fault == "kill":
                fault = kill_one(workers[0], http, reached(1 / 3 if staff else 1 / 2))
            else:
                fault = cut_database(proxy, workers, http, reached(1 / 4),
                                     3.0 if quick else 5.0, cut, telegram)
            faulted = asyncio.create_task(fault)
            if staff:  # the reports start with the fan-out under way, to overlap the fault
                await until(lambda: bool(asks(fake)), 120)
            typed = await asyncio.gather(*(reporter(n, scenario.reports, telegram, Updates(
                first=1_000_000 * (n + 1))) for n in range(scenario.reporters)))
            await faulted
            load = time.monotonic() - started
            drained = await drain(url, fake, staff, within=180)
            for worker in workers:
                await worker.stop()
        names = [name for names in typed for name in names]
        figures: dict[str, Any] = await count(url, key, fake, names) if names else {}
        db = await asyncio.to_thread(database_figures, url, telegram.failed_500)
    finally:
        for worker in workers:
            await worker.kill()
        await proxy.close()
        await fake.close()
        databases.drop_postgres_schema(base, url)
    asked = asks(fake)
    reminders = {"reminders due": db["due"], "reminders delivered": len(asked),
                 "reminders lost": max(db["due"] - len(asked), 0),
                 "reminders doubled": sum(1 for n in asked.values() if n > 1)}
    figures |= reminders if scenario.fan_out else {}
    figures |= {"updates posted": updates_due,
                "answers: 200 / 500 / no answer": f"{telegram.answers[200]} / "
                f"{telegram.answers[500]} / {telegram.answers['no answer']}",
                "updates answered 500, handled in the end":
                f"{len(telegram.failed_500)}, {db['500 handled']}",
                "outbox left pending / failed": f"{db['pending']} / {db['failed']}",
                "workers killed": sum(w.kills for w in workers),
                "load, then drain": f"{load:.1f} s, {drained:.1f} s"}
    if scenario.fault == "cut":
        figures |= {"updates answered before the cut":
                    f"{cut.answered_before} of {updates_due}",
                    "connections cut": cut.connections_closed,
                    "/healthz during the cut": " / ".join(map(str, cut.during)),
                    "/healthz 200 again after the restore":
                    "never" if cut.healthy_after is None else f"{cut.healthy_after:.1f} s"}
    lost = any(figures.get(name) for name in ("lost", "doubled", "confirmations lost",
                                               "stored with wrong fields", "reminders lost"))
    window = CONCURRENCY * int(figures["workers killed"])
    doubled = (int(figures.get("reminders doubled", 0))
               + int(figures.get("notifications delivered more than once", 0)))
    healthy = scenario.fault != "cut" or (
        cut.healthy_after is not None and all(s == 503 for s in cut.during))
    ok = (not lost and doubled <= window and healthy and db["pending"] == 0
          and db["500 handled"] == len(telegram.failed_500))
    return figures, ok


async def main_async(base: str, quick: bool) -> int:
    ok = True
    for scenario in scenarios(quick):
        figures, passed = await run(scenario, base, quick)
        ok = ok and passed
        print(f"{scenario.name}: {'ok' if passed else 'NOT OK'}")
        for name, value in figures.items():
            print(f"  {name}: {value}")
        sys.stdout.flush()
    return 0 if ok else 1


def main() -> None:
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)  # the fake, cut off mid-call
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", os.environ.get(databases.PG_ENV, DEFAULT_URL)))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(main_async(args.database_url, args.quick)))


if __name__ == "__main__":
    main()
