"""Load: webhook throughput of ``policybot serve`` beside a bare echo bot.

    .venv/bin/python -m benchmarks.load                    # SQLite, then PostgreSQL if given
    … --database-url postgresql://postgres@127.0.0.1:5432/test   (a fresh schema in it)
    … --quick                                              (~1 minute smoke run)

Webhook updates from the demo schools' staff (``POLICYBOT_DEMO=1``, the bundled demo
config) are posted closed loop (each connection waits for its answer before posting
the next) at 1, 8 and 32 connections to a real ``policybot serve`` process, and the
same load to a bare python-telegram-bot echo bot (:mod:`benchmarks.echo_bot`), runs
interleaved (echo, PolicyBot, echo, PolicyBot at each connection level). The mix:
``/policy`` questions in a staff group, questions in private chats and ``/help`` in a
group, every update with its own id; a group update comes from a forum topic of its
own (its thread id is its update id), so its answer can be told from every other.
Both bots send to a fast fake Bot API in a process of its own
(:mod:`benchmarks.fast_bot_api`) that counts ``sendMessage`` per chat and topic;
flood control is off in both.

Configurations: PolicyBot on SQLite; on PostgreSQL; two ``serve`` workers on one
PostgreSQL schema (the generator alternates the two ports, round-robin); and
PolicyBot with flood control on (private chats only: Telegram's 20-a-minute limit per
group would take minutes to drain) at 8 connections, for the webhook's p99.

Per run: throughput (updates over the time until the last reply arrived at the fake),
p50/p99 of the webhook's answer as the generator saw it, CPU seconds per update of
the server processes only (``/proc/<pid>/stat``, from the first update until every
reply arrived), and PolicyBot's ratio to the echo bot measured beside it. After each
run the generator waits for the fake to have every expected reply (polling, with a
deadline) and prints answered / expected / doubled / missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from bot.settings import bundled_demo_config
from storage.crypto import Cipher

TOKEN = "123456:LOAD-token"
SECRET = "load-benchmark-webhook-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CONNECTIONS = (1, 8, 32)
FIRST_UPDATE = 1_000_000
_UPDATE_IDS = itertools.count(FIRST_UPDATE)  # one sequence for the whole benchmark
QUESTIONS = ("can I friend a parent on facebook?", "can I post photos of pupils?",
             "may I use my personal phone to take pictures on a school trip?",
             "what should I do if a parent sends me a friend request?",
             "can I follow a former pupil on instagram?",
             "who do I tell if I see something worrying online about a pupil?")
SCHOOLS = (1, 2, 3, 4, 5)  # the demo config's schools: telegram ids X001…X005, group -100X001
STAFF = (1, 2, 3, 4, 5)  # head, dsl, chair, alice, bob
NAMES = ("Head Teacher", "Dee Lead", "Chris Chair", "Alice Ames", "Bob Brown")
READY_WITHIN = 90.0
ANSWERED = (b"handled", b"ok")  # PolicyBot's and the echo bot's answer to a new update
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the traffic -------------------------------------------------------------------
@dataclass
class Traffic:
    """The updates to post, each with the destination its one reply goes to (see
    :func:`benchmarks.fast_bot_api.destination`)."""

    private_only: bool = False
    ids: Iterator[int] = field(default_factory=lambda: _UPDATE_IDS)

    def update(self, connection: int, sequence: int) -> tuple[dict[str, Any], str]:
        update_id = next(self.ids)
        school = SCHOOLS[(connection + sequence) % len(SCHOOLS)]
        staff = STAFF[(connection * 7 + sequence) % len(STAFF)]
        user = school * 1000 + staff
        question = QUESTIONS[(update_id + connection) % len(QUESTIONS)]
        kind = "private" if self.private_only else ("group", "private", "help", "group",
                                                    "private")[sequence % 5]
        if kind == "private":
            return message(update_id, user, NAMES[staff - 1], user, question), str(user)
        group = -1000000 - school * 1000 - 1  # the school's staff room
        text = "/help" if kind == "help" else f"/policy {question}"
        return (message(update_id, user, NAMES[staff - 1], group, text, thread=update_id),
                f"{group}:{update_id}")


def message(update_id: int, user: int, name: str, chat: int, text: str,
            thread: int | None = None) -> dict[str, Any]:
    first, _, last = name.partition(" ")
    chat_object: dict[str, Any] = ({"id": chat, "type": "private", "first_name": first}
                                   if chat > 0 else
                                   {"id": chat, "type": "supergroup", "title": "Staff room",
                                    "is_forum": True})
    body: dict[str, Any] = {"message_id": update_id, "date": int(time.time()),
                            "chat": chat_object, "text": text,
                            "from": {"id": user, "is_bot": False, "first_name": first,
                                     "last_name": last}}
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0,
                             "length": len(text.split(" ")[0])}]
    if thread is not None:
        body |= {"message_thread_id": thread, "is_topic_message": True}
    return {"update_id": update_id, "message": body}


# -- processes -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


@dataclass
class Process:
    """A child process listening on ``port``."""

    name: str
    process: asyncio.subprocess.Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def start(name: str, args: Sequence[str], env: dict[str, str], port: int,
                ready: str, log: Path) -> Process:
    """Start ``python args…``; return once ``GET ready`` answers 200."""
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, env=env, stdout=output, stderr=output)
    started = Process(name, process, port)
    deadline = time.monotonic() + READY_WITHIN
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if process.returncode is not None:
                raise RuntimeError(f"{name} exited ({process.returncode}); see {log}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                async with http.request("POST" if ready == "/take" else "GET",
                                        started.url + ready) as response:
                    if response.status == 200:
                        return started
            await asyncio.sleep(0.1)
    await started.stop()
    raise RuntimeError(f"{name} did not start within {READY_WITHIN:.0f} s; see {log}")


def base_env() -> dict[str, str]:
    own = ("POLICYBOT_", "TELEGRAM_", "SLACK_", "DATABASE_URL", "PORT")
    return {name: value for name, value in os.environ.items() if not name.startswith(own)}


async def start_fake(work: Path) -> Process:
    port = free_port()
    return await start("fake Bot API", ["-m", "benchmarks.fast_bot_api", "--port", str(port)],
                       base_env(), port, "/take", work / "fake.log")


async def start_echo(fake: Process, work: Path) -> Process:
    port = free_port()
    env = {**base_env(), "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    return await start("echo bot", ["-m", "benchmarks.echo_bot", "--port", str(port),
                                    "--api-url", f"{fake.url}/bot"],
                       env, port, "/healthz", work / "echo.log")


def policybot_env(fake: Process, data_dir: Path, key: str, database_url: str | None, *,
                  flood_control: bool = False) -> dict[str, str]:
    env = {**base_env(), "POLICYBOT_DATA_DIR": str(data_dir),
           "POLICYBOT_CONFIG": str(bundled_demo_config()), "POLICYBOT_DEMO": "1",
           "POLICYBOT_ENCRYPTION_KEY": key, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_URL": f"{fake.url}/bot", "TELEGRAM_WEBHOOK_SECRET": SECRET,
           "POLICYBOT_FLOOD_CONTROL": "true" if flood_control else "false",
           "POLICYBOT_LOG_LEVEL": "WARNING"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return env


async def start_policybot(env: dict[str, str], work: Path, number: int = 1) -> Process:
    port = free_port()
    return await start(f"policybot serve #{number}",
                       ["-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
                       env, port, "/healthz", work / f"policybot-{number}.log")


# -- one run ---------------------------------------------------------------------------
@dataclass
class Check:
    """Replies at the fake against the updates answered: every update answered once."""

    expected: int = 0
    answered: int = 0
    doubled: int = 0
    missing: int = 0

    @classmethod
    def of(cls, expected: Counter[str], got: dict[str, int]) -> Check:
        check = cls(expected=sum(expected.values()))
        for key in expected.keys() | got.keys():
            want, have = expected.get(key, 0), got.get(key, 0)
            check.answered += min(want, have)
            check.doubled += max(have - want, 0)
            check.missing += max(want - have, 0)
        return check

    @property
    def exact(self) -> bool:
        return self.doubled == 0 and self.missing == 0 and self.answered == self.expected

    def __str__(self) -> str:
        return f"{self.answered}/{self.expected}/{self.doubled}/{self.missing}"


@dataclass
class Run:
    bot: str
    connections: int
    updates: int
    failed: int
    seconds: float  # from the first update posted until the last reply arrived
    drain: float  # of which after the last webhook answer
    latencies: list[float]
    cpu: float
    check: Check

    @property
    def throughput(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


async def drain(http: aiohttp.ClientSession, fake: Process, expected: int,
                within: float) -> bool:
    """Poll the fake until ``expected`` messages arrived (or ``within`` seconds)."""
    deadline = time.monotonic() + within
    while True:
        async with http.get(f"{fake.url}/total") as response:
            if int(await response.text()) >= expected:
                return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)


async def run(bot: str, targets: Sequence[Process], fake: Process, traffic: Traffic,
              connections: int, *, seconds: float | None = None, count: int | None = None,
              drain_within: float = 60.0) -> Run:
    """Post updates closed loop on ``connections`` connections (round-robin over
    ``targets``) for ``seconds``, or ``count`` updates in all; wait for the replies."""
    latencies: list[float] = []
    expected: Counter[str] = Counter()
    failed = 0
    turn = itertools.count()
    posted = itertools.count()
    connector = aiohttp.TCPConnector(limit=connections * len(targets) + 4)
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.post(f"{fake.url}/take") as response:  # strays: the run before's late ones
            strays: dict[str, int] = await response.json()
        cpu_before = sum(t.cpu() for t in targets)
        started = time.monotonic()
        until = started + seconds if seconds is not None else float("inf")

        async def connection(number: int) -> None:
            nonlocal failed
            sequence = 0
            while time.monotonic() < until and (count is None or next(posted) < count):
                update, where = traffic.update(number, sequence)
                sequence += 1
                target = targets[next(turn) % len(targets)]
                sent = time.perf_counter()
                try:
                    async with http.post(f"{target.url}/telegram", json=update,
                                         headers={SECRET_HEADER: SECRET}) as response:
                        body = await response.read()
                        ok = response.status == 200 and body in ANSWERED
                except aiohttp.ClientError:
                    ok = False
                if ok:
                    latencies.append(time.perf_counter() - sent)
                    expected[where] += 1
                else:
                    failed += 1

        await asyncio.gather(*(connection(n) for n in range(connections)))
        answered_at = time.monotonic()
        await drain(http, fake, sum(expected.values()), drain_within)
        finished = time.monotonic()
        cpu = sum(t.cpu() for t in targets) - cpu_before
        async with http.post(f"{fake.url}/take") as response:
            got: dict[str, int] = await response.json()
    for key, value in strays.items():  # late arrivals from the run before: not this run's
        got[key] = got.get(key, 0) + value
    return Run(bot, connections, len(latencies), failed, finished - started,
               finished - answered_at, latencies, cpu, Check.of(expected, got))


# -- the report --------------------------------------------------------------------------
def percentile(values: Sequence[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


@dataclass
class Row:
    """One configuration at one connection level: its runs pooled."""

    config: str
    connections: int
    runs: list[Run]
    echo: list[Run]

    @staticmethod
    def _throughput(runs: Sequence[Run]) -> float:
        seconds = sum(r.seconds for r in runs)
        return sum(r.updates for r in runs) / seconds if seconds else 0.0

    @staticmethod
    def _cpu(runs: Sequence[Run]) -> float:
        updates = sum(r.updates for r in runs)
        return sum(r.cpu for r in runs) / updates if updates else 0.0

    @property
    def throughput(self) -> float:
        return self._throughput(self.runs)

    @property
    def cpu(self) -> float:
        return self._cpu(self.runs)

    @property
    def latencies(self) -> list[float]:
        return [x for r in self.runs for x in r.latencies]

    @property
    def check(self) -> Check:
        total = Check()
        for r in self.runs:
            total.expected += r.check.expected
            total.answered += r.check.answered
            total.doubled += r.check.doubled
            total.missing += r.check.missing
        return total

    def ratio(self) -> tuple[float, float] | None:
        """Throughput and CPU per update as a multiple of the echo bot's beside it."""
        if not self.echo:
            return None
        echo_throughput, echo_cpu = self._throughput(self.echo), self._cpu(self.echo)
        return (self.throughput / echo_throughput if echo_throughput else 0.0,
                self.cpu / echo_cpu if echo_cpu else 0.0)


