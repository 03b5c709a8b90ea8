"""The real features (``handlers.build_router()``, not the test-only one) through the
Telegram adapter, end to end over the fake Bot API: /friendrequest in the staff group
→ only a pointer with a deep link there → the form in private, answered by pressing
buttons and typing → Send → the Headteacher told privately by the outbox delivery →
/view and /export (a CSV document) in the Headteacher's private chat."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import App
from bot.delivery import Deliverer
from bot.platforms.telegram import TelegramAdapter, TelegramMessenger, build_bot
from bot.server import make_web_app
from bot.settings import Settings
from handlers.reports import POINTER
from tests.support.fake_telegram import BOT_USERNAME, Call, FakeTelegram, Updates
from tests.telegram.conftest import ALICE, HEAD, STAFF_ROOM, Webhook

DEEP_LINK = f"https://t.me/{BOT_USERNAME}?start=friendrequest"
NAME = "J.S."
NOTE = "Sent late on Sunday evening"


@dataclasses.dataclass
class School:
    """The whole bot as deployed: real router, webhook, outbox delivery over Telegram."""

    app: App
    webhook: Webhook
    deliverer: Deliverer
    fake: FakeTelegram
    updates: Updates

    async def say(self, user: int, chat: int, text: str, name: str = "Alice Ames") -> None:
        assert await self.webhook.post(
            self.updates.message(user=user, chat=chat, text=text, name=name)) == 200

    async def press(self, user: int, label: str) -> None:
        """Press the button labelled ``label`` under the last message with buttons."""
        asked = [c for c in self.fake.sent(user) if c.buttons][-1]
        [data] = [b["callback_data"] for b in asked.buttons if b["text"] == label]
        assert await self.webhook.post(self.updates.press(user=user, chat=user, data=data)) == 200

    def last(self, user: int) -> Call:
        return self.fake.sent(user)[-1]


@pytest.fixture
async def school(app: App, telegram_settings: Settings, fake: FakeTelegram,
                 updates: Updates) -> AsyncIterator[School]:
    real = dataclasses.replace(app, settings=telegram_settings)  # app.router: build_router()
    bot = build_bot(telegram_settings)
    adapter = TelegramAdapter(real, bot)
    await adapter.start()
    client: TestClient[Any, Any] = TestClient(
        TestServer(make_web_app(real, [adapter]), host="127.0.0.1"))
    await client.start_server()
    yield School(real, Webhook(client, adapter.settled),
                 Deliverer(real.services, [TelegramMessenger(real, bot)]), fake, updates)
    await client.close()
    await adapter.close()


def _group_calls(fake: FakeTelegram) -> list[Call]:
    return [c for c in fake.calls if c.chat_id == str(STAFF_ROOM)]


async def test_a_friend_request_from_the_group_reaches_the_head_and_the_export(
    school: School, fake: FakeTelegram,
) -> None:
    await school.say(ALICE, STAFF_ROOM, "/friendrequest")
    [pointer] = fake.sent(STAFF_ROOM)
    assert pointer.text == POINTER
    assert [b["url"] for b in pointer.buttons] == [DEEP_LINK]

    await school.say(ALICE, ALICE, "/start friendrequest")  # she follows the deep link
    assert school.last(ALICE).text.startswith("Let's log a friend request")
    await school.press(ALICE, "A parent")
    await school.say(ALICE, ALICE, NAME)
    await school.press(ALICE, "Facebook")
    await school.press(ALICE, "Yesterday")
    await school.press(ALICE, "I declined it")
    await school.say(ALICE, ALICE, NOTE)
    summary = school.last(ALICE)
    assert NAME in summary.text
    assert NOTE in summary.text
    await school.press(ALICE, "Send")
    assert school.last(ALICE).text.startswith("Thank you.")
    presses = fake.calls_to("answerCallbackQuery")
    assert len(presses) == 5
    assert all("text" not in p.params for p in presses)  # no stale-button alerts
    assert fake.sent(HEAD) == []  # nothing reaches the head but through the outbox

    assert (await school.deliverer.deliver_due()).sent == 1
    [notice] = fake.sent(HEAD)
    assert NAME not in notice.text  # the notice points to the report, in private
    found = re.search(r"/view (\d+)", notice.text)
    assert found is not None

    await school.say(HEAD, HEAD, f"/view {found[1]}", name="S. Smith")
    assert NAME in school.last(HEAD).text
    await school.say(HEAD, HEAD, "/export", name="S. Smith")
    [export] = fake.calls_to("sendDocument", HEAD)
    filename, content = export.files["document"]
    assert filename.endswith(".csv")
    assert NAME.encode() in content
    assert NOTE.encode() in content

    assert _group_calls(fake) == [pointer]  # the group saw the pointer and nothing else
    for call in fake.calls:
        if call.chat_id not in (str(ALICE), str(HEAD)):
            assert NAME not in call.text
            assert NOTE not in call.text


async def test_someone_who_never_pressed_start_leaves_only_the_pointer_in_the_group(
    school: School, fake: FakeTelegram,
) -> None:
    fake.forbid(ALICE)  # 403: she has never started a chat with the bot
    await school.say(ALICE, STAFF_ROOM, "/friendrequest")
    [pointer] = fake.sent(STAFF_ROOM)
    assert pointer.text == POINTER
    assert [b["url"] for b in pointer.buttons] == [DEEP_LINK]
    assert [c.status for c in fake.calls_to("sendMessage", ALICE)] == [403]
    assert _group_calls(fake) == [pointer]  # no "start a chat first" note: the pointer is one

    fake.forbidden_chats.clear()  # she presses the button, then Start
    await school.say(ALICE, ALICE, "/start friendrequest")
    assert school.last(ALICE).text.startswith("Let's log a friend request")
    assert _group_calls(fake) == [pointer]
