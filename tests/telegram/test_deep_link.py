"""Moving a conversation from a group to a private chat: the group gets a pointer with a
deep link and nothing else; ``/start <payload>`` resumes the flow in private; the
Headteacher is notified through the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.runner import Platforms, started_platforms
from bot.server import make_web_app
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram, Updates
from tests.telegram import feature
from tests.telegram.conftest import ALICE, HEAD, STAFF_ROOM, STRANGER, Webhook

DEEP_LINK = f"https://t.me/{BOT_USERNAME}?start={feature.FLOW}"
DETAILS = "A parent sent me a friend request on Facebook last night."


@pytest.fixture
async def served(telegram_app: App) -> AsyncIterator[tuple[Webhook, Platforms]]:
    """``policybot serve`` in-process: the platforms, the delivery loop, the webhook."""
    async with started_platforms(telegram_app, serving=True) as platforms:
        server = TestServer(make_web_app(telegram_app, platforms.running), host="127.0.0.1")
        client: TestClient[Any, Any] = TestClient(server)
        await client.start_server()
        yield Webhook(client, platforms.running[0].settled), platforms
        await client.close()


async def test_a_report_moves_to_private_and_reaches_the_headteacher(
    served: tuple[Webhook, Platforms], updates: Updates, fake: FakeTelegram,
) -> None:
    webhook, _ = served
    fake.forbid(ALICE)  # Alice has never started the bot
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/tflow"))
    [pointer] = fake.sent(STAFF_ROOM)
    assert pointer.text == feature.POINTER
    assert pointer.buttons == [{"text": "Continue privately", "url": DEEP_LINK}]
    assert [c.status for c in fake.calls_to("sendMessage", ALICE)] == [403]

    fake.forbidden_chats.clear()  # she follows the link: Telegram sends /start tflow
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text=f"/start {feature.FLOW}"))
    [question] = fake.sent(ALICE)
    assert question.text == "Which kind of thing is it?"
    assert [b["callback_data"] for b in question.buttons] == ["tflow:kind:friend",
                                                             "tflow:kind:other"]

    await webhook.post(updates.press(user=ALICE, chat=ALICE, data="tflow:kind:friend",
                                     message_id=77))
    [answered] = fake.calls_to("answerCallbackQuery")
    assert "text" not in answered.params
    [removed] = fake.calls_to("editMessageReplyMarkup")
    assert (removed.chat_id, removed.params["message_id"]) == (str(ALICE), "77")
    assert fake.sent(ALICE)[-1].text == "Tell me what happened, in one message."

    await webhook.post(updates.message(user=ALICE, chat=ALICE, text=DETAILS))
    assert fake.sent(ALICE)[-1].text == "Thank you. I've sent it to the Headteacher."
    [notice] = await fake.wait_for("sendMessage", chat_id=HEAD)
    assert notice.text == f"New report from Alice Ames (friend): {DETAILS}"
    assert notice.buttons == [{"text": "I have read it", "callback_data": "tread:1"}]

    assert fake.sent(STAFF_ROOM) == [pointer]  # nothing but the pointer in the group
    assert not any(DETAILS in c.text for c in fake.calls if c.chat_id != str(HEAD))


async def test_someone_who_started_the_bot_is_also_asked_privately(
    webhook: Webhook, updates: Updates, fake: FakeTelegram,
) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/tflow"))
    assert [c.text for c in fake.sent(STAFF_ROOM)] == [feature.POINTER]
    [question] = fake.sent(ALICE)
    assert question.text == "Which kind of thing is it?"


async def test_a_private_reply_refused_without_a_pointer_gets_a_start_link(
    webhook: Webhook, updates: Updates, fake: FakeTelegram,
) -> None:
    fake.forbid(ALICE)
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/texport"))
    [note] = fake.sent(STAFF_ROOM)
    assert note.text.startswith("Alice, I can't message you privately until you start a chat")
    assert note.buttons == [{"text": "Start a chat with me", "url": f"https://t.me/{BOT_USERNAME}"}]
    assert fake.calls_to("sendDocument", STAFF_ROOM) == []


async def test_start_with_an_unknown_payload_just_greets(webhook: Webhook, updates: Updates,
                                                         fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/start nonsense"))
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/start start"))
    assert all(c.text.startswith("Hello, Alice Ames!") for c in fake.sent(ALICE))
    assert len(fake.sent(ALICE)) == 2


async def test_a_deep_link_does_not_bypass_permissions(webhook: Webhook, updates: Updates,
                                                       fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=STRANGER, chat=STRANGER,
                                       text=f"/start {feature.FLOW}", name="Sam Stranger"))
    [reply] = fake.sent(STRANGER)
    assert reply.text.startswith("I don't know who you are yet, so I can't do /tflow")
