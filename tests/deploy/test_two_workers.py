"""The README's production set-up without Docker, for real: on a fresh PostgreSQL schema,
``policybot db upgrade`` once, two ``policybot serve`` workers, and Caddy with the
repository's deploy/Caddyfile in front of them (what docker-compose.yml runs, as plain
processes). Both workers answer /healthz, directly and through the proxy; Telegram
updates posted to the proxy are shared round-robin and each is answered once, and both
workers serve Slack too; one update delivered to both workers at once is handled once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from bot.platforms.telegram import SECRET_HEADER
from bot.settings import bundled_demo_config
from storage.db import sync_url
from tests.conftest import TEST_KEY
from tests.deploy.proxy import caddy
from tests.support import databases
from tests.support.fake_slack import BOT_TOKEN, FakeSlack
from tests.support.fake_telegram import TOKEN, FakeTelegram, Updates
from tests.support.serving import Serving, serving
from tests.support.slack_requests import SIGNING_SECRET, SlackRequests
from tests.telegram.conftest import ALICE, SECRET, STAFF_ROOM

pytestmark = pytest.mark.postgres
THROUGH_THE_PROXY = 6  # Telegram updates
SLACK_COMMANDS = 2


@pytest.fixture
def fresh_postgres(worker_id: str) -> Iterator[str]:
    """A new, empty schema: nothing migrated yet."""
    base = databases.postgres_url()
    if base is None:
        pytest.skip(databases.PG_SKIP_REASON)
    url = databases.create_postgres_schema(base, f"deploy_{worker_id}", migrate=False)
    yield url
    databases.drop_postgres_schema(base, url)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


def worker_env(database_url: str, fake: FakeTelegram, slack: FakeSlack,
               data_dir: Path) -> dict[str, str]:
    """What an admin's policybot.env would hold, here: this machine's environment less
    anything PolicyBot would pick up, then the test's database, key and fake Telegram."""
    own = ("POLICYBOT_", "TELEGRAM_", "SLACK_", "DATABASE_URL", "PORT")
    return {**{name: value for name, value in os.environ.items() if not name.startswith(own)},
            "DATABASE_URL": database_url,
            "POLICYBOT_DATA_DIR": str(data_dir), "POLICYBOT_CONFIG": str(bundled_demo_config()),
            "POLICYBOT_ENCRYPTION_KEY": TEST_KEY, "POLICYBOT_DEMO": "1",
            "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.api_url,
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack.api_url}


async def upgrade(env: dict[str, str]) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "upgrade", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def post(session: aiohttp.ClientSession, url: str, update: dict[str, Any]) -> str:
    async with session.post(url, json=update, headers={SECRET_HEADER: SECRET}) as response:
        assert response.status == 200, await response.text()
        return await response.text()


async def handled(worker: Serving, platform: str = "telegram") -> dict[str, float]:
    """The worker's own count of a platform's updates, by outcome (from GET /metrics)."""
    async with aiohttp.ClientSession() as session, session.get(f"{worker.url}/metrics") as got:
        families = text_string_to_metric_families(await got.text())
    counts: dict[str, float] = {}
    for family in families:
        for sample in family.samples:
            if sample.name == "policybot_updates_total" and sample.labels["platform"] == platform:
                outcome = sample.labels["outcome"]
                counts[outcome] = counts.get(outcome, 0) + sample.value
    return counts


def database_counts(url: str) -> tuple[int, int, int]:
    """Updates recorded as handled; replies queued in the outbox (addressed to a platform,
    unlike the demo schools' reminders); of those, not sent."""
    engine = create_engine(sync_url(url))
    with engine.connect() as connection:
        claims = connection.execute(text("SELECT count(*) FROM processed_updates")).scalar_one()
        replies = "FROM outbox WHERE platform IS NOT NULL"
        queued = connection.execute(text(f"SELECT count(*) {replies}")).scalar_one()
        unsent = connection.execute(
            text(f"SELECT count(*) {replies} AND status <> 'sent'")).scalar_one()
    engine.dispose()
    return claims, queued, unsent


