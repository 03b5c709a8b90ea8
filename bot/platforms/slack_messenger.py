"""The Slack platform's outbound side: DMs to people, messages to channels, replies
(in the channel, ephemeral, or in a DM), files (the upload v2 sequence) and App Home
views, through slack_sdk's Web API client (``SLACK_API_URL``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.delivery import Address, RateLimit, RetryLater
from bot.platforms import slack_send
from bot.platforms.slack_events import PLATFORM
from handlers.replies import Message, Visibility
from storage.models import Chat, Person

__all__ = ["FLOOD_LIMIT", "UNREACHABLE", "SlackMessenger"]

log = logging.getLogger(__name__)
FLOOD_LIMIT = RateLimit(per_second=10, per_chat_per_second=1)  # Slack: about 1/s a channel
#: Errors that mean "this person or channel can't be reached here" (not "try again")
UNREACHABLE = frozenset({"channel_not_found", "not_in_channel", "user_not_found",
                         "cannot_dm_bot", "is_archived", "account_inactive",
                         "messages_tab_disabled", "user_not_in_channel", "restricted_action"})


class SlackMessenger:
    """The outbox's Slack side: DMs to people, messages to channels, replies (in the
    channel, ephemeral, or in a DM), files, and App Home views."""

    platform = PLATFORM
    shows_home = True

    def __init__(self, app: App, clients: Mapping[str | None, AsyncWebClient]) -> None:
        self.app = app
        self.rate_limit = FLOOD_LIMIT if app.settings.flood_control else None
        self.clients = clients  # team (None: the default) → client
        self._dms: dict[tuple[str | None, str], str] = {}

    def client(self, team: str | None) -> AsyncWebClient:
        return self.clients.get(team) or self.clients[None if None in self.clients else
                                                     next(iter(self.clients))]

    def _team_of_school(self, school_id: int) -> str | None:
        school = self.app.services.directory.schools.get(school_id)
        config = self.app.services.config.school(school.slug) if school is not None else None
        team = config.workspaces.get(PLATFORM) if config is not None else None
        return team if team in self.clients else None

    async def to_person(self, person: Person, message: Message) -> bool:
        assert person.id is not None
        user = self.app.services.directory.person_id_on(person.id, PLATFORM)
        if user is None:
            return False
        team = self._team_of_school(person.school_id)
        return await self._send(team, Address(chat="", user=user, private=True,
                                              visibility=Visibility.PRIVATE), message)

    async def to_chat(self, chat: Chat, message: Message) -> bool:
        assert chat.id is not None
        channel = self.app.services.directory.chat_id_on(chat.id, PLATFORM)
        if channel is None or message.home is not None:
            return False
        return await self._send(self._team_of_school(chat.school_id),
                                Address(chat=channel, user=""), message)

    async def to_address(self, address: Address, message: Message) -> bool:
        return await self._send(address.workspace, address, message)

    async def _send(self, team: str | None, address: Address, message: Message) -> bool:
        client = self.client(team)
        try:
            if message.home is not None:
                await client.views_publish(user_id=address.user,
                                           view=slack_send.home_view(message.home))
                return True
            if address.visibility is Visibility.EPHEMERAL and message.document is None:
                await client.chat_postEphemeral(
                    channel=address.chat, user=address.user, text=slack_send.fallback_text(
                        message), blocks=slack_send.blocks(message), thread_ts=address.thread)
                return True
            channel = await self._channel(client, team, address)
            if message.document is not None:
                await client.files_upload_v2(
                    channel=channel, content=message.document.content,
                    filename=message.document.filename, title=message.document.filename,
                    initial_comment=message.text or None)
                return True
            await client.chat_postMessage(
                channel=channel, text=slack_send.fallback_text(message),
                blocks=slack_send.blocks(message),
                thread_ts=None if address.private else address.thread)
        except SlackApiError as exc:
            return self._refused(exc)
        return True

    async def _channel(self, client: AsyncWebClient, team: str | None,
                       address: Address) -> str:
        """Where to post: the chat itself, or (private) the person's DM with the bot."""
        private = address.private or address.visibility is Visibility.PRIVATE
        if not private or address.chat.startswith("D"):
            return address.chat
        known = self._dms.get((team, address.user))
        if known is None:
            opened = await client.conversations_open(users=address.user)
            known = str(opened["channel"]["id"])
            self._dms[(team, address.user)] = known
        return known

    def _refused(self, exc: SlackApiError) -> bool:
        response = exc.response
        if response.status_code == 429:
            wait = float(response.headers.get("Retry-After", "30") or 30)
            raise RetryLater(wait, "Slack rate limit") from exc
        error = str(response.get("error", ""))
        if error in UNREACHABLE:
            log.info("slack refused a message: %s", error)
            return False
        raise exc
