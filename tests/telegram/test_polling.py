"""Polling mode: ``policybot run`` long-polls getUpdates (after removing any webhook),
in-process and as a real process stopped the way Docker stops it. An update is
acknowledged to Telegram only once handled, so none is lost to a crash or a failure."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import sys

import pytest
import typer
from pydantic import SecretStr

from bot.app import App
from bot.platforms.telegram import TelegramAdapter
from bot.runner import run_polling
from bot.settings import Settings
from tests.support.fake_telegram import TOKEN, FakeTelegram, Updates
from tests.support.processes import policybot_env
from tests.telegram.conftest import ALICE, HEAD, STAFF_ROOM, Sleeps, fail_to_identify_once

DETAILS = "A pupil messaged me on Instagram."


async def test_polling_handles_updates_in_order_and_delivers_the_outbox(
    telegram_app: App, fake: FakeTelegram, updates: Updates, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)  # what `policybot run` logs at
    stop = asyncio.Event()
    running = asyncio.create_task(run_polling(telegram_app, stop))
    try:
        await fake.wait_for("getUpdates")
        assert fake.calls_to("deleteWebhook")  # polling and a webhook can't coexist
        for text in ("/whoami", "/tflow"):
            await fake.queue_update(updates.message(user=ALICE, chat=STAFF_ROOM, text=text))
        await fake.queue_update(updates.press(user=ALICE, chat=ALICE, data="tflow:kind:other"))
        await fake.queue_update(updates.message(user=ALICE, chat=ALICE, text=DETAILS))
        [notice] = await fake.wait_for("sendMessage", chat_id=HEAD)
    finally:
        stop.set()
        await running
    assert notice.text == f"New report from Alice Ames (other): {DETAILS}"
    assert [c.text.split(" ")[0] for c in fake.sent(STAFF_ROOM)] == ["You", "I've"]
    assert fake.calls_to("getUpdates")[0].json("allowed_updates") == ["message",
                                                                      "callback_query"]
    assert TOKEN not in caplog.text  # httpx would log each Bot API URL, token and all


async def test_a_rejected_token_stops_the_bot_without_quoting_the_token(
    telegram_app: App, capsys: pytest.CaptureFixture[str],
) -> None:
    wrong = "999:WRONG-token-value"
    settings = telegram_app.settings.model_copy(update={"telegram_bot_token": SecretStr(wrong)})
    with pytest.raises(typer.Exit):
        await run_polling(dataclasses.replace(telegram_app, settings=settings), asyncio.Event())
    err = capsys.readouterr().err
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in err
    assert wrong not in err


async def test_policybot_run_polls_and_stops_cleanly_on_sigterm(
    telegram_settings: Settings, fake: FakeTelegram, updates: Updates,
) -> None:
    env = policybot_env(telegram_settings, TELEGRAM_BOT_TOKEN=TOKEN,
                        TELEGRAM_API_URL=fake.api_url)
    await fake.queue_update(updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami"))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        [reply] = await fake.wait_for("sendMessage", chat_id=STAFF_ROOM, within=60)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert reply.text.startswith("You are Alice Ames (staff)")
    assert process.returncode == 0, stderr.decode()


def _offsets(fake: FakeTelegram) -> list[int | None]:
    return [int(c.params["offset"]) if "offset" in c.params else None
            for c in fake.calls_to("getUpdates")]


async def test_an_update_is_acknowledged_only_once_handled(
    adapter: TelegramAdapter, fake: FakeTelegram, updates: Updates,
) -> None:
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    replied = fake.hold("sendMessage")
    await fake.queue_update(update)
    killed = asyncio.create_task(adapter.receive(asyncio.Event()))
    await fake.wait_for("sendMessage", chat_id=STAFF_ROOM)  # committed, the reply in flight…
    killed.cancel()  # …the poller stops
    await asyncio.gather(killed, return_exceptions=True)
    assert all(o is None or o <= update["update_id"] for o in _offsets(fake))
    replied.set()

    stop = asyncio.Event()
    restarted = asyncio.create_task(adapter.receive(stop))  # Telegram hands it over again
    try:
        await fake.wait_for("getUpdates", count=len(fake.calls_to("getUpdates")) + 2)
    finally:
        stop.set()
        await restarted
    assert _offsets(fake)[-1] == update["update_id"] + 1  # acknowledged, at the latest on stop
    # handled once: the redelivery changed nothing; the interrupted reply was given back
    # to the outbox, which sends it again (the one in flight may have arrived too)
    assert (await adapter.pipeline.deliverer.deliver_due()).sent == 1
    assert len(fake.calls_to("sendMessage", STAFF_ROOM)) == 2


async def test_a_polled_update_that_failed_is_fetched_and_handled_again(
    adapter: TelegramAdapter, fake: FakeTelegram, updates: Updates, sleeps: Sleeps,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fail_to_identify_once(monkeypatch, RuntimeError("the database went away"))
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    await fake.queue_update(update)
    stop = asyncio.Event()
    polling = asyncio.create_task(adapter.receive(stop))
    try:
        [reply] = await fake.wait_for("sendMessage", chat_id=STAFF_ROOM)
    finally:
        stop.set()
        await polling
    assert reply.text.startswith("You are Alice Ames (staff)")
    assert _offsets(fake)[:2] == [None, None]  # fetched again from the same place
    assert sleeps.waits == [2.0]  # after a pause
