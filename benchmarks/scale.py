"""Scale: one reminder fan-out to every member of staff of 100 schools with the rate
limit lifted, to show that what each message costs stays flat as the staff grow.

    .venv/bin/python -m benchmarks.scale            # 1,000 / 5,000 / 20,000 staff: ~8 min
    .venv/bin/python -m benchmarks.scale --quick    # 200 / 1,000 staff: ~30 s
    … --database-url postgresql://postgres@127.0.0.1:5432/test   (a fresh schema per size)

For each size it writes a config of 100 schools, syncs the directory (timed as
"setup"), publishes the policy and queues one nudge per person ("planning"), then
delivers them with the real Deliverer (the production setting: 8 sends at once) to
the fake platform (benchmarks/fake_platform.py) with no limit on either side, as
with POLICYBOT_FLOOD_CONTROL=0. It prints the cost per message of planning and of
delivery at each size, and for the largest the delivery cost of each tranche of
2,000 messages in turn (a cost growing with the outbox would show there), and the
platform's count of duplicates and losses.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from benchmarks.http_messenger import HttpMessenger
from benchmarks.nudge_benchmark import BASE, free_port, stats, wait_for_server
from bot.app import build_app
from bot.delivery import Deliverer
from bot.settings import Settings, bundled_demo_config
from handlers.reminders import plan_due
from handlers.replies import Message
from storage.crypto import Cipher
from storage.models import Chat, Person
from tests.support import databases

SCHOOLS = 100
SIZES, QUICK_SIZES = (1_000, 5_000, 20_000), (200, 1_000)
TRANCHE = 2_000
CONCURRENCY = 8  # what ``policybot serve`` gives its Deliverer (bot/runner.py)


def schools_yaml(staff: int, schools: int, policy: Path) -> str:
    """``schools`` schools sharing ``staff`` people evenly; each has a Headteacher. The
    handles (the fake platform's chat ids) name the size, so runs never share one."""
    lines = ["schools:"]
    for school in range(schools):
        size = staff // schools + (1 if school < staff % schools else 0)
        lines += [f"  - slug: s{school:03d}", f"    name: School {school:03d}",
                  "    timezone: Europe/London", f"    policies: [{policy}]",
                  "    next_review: 2030-01-01", "    people:",
                  f"      - {{handle: r{staff}h{school:03d}, name: Head {school:03d}, "
                  "role: headteacher}"]
        lines += [f"      - {{handle: r{staff}s{school:03d}x{n:05d}, name: Staff {n:05d}, "
                  "role: staff}" for n in range(1, size)]
    return "\n".join(lines) + "\n"


class Stamped(HttpMessenger):
    """The fake platform's messenger, noting when each message was accepted."""

    def __init__(self, session: aiohttp.ClientSession, api_url: str) -> None:
        super().__init__(session, api_url, per_second=None)
        self.stamps: list[float] = []

    async def to_person(self, person: Person, message: Message) -> bool:
        sent = await super().to_person(person, message)
        self.stamps.append(time.monotonic())
        return sent

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        sent = await super().to_chat(chat, message)
        self.stamps.append(time.monotonic())
        return sent


@dataclass(frozen=True)
class Run:
    staff: int
    setup: float
    planning: float
    queued: int
    delivery: float
    tranches: list[float]  # seconds for each TRANCHE messages, in order
    distinct: int
    duplicates: int

    @property
    def lost(self) -> int:
        return self.queued - self.distinct


def tranche_times(started: float, stamps: list[float], size: int) -> list[float]:
    marks = [started, *sorted(stamps)[size - 1::size]]
    return [later - earlier for earlier, later in itertools.pairwise(marks)]


async def fan_out(staff: int, url: str, work: Path, api: str, schools: int = SCHOOLS) -> Run:
    """Set up, plan and deliver one fan-out to ``staff`` people of ``schools`` schools on
    database ``url``."""
    policy = bundled_demo_config().parent / "samples" / "croughton.txt"
    config = work / f"schools-{staff}.yaml"
    config.write_text(schools_yaml(staff, schools, policy), encoding="utf-8")
    settings = Settings.model_validate({
        "DATABASE_URL": url, "POLICYBOT_DATA_DIR": str(work), "POLICYBOT_CONFIG": str(config),
        "POLICYBOT_ENCRYPTION_KEY": Cipher.generate_key()})
    before = stats(api)
    started = time.monotonic()
    application = await build_app(settings, migrate=True, with_answers=False)
    setup = time.monotonic() - started
    try:
        services = dataclasses.replace(application.services, clock=lambda: BASE)
        started = time.monotonic()
        queued = (await plan_due(services)).queued["nudge"]
        planning = time.monotonic() - started
        connector = aiohttp.TCPConnector(limit=CONCURRENCY * 2)
        async with aiohttp.ClientSession(connector=connector) as http:
            messenger = Stamped(http, api)
            deliverer = Deliverer(services, [messenger], concurrency=CONCURRENCY)
            started = time.monotonic()
            await deliverer.deliver_due()
            delivery = time.monotonic() - started
    finally:
        await application.close()
    after = stats(api)
    return Run(staff, setup, planning, queued, delivery,
               tranche_times(started, messenger.stamps, min(TRANCHE, staff)),
               after["distinct"] - before["distinct"],
               after["duplicates"] - before["duplicates"])


def database_for(base: str | None, work: Path, staff: int) -> str:
    if base is None:
        return f"sqlite+aiosqlite:///{work / f'scale-{staff}.db'}"
    return databases.create_postgres_schema(base, f"scale{staff}", migrate=False)


def table(runs: list[Run], database: str) -> str:
    lines = [f"scale: one reminder fan-out across {SCHOOLS} schools, no rate limit, "
             f"{database}, {CONCURRENCY} sends at once",
             "| staff | setup (directory sync) | planning | per message | delivery "
             "| per message | messages/s | duplicates | lost |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for run in runs:
        lines.append(
            f"| {run.staff:,} | {run.setup:.1f} s | {run.planning:.1f} s "
            f"| {run.planning / max(run.queued, 1) * 1000:.2f} ms | {run.delivery:.1f} s "
            f"| {run.delivery / max(run.queued, 1) * 1000:.2f} ms "
            f"| {run.queued / run.delivery:.0f} | {run.duplicates} | {run.lost} |")
    largest = runs[-1]
    size = min(TRANCHE, largest.staff)
    per = ", ".join(f"{t / size * 1000:.2f}" for t in largest.tranches)
    lines.append(f"delivery per message (ms) of each {size:,} in turn, {largest.staff:,} "
                 f"staff: {per}")
    return "\n".join(lines)


def flat(runs: list[Run], within: float = 0.5) -> bool:
    """Delivery per message at the largest size within ``within`` of the smallest's, and
    no tranche of the largest run that much dearer than its first."""
    first, last = runs[0].delivery / runs[0].queued, runs[-1].delivery / runs[-1].queued
    tranches = runs[-1].tranches
    return last <= first * (1 + within) and max(tranches) <= tranches[0] * (1 + within)


def benchmark(sizes: tuple[int, ...], base: str | None, schools: int = SCHOOLS) -> list[Run]:
    """One fan-out per size, each on a fresh database, to one fake platform (a process of
    its own, with no limit)."""
    work = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "benchmarks.fake_platform", "--port",
                               str(port), "--rate", "0"])
    runs: list[Run] = []
    try:
        wait_for_server(api)
        for staff in sizes:
            url = database_for(base, work, staff)
            try:
                runs.append(asyncio.run(fan_out(staff, url, work, api, schools)))
            finally:
                if base is not None:
                    databases.drop_postgres_schema(base, url)
    finally:
        server.terminate()
        server.wait()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 and 1,000 staff")
    parser.add_argument("--sizes", type=int, nargs="+", help="any other numbers of staff")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    sizes = tuple(args.sizes) if args.sizes else QUICK_SIZES if args.quick else SIZES
    runs = benchmark(sizes, args.database_url)
    print(table(runs, "PostgreSQL" if args.database_url else "SQLite"))
    ok = all(run.duplicates == 0 and run.lost == 0 for run in runs)
    print(f"cost per message flat (within 50%): {'yes' if flat(runs) else 'NO'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
