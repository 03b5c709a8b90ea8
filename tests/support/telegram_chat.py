"""Telegram's side of a running ``policybot serve``: updates posted to its webhook over
real HTTP, the bot's messages read at the fake Bot API (awaited, never slept for)."""

from __future__ import annotations

import re
from typing import Any

import aiohttp

from bot.platforms.telegram import SECRET_HEADER
from tests.support.fake_telegram import Call, FakeTelegram, Updates


class TelegramChat:
    def __init__(self, url: str, fake: FakeTelegram, http: aiohttp.ClientSession, *,
                 secret: str, first_update: int = 5000) -> None:
        self.url, self.fake, self.http, self.secret = url, fake, http, secret
        self.updates = Updates(first=first_update)
        self._posted_at: dict[int, int] = {}  # messages in a chat when we last wrote there

    async def post(self, update: dict[str, Any], secret: str | None = None) -> int:
        headers = {SECRET_HEADER: secret if secret is not None else self.secret}
        async with self.http.post(f"{self.url}/telegram", json=update,
                                  headers=headers) as response:
            return response.status

    async def say(self, user: int, chat: int, text: str, name: str = "Alice Ames") -> str:
        """Send ``text``; the text of the bot's next message to ``chat``."""
        before = self._mark(chat)
        assert await self.post(self.updates.message(user=user, chat=chat, text=text,
                                                    name=name)) == 200
        return (await self.next_message(chat, before)).text

    async def press(self, user: int, label: str) -> str:
        """Press ``label`` under the bot's latest message that has it in ``user``'s private
        chat (replies arrive after the webhook is answered: wait for it)."""
        asked = await self._with_button(user, label)
        [data] = [b["callback_data"] for b in asked.buttons if b["text"] == label]
        before = self._mark(user)
        assert await self.post(self.updates.press(user=user, chat=user, data=data)) == 200
        return (await self.next_message(user, before)).text

    async def next_message(self, chat: int, before: int) -> Call:
        await self.fake.wait_for("sendMessage", chat_id=chat, count=before + 1)
        return self.fake.sent(chat)[before]

    def _mark(self, chat: int) -> int:
        self._posted_at[chat] = len(self.fake.sent(chat))
        return self._posted_at[chat]

    async def _with_button(self, chat: int, label: str) -> Call:
        since = self._posted_at.get(chat, 0)
        count = since + 1
        while True:
            await self.fake.wait_for("sendMessage", chat_id=chat, count=count)
            sent = self.fake.sent(chat)
            for call in reversed(sent[since:]):
                if any(b["text"] == label for b in call.buttons):
                    return call
            count = len(sent) + 1

ALICE, ALICE_NAME = 2004, "Alice Ames"  # croughton in the demo config
CHAIR, CHAIR_NAME = 2003, "Chris Chair"
STAFF_ROOM = -1002001


async def report_about_the_head(chat: TelegramChat, *, typed: str, reply: str,
                                question: str) -> None:
    """Alice reports something about the Headteacher from the staff room, in private; the
    Chair is told, reads it and writes back; Alice asks a policy question privately."""
    await chat.say(ALICE, STAFF_ROOM, "/report")
    await chat.say(ALICE, ALICE, "/start report")
    await chat.press(ALICE, "The Headteacher is involved")
    await chat.press(ALICE, "Today")
    await chat.say(ALICE, ALICE, typed)
    await chat.press(ALICE, "Skip")  # links
    await chat.press(ALICE, "Skip")  # evidence
    assert (await chat.press(ALICE, "Send")).startswith("Thank you.")
    [notice] = await chat.fake.wait_for("sendMessage", chat_id=CHAIR)
    found = re.search(r"/view (\d+)", notice.text)
    assert found is not None
    assert typed in await chat.say(CHAIR, CHAIR, f"/view {found[1]}", name=CHAIR_NAME)
    await chat.say(CHAIR, CHAIR, f"/reply {found[1]} {reply}", name=CHAIR_NAME)
    await chat.say(ALICE, ALICE, f"/policy {question}")
