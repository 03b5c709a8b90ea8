"""Slack fixtures: the fake Slack (Web API, upload URLs, response URLs, Socket Mode),
a request builder whose response URLs and trigger ids belong to it, a real slack_sdk
client pointed at it, and the whole bot (real router) with its Slack adapter serving
``POST /slack/events`` over real HTTP."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.platforms.slack import SlackAdapter, workspaces
from bot.server import make_web_app
from bot.settings import Settings
from tests.support.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.support.slack_requests import SIGNING_SECRET, SignedRequest, SlackRequests

# Croughton in the demo config
ALICE, BOB, HEAD, DSL, PAT = "U2ALICE", "U2BOB", "U2HEAD", "U2DSL", "U2PAT"
STAFF_ROOM, PTA = "C2STAFF", "C2PTA"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        yield server


@pytest.fixture
def requests(fake: FakeSlack) -> SlackRequests:
    return SlackRequests(response_base=fake.response_base, on_trigger=fake.allow_trigger)


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)


class Endpoint:
    """Slack's side of ``POST /slack/events``; each post waits for the replies the
    request caused to be sent (they go out after the acknowledgement)."""

    def __init__(self, client: TestClient[Any, Any], adapter: SlackAdapter) -> None:
        self.client = client
        self.adapter = adapter

    async def post(self, signed: SignedRequest) -> tuple[int, str]:
        response = await self.client.post("/slack/events", data=signed.data,
                                          headers=signed.headers)
        text = await response.text()
        await self.adapter.settled()
        return response.status, text

    async def ack(self, signed: SignedRequest) -> dict[str, Any]:
        status, text = await self.post(signed)
        assert status == 200, text
        return json.loads(text) if text else {}

    async def deliver(self) -> int:
        """One outbox pass over Slack (what the delivery loop does): how many sent."""
        return (await self.adapter.pipeline.deliverer.deliver_due()).sent


@pytest.fixture
def slack_settings(settings: Settings, fake: FakeSlack) -> Settings:
    return settings.model_copy(update={
        "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(
            SIGNING_SECRET), "slack_app_token": SecretStr(APP_TOKEN),
        "slack_api_url": fake.api_url})


@pytest.fixture
def slack_app(app: App, slack_settings: Settings) -> App:
    return dataclasses.replace(app, settings=slack_settings)  # the real router


@pytest.fixture
async def adapter(slack_app: App) -> AsyncIterator[SlackAdapter]:
    started = SlackAdapter(slack_app, workspaces(slack_app.settings))
    await started.start()
    yield started
    await started.close()


@pytest.fixture
async def endpoint(slack_app: App, adapter: SlackAdapter) -> AsyncIterator[Endpoint]:
    server = TestServer(make_web_app(slack_app, [adapter]), host="127.0.0.1")
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    yield Endpoint(client, adapter)
    await client.close()
