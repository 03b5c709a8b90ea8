"""``POST /telegram``: only Telegram (which knows the secret) gets in; each update once."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
import typer
from sqlmodel import select

from bot.app import App
from bot.platforms.telegram import PLUGIN, SECRET_HEADER, TelegramAdapter
from bot.runner import refuse_problems
from bot.server import serve_forever
from bot.settings import Settings
from storage.update_models import ProcessedUpdate
from tests.support.fake_telegram import FakeTelegram, Updates
from tests.telegram.conftest import ALICE, SECRET, STAFF_ROOM, Webhook


async def _processed(app: App) -> list[ProcessedUpdate]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(ProcessedUpdate)))


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
async def test_a_forged_or_missing_secret_is_refused_and_nothing_is_processed(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
    secret: str | None,
) -> None:
    before = len(fake.calls)
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/help")
    assert await webhook.post(update, secret=secret) == 403
    assert len(fake.calls) == before
    assert await _processed(telegram_app) == []
    assert await webhook.post(update) == 200  # the real one is still handled
    assert len(fake.sent(STAFF_ROOM)) == 1


async def test_an_update_delivered_twice_is_handled_once(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
) -> None:
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    assert await webhook.post(update) == 200
    assert await webhook.post(update) == 200  # Telegram retried: acknowledged, not redone
    assert len(fake.sent(STAFF_ROOM)) == 1
    assert [(p.platform, p.update_key) for p in await _processed(telegram_app)] == [
        ("telegram", f"{fake.me()['id']}:{update['update_id']}")]


async def test_the_same_update_arriving_at_once_is_handled_once(
    webhook: Webhook, updates: Updates, fake: FakeTelegram,
) -> None:
    update = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    statuses = await asyncio.gather(*(webhook.post(update) for _ in range(4)))
    # one handles it; the others wait for it to commit, then find it done
    assert statuses == [200] * 4
    assert len(fake.sent(STAFF_ROOM)) == 1


async def test_a_body_that_is_not_an_update_is_refused(webhook: Webhook) -> None:
    json_type = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    response = await webhook.client.post("/telegram", data=b"{not json", headers=json_type)
    assert response.status == 400
    response = await webhook.client.post("/telegram", json=[1, 2],
                                         headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    response = await webhook.client.post("/telegram", data=b"update_id=1",
                                         headers={SECRET_HEADER: SECRET})
    assert response.status == 415


async def test_health_is_served_beside_the_webhook(webhook: Webhook) -> None:
    response = await webhook.client.get("/healthz")
    assert (response.status, await response.json()) == (200, {"status": "ok"})


async def test_updates_the_bot_does_not_act_on_are_ignored(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
) -> None:
    sticker = updates.message(user=ALICE, chat=STAFF_ROOM, text="x")
    del sticker["message"]["text"]
    sticker["message"]["sticker"] = {"file_id": "s", "file_unique_id": "s", "type": "regular",
                                     "width": 1, "height": 1, "is_animated": False,
                                     "is_video": False}
    edited = updates.message(user=ALICE, chat=STAFF_ROOM, text="/help")
    edited["edited_message"] = edited.pop("message")
    assert [await webhook.post(sticker), await webhook.post(edited)] == [200, 200]
    assert fake.sent() == []
    assert await _processed(telegram_app) == []


async def test_serve_refuses_a_webhook_without_a_secret(telegram_settings: Settings) -> None:
    assert PLUGIN.problems(telegram_settings, serving=True) == []
    unguarded = telegram_settings.model_copy(update={"telegram_webhook_secret": None})
    assert PLUGIN.problems(unguarded, serving=False) == []  # polling needs no secret
    [problem] = PLUGIN.problems(unguarded, serving=True)
    assert problem.startswith("TELEGRAM_WEBHOOK_SECRET must be set")
    with pytest.raises(typer.Exit):
        refuse_problems([PLUGIN], unguarded, serving=True)


async def test_the_webhook_is_registered_with_its_secret(
    adapter: TelegramAdapter, fake: FakeTelegram,
) -> None:
    adapter.app = dataclasses.replace(adapter.app, settings=adapter.app.settings.model_copy(
        update={"telegram_webhook_url": "https://bot.example.org/telegram"}))
    await adapter.serving()
    [registered] = fake.calls_to("setWebhook")
    assert registered.params["url"] == "https://bot.example.org/telegram"
    assert registered.params["secret_token"] == SECRET
    assert registered.json("allowed_updates") == ["message", "callback_query"]


async def test_serve_starts_registers_its_webhook_and_stops(
    telegram_settings: Settings, fake: FakeTelegram,
) -> None:
    url = "https://policybot.example.org/telegram"
    settings = telegram_settings.model_copy(update={"telegram_webhook_url": url})
    stop = asyncio.Event()
    serving = asyncio.create_task(serve_forever(settings, host="127.0.0.1", port=0, stop=stop))
    try:
        [registered] = await fake.wait_for("setWebhook", within=60)
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
    assert (registered.params["url"], registered.params["secret_token"]) == (url, SECRET)
    assert len(fake.calls_to("setMyCommands")) == 2
