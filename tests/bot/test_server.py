"""The HTTP server without platform tokens: health answers, platform endpoints say why
they can't serve, over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.runner import started_platforms
from bot.server import make_web_app

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def client(app: App) -> AsyncIterator[Client]:
    async with TestClient(TestServer(make_web_app(app))) as http:
        yield http


async def test_health_answers_when_the_database_does(client: Client) -> None:
    response = await client.get("/healthz")
    assert (response.status, await response.json()) == (200, {"status": "ok"})


@pytest.mark.parametrize(("path", "reason"), [
    ("/telegram", "Telegram is not configured here"),
    ("/slack/events", "Slack is not configured here: set SLACK_BOT_TOKEN"),
])
async def test_unconfigured_platform_endpoints_say_so(
    client: Client, path: str, reason: str,
) -> None:
    response = await client.post(path, json={"update_id": 1})
    assert response.status == 503
    assert reason in (await response.json())["error"]


async def test_with_no_platform_nothing_is_queued_that_could_never_be_sent(app: App) -> None:
    async with started_platforms(app, serving=True) as platforms:
        assert platforms.running == ()
        assert platforms.reminders is None  # no reminder schedule, so no reminders queued
        assert platforms.pump is None
