"""``policybot serve`` starting as a real process: a webhook Telegram refuses is one clear
line and exit 2, no traceback; without a platform token it says so and still answers
/healthz on the port PORT names, where the Dockerfile's HEALTHCHECK looks for it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.settings import Settings
from tests.support.fake_telegram import TOKEN, Failure, FakeTelegram
from tests.support.processes import policybot_env
from tests.support.serving import serving
from tests.telegram.conftest import SECRET

DOCKERFILE = Path(__file__).parents[2] / "Dockerfile"
REFUSAL = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # not about the database
async def test_a_webhook_telegram_refuses_is_one_line_and_no_traceback(
    telegram_settings: Settings, fake: FakeTelegram,
) -> None:
    fake.fail_next("setWebhook", Failure(400, REFUSAL))
    env = policybot_env(telegram_settings, TELEGRAM_BOT_TOKEN=TOKEN,
                        TELEGRAM_API_URL=fake.api_url, TELEGRAM_WEBHOOK_SECRET=SECRET,
                        TELEGRAM_WEBHOOK_URL="http://policybot.example/telegram")
    async with serving(env, "--port", "0", listening=False) as served:
        await asyncio.wait_for(served.process.wait(), 60)
        log = await served.stop()
    assert served.process.returncode == 2, log
    assert log.splitlines()[-1] == (  # Telegram's refusal, as python-telegram-bot words it
        "Telegram refused the webhook (TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET): Bad "
        "webhook: an https url must be provided for webhook")
    assert "Traceback" not in log
    assert TOKEN not in log


def healthcheck_command() -> list[str]:
    """The Dockerfile's HEALTHCHECK, as Docker would run it (exec form)."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    found = re.search(r"^HEALTHCHECK .*?CMD (\[.*\])$", text, re.MULTILINE)
    assert found is not None
    command: list[str] = json.loads(found[1])
    return [sys.executable if command[0] == "python" else command[0], *command[1:]]


async def run_healthcheck(port: str) -> int:
    process = await asyncio.create_subprocess_exec(
        *healthcheck_command(), env={**os.environ, "PORT": port},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    return await asyncio.wait_for(process.wait(), 30)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_without_a_token_serve_warns_and_answers_health_on_port(
    settings: Settings,
) -> None:
    env = policybot_env(settings, PORT="0")
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
        env.pop(name, None)
    async with serving(env) as served, aiohttp.ClientSession() as http:
        port = served.url.rsplit(":", 1)[1]
        async with http.get(f"{served.url}/healthz") as response:
            assert (response.status, await response.json()) == (200, {"status": "ok"})
        assert await run_healthcheck(port) == 0  # the image's check finds it on PORT
        log = await served.stop()
    assert await run_healthcheck(port) != 0  # and fails once it is gone
    assert served.process.returncode == 0, log
    assert "WARNING bot.startup: No platform token is set (TELEGRAM_BOT_TOKEN, " \
           "SLACK_BOT_TOKEN): serving /healthz only" in log
    [starting] = [line for line in log.splitlines() if "starting: config" in line]
    assert re.search(r"INFO bot\.server: PolicyBot \S+ starting: config \S+demo_schools\.yaml "
                     r"\(5 schools: st-lukes, croughton, lancastrian, sharp-lane, "
                     r"marston-montgomery\), database SQLite, platforms: none$",
                     starting)


def test_the_image_listens_and_checks_health_on_one_setting() -> None:
    text = DOCKERFILE.read_text()
    assert "PORT=8080" in text
    assert "--port" not in text.split("\nCMD ")[-1]  # serve reads PORT
    assert "os.environ.get('PORT', '8080')" in " ".join(healthcheck_command())
    assert re.search(r"^USER 10001$", text, re.MULTILINE)
