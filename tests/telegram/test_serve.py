"""``policybot serve`` as a real process, stopped the way Docker stops it (SIGTERM): it
stops accepting connections, sends the reply still in flight, then exits cleanly."""

from __future__ import annotations

import asyncio
import signal
import sys

import aiohttp
import pytest
from sqlmodel import select

from bot.app import App
from bot.platforms.telegram import SECRET_HEADER
from bot.settings import Settings
from storage.update_models import ProcessedUpdate
from tests.support.fake_telegram import TOKEN, FakeTelegram, Updates
from tests.support.processes import LISTENING, Log, policybot_env
from tests.telegram.conftest import ALICE, SECRET, STAFF_ROOM


async def test_policybot_serve_sends_the_reply_in_flight_before_it_stops_on_sigterm(
    telegram_settings: Settings, telegram_app: App, fake: FakeTelegram, updates: Updates,
) -> None:
    env = policybot_env(telegram_settings, TELEGRAM_BOT_TOKEN=TOKEN,
                        TELEGRAM_API_URL=fake.api_url, TELEGRAM_WEBHOOK_SECRET=SECRET)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", "0", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    log = Log(process.stderr)
    try:
        url = f"http://127.0.0.1:{(await log.wait_for(LISTENING))[1]}"
        replied = fake.hold("sendMessage")  # the reply stays in flight until we let it go
        update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
        async with aiohttp.ClientSession() as telegram:
            response = await telegram.post(f"{url}/telegram", json=update,
                                           headers={SECRET_HEADER: SECRET})
            # answered once committed, before the reply has gone out
            assert (response.status, await response.text()) == (200, "handled")
            await fake.wait_for("sendMessage", chat_id=STAFF_ROOM)  # the reply, in flight
            process.send_signal(signal.SIGTERM)
            await log.wait_for("stopping: no new connections")
            async with aiohttp.ClientSession() as newcomer:
                with pytest.raises(aiohttp.ClientConnectionError):
                    await newcomer.get(f"{url}/healthz")
            replied.set()
        await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = await log.rest()
    assert process.returncode == 0, output
    assert "PolicyBot stopped" in output
    assert "Traceback" not in output
    [reply] = fake.sent(STAFF_ROOM)
    assert reply.text.startswith("You are Alice Ames (staff)")
    async with telegram_app.services.db.session() as session:
        [claim] = await session.exec(select(ProcessedUpdate))
    assert claim.update_key.endswith(f":{update['update_id']}")
