"""Telegram fixtures: the fake Bot API server, an app wired to it (with the test-only
feature), the adapter, and the webhook endpoint served over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import App
from bot.platforms.telegram import TelegramAdapter, build_bot
from bot.server import TELEGRAM_SECRET_HEADER, make_web_app
from bot.settings import Settings
from handlers import basic
from handlers.router import Router
from tests.support.fake_telegram import TOKEN, FakeTelegram, Updates
from tests.telegram import feature

SECRET = "webhook-secret-for-tests"
# Croughton in the demo config: people's Telegram ids are their private chats' ids.
HEAD, DSL, ALICE, BOB, PAT = 2001, 2002, 2004, 2005, 2006
STAFF_ROOM, PTA = -1002001, -1002002
STRANGER, STRANGE_GROUP = 777777, -100777777


class Sleeps:
    """Stands in for asyncio.sleep: records each wait asked for, without waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Webhook:
    """Telegram's side of ``POST /telegram``."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    async def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> int:
        headers = {} if secret is None else {TELEGRAM_SECRET_HEADER: secret}
        response = await self.client.post("/telegram", json=update, headers=headers)
        await response.read()
        return response.status


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def updates() -> Updates:
    return Updates()


@pytest.fixture
def telegram_settings(settings: Settings, fake: FakeTelegram) -> Settings:
    return settings.model_copy(update={
        "telegram_bot_token": SecretStr(TOKEN), "telegram_api_url": fake.api_url,
        "telegram_webhook_secret": SecretStr(SECRET)})


@pytest.fixture
def telegram_app(app: App, telegram_settings: Settings) -> App:
    router = Router()  # /help, /whoami, /start and the test feature, nothing in progress
    basic.register(router)
    feature.register(router)
    return dataclasses.replace(app, settings=telegram_settings, router=router)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def adapter(telegram_app: App, sleeps: Sleeps) -> AsyncIterator[TelegramAdapter]:
    adapter = TelegramAdapter(telegram_app, build_bot(telegram_app.settings), sleep=sleeps)
    await adapter.start()
    yield adapter
    await adapter.stop()


@pytest.fixture
async def webhook(telegram_app: App, adapter: TelegramAdapter) -> AsyncIterator[Webhook]:
    server = TestServer(make_web_app(telegram_app, telegram=adapter), host="127.0.0.1")
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    yield Webhook(client)
    await client.close()


def fail_to_event_once(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """The next update's translation into an event fails with ``error`` (a database
    outage, say); later ones work: for tests of what happens to a failed update."""
    from bot.platforms.telegram_events import to_event

    failures = [error]

    async def flaky(*args: object, **kwargs: object) -> object:
        if failures:
            raise failures.pop()
        return await to_event(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("bot.platforms.telegram.to_event", flaky)
