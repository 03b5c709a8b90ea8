"""Nudge benchmark: nudge every member of staff through a local fake platform API that
enforces 30 messages a second, kill the sender midway, restart it, and count.

    .venv/bin/python -m benchmarks.nudge_benchmark           # 200 staff: ~10 s
    .venv/bin/python -m benchmarks.nudge_benchmark --full    # 5,000 staff: ~3 min
    … --database-url postgresql://postgres@127.0.0.1:5432/test   (a fresh schema in it;
                                                                  default: a SQLite file)

It publishes the policy and queues one nudge per person (timed as "planning"),
then runs the real Deliverer in a child process against the fake API
(benchmarks/fake_platform.py), SIGKILLs it when half the messages have arrived
and starts a new one. The fake API counts what it received: the figures are
the wall time against the limit (staff / rate), duplicates and losses.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from bot.config import load_config
from bot.delivery import Deliverer
from bot.settings import Settings, bundled_demo_config
from handlers.context import Services
from storage import outbox
from storage.crypto import Cipher
from storage.db import Database
from tests.support import databases

BASE = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday morning in term
SENDER_LEASE = dt.timedelta(seconds=10)  # short, so a killed sender's claims free up quickly
CONCURRENCY = 8  # what ``policybot serve`` gives its Deliverer (bot/runner.py)
QUICK, FULL = 200, 5000


# ---- the sender (a child process, so it can be killed) ------------------------------


async def send_all(config_path: Path, url: str, key: str, api: str, epoch: float,
                   rate: float) -> None:
    """Deliver until nothing is pending, on a clock that runs from BASE in real time."""
    db = Database(url)
    services = Services(db=db, config=load_config(config_path), cipher=Cipher(key),
                        clock=lambda: BASE + dt.timedelta(seconds=time.time() - epoch))
    from benchmarks.http_messenger import HttpMessenger
    try:
        async with aiohttp.ClientSession() as http:
            deliverer = Deliverer(services, [HttpMessenger(http, api, per_second=rate)],
                                  lease=SENDER_LEASE, concurrency=CONCURRENCY)
            while True:
                await deliverer.deliver_due()
                async with db.session() as session:
                    if await outbox.pending_count(session=session) == 0:
                        return
                await asyncio.sleep(0.5)  # rows a killed sender still holds: wait for the lease
    finally:
        await db.dispose()


# ---- the harness --------------------------------------------------------------------


def school_yaml(staff: int, policy: Path) -> str:
    lines = ["schools:", "  - slug: bench", "    name: Benchmark Primary School",
             "    timezone: Europe/London", f"    policies: [{policy}]",
             "    next_review: 2030-01-01", "    people:",
             "      - {handle: head, name: Head Teacher, role: headteacher}"]
    lines += [f"      - {{handle: s{i:05d}, name: Staff {i:05d}, role: staff}}"
              for i in range(1, staff)]
    return "\n".join(lines) + "\n"


async def prepare(settings: Settings) -> tuple[float, float, int]:
    """Sync the directory and plan the nudges; (setup seconds, planning seconds, queued)."""
    from bot.app import build_app  # here: a sender, restarted on the clock, needs neither
    from handlers.reminders import plan_due
    started = time.monotonic()
    application = await build_app(settings, migrate=True, with_answers=False)
    setup = time.monotonic() - started
    try:
        services = dataclasses.replace(application.services, clock=lambda: BASE)
        started = time.monotonic()
        report = await plan_due(services)
        return setup, time.monotonic() - started, report.queued["nudge"]
    finally:
        await application.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stats(api: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{api}/stats", timeout=5) as reply:
        data: dict[str, Any] = json.loads(reply.read())
        return data


def wait_for_server(api: str) -> None:
    for _ in range(100):
        try:
            stats(api)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the fake platform did not start")


def start_sender(args: argparse.Namespace, config: Path, url: str, key: str, api: str,
                 epoch: float, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "benchmarks.nudge_benchmark", "--sender",
               "--config", str(config), "--database-url", url, "--key", key, "--api", api,
               "--epoch", repr(epoch), "--rate", str(args.rate)]
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)


@dataclass(frozen=True)
class Timing:
    """The delivery's clock: from the first sender's start and from the first message
    to the last; the kill, after how many messages, and the gap it left."""

    wall: float
    delivery: float
    killed_at: int
    gap: float


def deliver_with_a_kill(args: argparse.Namespace, config: Path, url: str, key: str, api: str,
                        expected: int, logs: Path) -> Timing:
    """Run a sender, SIGKILL it at half way, run another to the end."""
    epoch = time.time()
    started = time.monotonic()
    first = start_sender(args, config, url, key, api, epoch, logs / "sender-1.log")
    while first.poll() is None and stats(api)["accepted"] == 0:
        time.sleep(0.02)
    first_message = time.monotonic()
    while first.poll() is None and stats(api)["accepted"] < expected // 2:
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed, killed_at = time.monotonic(), int(stats(api)["accepted"])
    second = start_sender(args, config, url, key, api, epoch, logs / "sender-2.log")
    while second.poll() is None and stats(api)["accepted"] == killed_at:
        time.sleep(0.02)
    gap = time.monotonic() - killed
    if second.wait() != 0:
        raise RuntimeError(f"the restarted sender failed; see {logs / 'sender-2.log'}")
    ended = time.monotonic()
    return Timing(ended - started, ended - first_message, killed_at, gap)


async def outbox_sent(url: str) -> tuple[int, int]:
    from sqlmodel import select

    from storage.models import OutboxMessage
    db = Database(url)
    try:
        async with db.session() as session:
            statuses = list((await session.exec(select(OutboxMessage.status))).all())
    finally:
        await db.dispose()
    return statuses.count(outbox.SENT), statuses.count(outbox.PENDING)


def benchmark(args: argparse.Namespace) -> int:
    staff = args.staff or (FULL if args.full else QUICK)
    work = Path(tempfile.mkdtemp(prefix="nudge-bench-"))
    policy = bundled_demo_config().parent / "samples" / "croughton.txt"
    config = work / "schools.yaml"
    config.write_text(school_yaml(staff, policy), encoding="utf-8")
    url = (databases.create_postgres_schema(args.database_url, "nudge") if args.database_url
           else f"sqlite+aiosqlite:///{work / 'bench.db'}")  # PostgreSQL: a fresh schema
    try:
        return run_benchmark(args, staff, work, config, url)
    finally:
        if args.database_url:
            databases.drop_postgres_schema(args.database_url, url)


def run_benchmark(args: argparse.Namespace, staff: int, work: Path, config: Path,
                  url: str) -> int:
    key = Cipher.generate_key()
    settings = Settings.model_validate({"DATABASE_URL": url, "POLICYBOT_DATA_DIR": str(work),
                                        "POLICYBOT_CONFIG": str(config),
                                        "POLICYBOT_ENCRYPTION_KEY": key})
    setup, planning, queued = asyncio.run(prepare(settings))
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.fake_platform", "--port",
                               str(port), "--rate", str(args.rate)])
    try:
        wait_for_server(api)
        timing = deliver_with_a_kill(args, config, url, key, api, queued, work)
        received = stats(api)
    finally:
        server.terminate()
        server.wait()
    sent, pending = asyncio.run(outbox_sent(url))
    return report(staff, args.rate, url, setup, planning, queued, timing, received, sent,
                  pending)


def report(staff: int, rate: float, url: str, setup: float, planning: float, queued: int,
           timing: Timing, received: dict[str, Any], sent: int, pending: int) -> int:
    limit = staff / rate
    lost = queued - int(received["distinct"])
    duplicates = int(received["duplicates"])
    elapsed = timing.delivery
    within = elapsed <= limit * 1.05
    judged = staff >= 1000  # below that, the fixed costs (restart, lease) dominate
    database = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"nudge benchmark: {staff} staff, fake platform at {rate:g} messages/s, {database}")
    print(f"  setup (directory sync): {setup:.1f} s; planning (publish + queue "
          f"{queued} nudges): {planning:.1f} s")
    print(f"  delivery, first message to last: {elapsed:.1f} s against a limit of "
          f"{limit:.1f} s "
          f"({(elapsed / limit - 1) * 100:+.1f}%, {'within' if within else 'NOT within'} 5%"
          f"{'' if judged else '; not judged at this size: the restart and the killed '}"
          f"{'' if judged else f'sender lease ({SENDER_LEASE.seconds} s) are fixed costs'})")
    print(f"  wall time from the first sender's start: {timing.wall:.1f} s "
          f"({(timing.wall / limit - 1) * 100:+.1f}%)")
    print(f"  sender killed (SIGKILL) after {timing.killed_at} messages arrived, then "
          f"restarted: {timing.gap:.1f} s from the kill to the new sender's first message")
    print(f"  platform received {received['accepted']} messages, {received['distinct']} "
          f"distinct; 429s: {received['refused_429']}")
    print(f"  duplicates: {duplicates}; lost: {lost}; outbox: {sent} sent, {pending} pending")
    return 0 if ((within or not judged) and duplicates == 0 and lost == 0 and pending == 0) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help=f"{FULL} staff (default {QUICK})")
    parser.add_argument("--staff", type=int, default=0, help="any other number of staff")
    parser.add_argument("--rate", type=float, default=30.0, help="the platform's messages/s")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--sender", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--epoch", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sender:
        asyncio.run(send_all(args.config, args.database_url, args.key, args.api, args.epoch,
                             args.rate))
        return
    sys.exit(benchmark(args))


if __name__ == "__main__":
    main()
