"""Slack fixtures: the fake Slack (Web API, upload URLs, response URLs, Socket Mode),
a request builder whose response URLs and trigger ids belong to it, and a real
slack_sdk client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import BOT_TOKEN, FakeSlack
from tests.support.slack_requests import SlackRequests


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