HEADER = (f"{'configuration':<28} {'conns':>5} {'updates/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'CPU ms/upd':>10} {'× echo thr':>10} {'× echo CPU':>10}  "
          f"answered/expected/doubled/missing")


def line(row: Row) -> str:
    latencies = row.latencies
    ratio = row.ratio()
    return (f"{row.config:<28} {row.connections:>5} {row.throughput:>9.1f} "
            f"{percentile(latencies, 0.5) * 1000:>7.1f} {percentile(latencies, 0.99) * 1000:>7.1f} "
            f"{row.cpu * 1000:>10.2f} "
            f"{f'{ratio[0]:.2f}' if ratio else '':>10} {f'{ratio[1]:.2f}' if ratio else '':>10}  "
            f"{row.check}")


def describe(run_: Run) -> str:
    return (f"  {run_.bot:<24} {run_.connections:>3} conns: {run_.updates} updates "
            f"({run_.failed} failed) in {run_.seconds:.2f} s (drain {run_.drain:.2f} s), "
            f"{run_.throughput:.1f}/s, p99 {percentile(run_.latencies, 0.99) * 1000:.1f} ms, "
            f"CPU {run_.cpu:.2f} s; answered/expected/doubled/missing {run_.check}")


# -- the benchmark ------------------------------------------------------------------------
@dataclass
class Plan:
    seconds: float = 8.0
    rounds: int = 2
    connections: tuple[int, ...] = CONNECTIONS
    flood_updates: int = 480
    flood_connections: int = 8


