"""The log holds no secret and nothing anyone typed, at DEBUG: ``policybot serve`` runs as
a real process with POLICYBOT_LOG_LEVEL=DEBUG against the fake Bot API, registers its
webhook (token and secret on the wire), takes a report about the Headteacher through
the webhook, delivers it to the Chair, who reads it, and answers a policy question; then
every line it wrote is searched for the token, the secret, the key and each typed text."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from bot.server import TELEGRAM_SECRET_HEADER
from bot.settings import Settings
from tests.support.fake_telegram import TOKEN, Call, FakeTelegram, Updates
from tests.support.processes import policybot_env
from tests.support.serving import serving
from tests.telegram.conftest import ALICE, SECRET, STAFF_ROOM

CHAIR = 2003  # croughton's Chair of Governors in the demo config
TYPED = "MARKER-7f3a the head shared a pupil's photo on his Instagram"
QUESTION = "MARKER-9c1d can I accept a friend request from a parent"
REPLY = "MARKER-2b8e thank you, I will look into it"


class Chat:
    """Telegram's side: posts updates to the webhook, reads what the bot sent."""

    def __init__(self, url: str, fake: FakeTelegram, http: aiohttp.ClientSession) -> None:
        self.url, self.fake, self.http, self.updates = url, fake, http, Updates(first=5000)

    async def post(self, update: dict[str, Any], secret: str = SECRET) -> int:
        async with self.http.post(f"{self.url}/telegram", json=update,
                                  headers={TELEGRAM_SECRET_HEADER: secret}) as response:
            return response.status

    async def say(self, user: int, chat: int, text: str, name: str = "Alice Ames") -> str:
        """Send ``text``; the text of the bot's next message to ``chat``."""
        before = len(self.fake.sent(chat))
        assert await self.post(self.updates.message(user=user, chat=chat, text=text,
                                                    name=name)) == 200
        return (await self.next_message(chat, before)).text

    async def press(self, user: int, label: str) -> str:
        asked = [c for c in self.fake.sent(user) if c.buttons][-1]
        [data] = [b["callback_data"] for b in asked.buttons if b["text"] == label]
        before = len(self.fake.sent(user))
        assert await self.post(self.updates.press(user=user, chat=user, data=data)) == 200
        return (await self.next_message(user, before)).text

    async def next_message(self, chat: int, before: int) -> Call:
        await self.fake.wait_for("sendMessage", chat_id=chat, count=before + 1)
        return self.fake.sent(chat)[before]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_report_flow_at_debug_leaves_nothing_typed_and_no_secret_in_the_log(
    settings: Settings, fake: FakeTelegram,
) -> None:
    key = settings.encryption_key
    assert key is not None
    env = policybot_env(settings, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url,
                        TELEGRAM_WEBHOOK_SECRET=SECRET, POLICYBOT_LOG_LEVEL="DEBUG",
                        TELEGRAM_WEBHOOK_URL="https://policybot.example/telegram", PORT="0")
    async with serving(env) as served, aiohttp.ClientSession() as http:
        chat = Chat(served.url, fake, http)
        assert fake.calls_to("setWebhook")[0].params["secret_token"] == SECRET
        await chat.say(ALICE, STAFF_ROOM, "/report")
        await chat.say(ALICE, ALICE, "/start report")
        await chat.press(ALICE, "The Headteacher is involved")
        await chat.say(ALICE, ALICE, TYPED)
        await chat.press(ALICE, "Skip")
        assert (await chat.press(ALICE, "Send")).startswith("Thank you.")
        [notice] = await fake.wait_for("sendMessage", chat_id=CHAIR)
        found = re.search(r"/view (\d+)", notice.text)
        assert found is not None
        assert TYPED in await chat.say(CHAIR, CHAIR, f"/view {found[1]}", name="Chris Chair")
        await chat.say(CHAIR, CHAIR, f"/reply {found[1]} {REPLY}", name="Chris Chair")
        await chat.say(ALICE, ALICE, f"/policy {QUESTION}")
        assert await chat.post(chat.updates.message(user=ALICE, chat=ALICE, text=TYPED),
                               secret="wrong-secret") == 403
        log = await served.stop()
    assert served.process.returncode == 0, log
    assert "PolicyBot listening on" in log  # it did log, at DEBUG ...
    for leak in (TOKEN, TOKEN.partition(":")[2], SECRET, key.get_secret_value(),
                 "MARKER-"):
        assert leak not in log, f"{leak!r} is in the log"  # ... but none of this