@contextlib.asynccontextmanager
async def two_workers(env: dict[str, str], tmp_path: Path) -> AsyncIterator[list[Serving]]:
    async with contextlib.AsyncExitStack() as stack:
        workers = [await stack.enter_async_context(serving(
            {**env, "POLICYBOT_DATA_DIR": str(tmp_path / f"worker-{n}")}, "--port", "0"))
            for n in (1, 2)]
        yield workers


async def test_migrate_once_then_two_workers_behind_the_proxy_answer_each_update_once(
    fresh_postgres: str, fake: FakeTelegram, slack: FakeSlack, tmp_path: Path,
) -> None:
    env = worker_env(fresh_postgres, fake, slack, tmp_path / "migrate")
    assert "Created the database" in await upgrade(env)
    updates = Updates()
    async with two_workers(env, tmp_path) as workers:
        upstreams = [worker.url.removeprefix("http://") for worker in workers]
        async with aiohttp.ClientSession() as direct:
            for worker in workers:
                async with direct.get(f"{worker.url}/healthz") as health:
                    assert (health.status, await health.json()) == (200, {"status": "ok"})
        async with caddy(tmp_path / "caddy", upstreams) as socket, aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=str(socket))) as proxy:
            async with proxy.get("http://policybot/healthz") as health:
                assert (health.status, await health.json()) == (200, {"status": "ok"})
            for _ in range(THROUGH_THE_PROXY):
                update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
                assert await post(proxy, "http://policybot/telegram", update) == "handled"
            requests = SlackRequests(response_base=slack.response_base,
                                     on_trigger=slack.allow_trigger)
            for _ in workers:  # Slack as well: one command to each worker
                signed = requests.command("/whoami", user="U2ALICE", channel="C2STAFF").signed()
                async with proxy.post("http://policybot/slack/events", data=signed.data,
                                      headers=signed.headers) as response:
                    assert response.status == 200, await response.text()
        await fake.wait_for("sendMessage", chat_id=STAFF_ROOM, count=THROUGH_THE_PROXY)
        shares = [await handled(worker) for worker in workers]
        assert [share.get("handled") for share in shares] == [THROUGH_THE_PROXY / 2] * 2
        assert [await handled(worker, "slack") for worker in workers] == [{"handled": 1}] * 2
        whoami = await slack.wait_for("chat.postEphemeral", count=SLACK_COMMANDS, timeout=30)
        assert all(call.text.startswith("You are Alice Ames (staff)") for call in whoami)

        twice = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
        async with aiohttp.ClientSession() as telegram:
            answers = await asyncio.gather(
                *(post(telegram, f"{worker.url}/telegram", twice) for worker in workers))
        assert sorted(answers) == ["duplicate", "handled"]
        await fake.wait_for("sendMessage", chat_id=STAFF_ROOM, count=THROUGH_THE_PROXY + 1)
        outcomes = [await handled(worker) for worker in workers]
        assert sum(o.get("handled", 0) for o in outcomes) == THROUGH_THE_PROXY + 1
        assert sum(o.get("duplicate", 0) for o in outcomes) == 1
        for worker in workers:
            log = await worker.stop()  # SIGTERM: each sends what it holds, then exits
            assert worker.process.returncode == 0, log
            assert "Traceback" not in log
    # every reply queued was sent, and sent once
    everything = THROUGH_THE_PROXY + 1 + SLACK_COMMANDS
    assert database_counts(fresh_postgres) == (everything, everything, 0)
    assert len(fake.sent(STAFF_ROOM)) == THROUGH_THE_PROXY + 1
    assert all(call.text.startswith("You are Alice Ames (staff)")
               for call in fake.sent(STAFF_ROOM))
