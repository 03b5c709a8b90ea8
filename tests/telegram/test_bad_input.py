"""Bad webhook input gets a clear 4xx, or is acknowledged and ignored where Telegram
would otherwise resend a harmless unusable update for good; never a 500, never a
traceback, and one log line at most, rate-limited."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlmodel import select

from bot.app import App
from bot.platforms.telegram import SECRET_HEADER
from storage.update_models import ProcessedUpdate
from tests.support.fake_telegram import FakeTelegram, Updates
from tests.telegram.conftest import ALICE, SECRET, STAFF_ROOM, Webhook

JSON = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}


def _unusable(updates: Updates) -> list[Any]:
    good = updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami")
    message = good["message"]
    return [
        {},
        {"update_id": 7},
        {"update_id": 8, "message": "hello"},
        {"update_id": 9, "message": [1, 2]},
        {**good, "update_id": 10, "message": {**message, "text": 42}},
        {**good, "update_id": 11, "message": {**message, "text": {"a": 1}}},
        {**good, "update_id": 12, "message": {k: v for k, v in message.items() if k != "chat"}},
        {**good, "update_id": 13, "message": {k: v for k, v in message.items() if k != "date"}},
        {"update_id": "x", "message": message},
    ]


async def test_unusable_updates_are_acknowledged_and_change_nothing(
    webhook: Webhook, updates: Updates, fake: FakeTelegram, telegram_app: App,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for body in _unusable(updates):
        response = await webhook.client.post("/telegram", json=body, headers=JSON)
        assert response.status in (200, 400), (body, response.status)
    assert webhook.settle is not None
    await webhook.settle()
    assert fake.sent() == []
    async with telegram_app.services.db.session() as session:
        assert list(await session.exec(select(ProcessedUpdate))) == []
    assert "Traceback" not in caplog.text
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b"",
                                  b"[" * 10_000 + b"]" * 10_000])
async def test_bodies_that_are_not_a_json_object_get_400(webhook: Webhook, body: bytes) -> None:
    response = await webhook.client.post("/telegram", data=body, headers=JSON)
    assert response.status == 400


async def test_the_wrong_content_type_gets_415(webhook: Webhook) -> None:
    response = await webhook.client.post("/telegram", data=b"update_id=1",
                                         headers={SECRET_HEADER: SECRET})
    assert response.status == 415


@pytest.mark.parametrize("secret", ["sécret", "秘密", "\u00ff" * 300])
async def test_a_non_ascii_secret_is_refused_like_any_wrong_one(
    webhook: Webhook, updates: Updates, secret: str, caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {SECRET_HEADER: secret.encode().decode("latin-1"),
               "Content-Type": "application/json"}
    response = await webhook.client.post(
        "/telegram", json=updates.message(user=ALICE, chat=STAFF_ROOM, text="/help"),
        headers=headers)
    assert response.status == 403
    assert "Traceback" not in caplog.text


async def test_refusals_are_logged_once_in_a_while_not_once_each(
    webhook: Webhook, updates: Updates, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    for _ in range(50):
        await webhook.client.post("/telegram", json={}, headers={SECRET_HEADER: "wrong"})
    refused = [r for r in caplog.records if "refused a request" in r.getMessage()]
    assert len(refused) == 1
