"""Telegram fixtures: the fake Bot API server, an app wired to it (with the test-only
feature), the adapter, and the webhook endpoint served over real HTTP."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import App
from bot.platforms.telegram import SECRET_HEADER, TelegramAdapter, build_bot
from bot.server import make_web_app
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
    """Telegram's side of ``POST /telegram``. The webhook is answered before the replies
    go out; ``settle`` (the adapter's) waits for them, so a test reads what was sent."""

    def __init__(self, client: TestClient[Any, Any],
                 settle: Callable[[], Awaitable[None]] | None = None) -> None:
        self.client = client
        self.settle = settle

    async def post(self, update: dict[str, Any], *, secret: str | None = SECRET) -> int:
        headers = {} if secret is None else {SECRET_HEADER: secret}
        response = await self.client.post("/telegram", json=update, headers=headers)
        await response.read()
        if self.settle is not None:
            await self.settle()
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
    await adapter.close()


@pytest.fixture
async def webhook(telegram_app: App, adapter: TelegramAdapter) -> AsyncIterator[Webhook]:
    server = TestServer(make_web_app(telegram_app, [adapter]), host="127.0.0.1")
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    yield Webhook(client, adapter.settled)
    await client.close()


def fail_to_identify_once(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """The next update's identification fails with ``error`` (a database outage, say);
    later ones work: for tests of what happens to a failed update."""
    from handlers.identity import identify

    failures = [error]

    async def flaky(**kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await identify(**kwargs)

    monkeypatch.setattr("bot.inbound.identify", flaky)