QUICK = Plan(seconds=2.0, rounds=1, flood_updates=160)


@contextlib.asynccontextmanager
async def postgres_schema(base: str) -> AsyncIterator[str]:
    from tests.support import databases  # a benchmark's helper, like kill_stress's
    url = await asyncio.to_thread(databases.create_postgres_schema, base, "load")
    try:
        yield url
    finally:
        await asyncio.to_thread(databases.drop_postgres_schema, base, url)


async def compare(config: str, policybot: Sequence[Process], echo: Process, fake: Process,
                  plan: Plan, rows: list[Row]) -> None:
    """Interleaved runs at each connection level: echo, PolicyBot, echo, PolicyBot…"""
    traffic = Traffic()
    for connections in plan.connections:
        row = Row(config, connections, [], [])
        for _ in range(plan.rounds):
            for bot, targets, into in (("echo bot", [echo], row.echo),
                                       (config, policybot, row.runs)):
                done = await run(bot, targets, fake, traffic, connections,
                                 seconds=plan.seconds)
                print(describe(done), flush=True)
                into.append(done)
        rows.append(row)
        echo_row = Row(f"  echo bot (beside {config})", connections, row.echo, [])
        rows.append(echo_row)


async def benchmark(database: str | None, plan: Plan) -> int:
    work = Path(tempfile.mkdtemp(prefix="load-"))
    key = Cipher.generate_key()
    rows: list[Row] = []
    fake = await start_fake(work)
    echo = await start_echo(fake, work)
    print(f"load benchmark: logs in {work}; cores: {os.cpu_count()}", flush=True)
    try:
        bot = await start_policybot(policybot_env(fake, work / "sqlite", key, None), work)
        try:
            await compare("PolicyBot, SQLite", [bot], echo, fake, plan, rows)
        finally:
            await bot.stop()
        flood_env = policybot_env(fake, work / "sqlite-flood", key, None, flood_control=True)
        bot = await start_policybot(flood_env, work, 9)
        try:
            flood = await run("PolicyBot, SQLite, flood control on", [bot], fake,
                              Traffic(private_only=True), plan.flood_connections,
                              count=plan.flood_updates, drain_within=120)
            print(describe(flood), flush=True)
        finally:
            await bot.stop()
        rows.append(Row("PolicyBot, SQLite, flood on*", plan.flood_connections, [flood], []))
        if database is not None:
            async with postgres_schema(database) as url:
                env = policybot_env(fake, work / "pg", key, url)
                bot = await start_policybot(env, work, 2)
                try:
                    await compare("PolicyBot, PostgreSQL", [bot], echo, fake, plan, rows)
                finally:
                    await bot.stop()
                workers = [await start_policybot(env, work, 3),
                           await start_policybot(env, work, 4)]
                try:
                    await compare("PolicyBot, PG, 2 workers", workers, echo, fake, plan, rows)
                finally:
                    for worker in workers:
                        await worker.stop()
    finally:
        await echo.stop()
        await fake.stop()
    print()
    print(HEADER)
    for row in rows:
        print(line(row))
    print("* flood control on (POLICYBOT_FLOOD_CONTROL=true): private chats only, "
          f"{plan.flood_updates} updates; p99 is the webhook's answer")
    return 0 if all(row.check.exact for row in rows) else 1


def main() -> None:
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="a PostgreSQL server: the benchmark uses a fresh schema in it")
    parser.add_argument("--quick", action="store_true", help="a ~1 minute smoke run")
    args = parser.parse_args()
    sys.exit(asyncio.run(benchmark(args.database_url, QUICK if args.quick else Plan())))


if __name__ == "__main__":
    main()
