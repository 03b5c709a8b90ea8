"""An HTTP messenger for the fake platform API (benchmark only): the shape of a real
platform messenger, with a declared rate limit (None: none, as with
POLICYBOT_FLOOD_CONTROL=0) and 429s turned into RetryLater."""

from __future__ import annotations

import aiohttp

from bot.delivery import RateLimit, RetryLater
from handlers.replies import Message
from storage.models import Chat, Person


class HttpMessenger:
    platform = "fakegram"

    def __init__(self, session: aiohttp.ClientSession, api_url: str, *,
                 per_second: float | None = 30.0) -> None:
        self.session = session
        self.api_url = api_url.rstrip("/")
        self.rate_limit = (None if per_second is None
                           else RateLimit(per_second=per_second, per_chat_per_second=1.0))

    async def to_person(self, person: Person, message: Message) -> bool:
        return await self._send(person.handle, message)

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        return await self._send(chat.name, message)

    async def _send(self, chat_id: str, message: Message) -> bool:
        async with self.session.post(f"{self.api_url}/sendMessage",
                                     json={"chat_id": chat_id, "text": message.text}) as reply:
            if reply.status == 429:
                data = await reply.json()
                raise RetryLater(float(data.get("parameters", {}).get("retry_after", 1)))
            reply.raise_for_status()
        return True
