"""Slack requests (as slack-bolt parsed them) → what the inbound pipeline takes (pure).

Every request has a delivery key that a retry repeats: the ``event_id`` of an Events
API callback, and the ``trigger_id`` of a slash command, a button press (with the
action's timestamp) or a submitted modal (each submission has its own). A DM channel
(``D…``) is a private chat; any other channel is a group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.inbound import Inbound
from bot.platforms.slack_send import FORM_CALLBACK, form_files, form_values
from handlers.actions import Action
from handlers.events import Attachment, ChatKind, FormSubmission
from handlers.replies import OPEN_PRIVATE

__all__ = ["PLATFORM", "from_action", "from_command", "from_home", "from_message",
           "from_submission", "origin_of", "team_of"]

PLATFORM = "slack"
_MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
Body = Mapping[str, Any]


def team_of(body: Body) -> str | None:
    """The workspace a request came from."""
    team = body.get("team_id") or body.get("team")
    if isinstance(team, Mapping):
        team = team.get("id")
    if team is None and isinstance(body.get("user"), Mapping):
        team = body["user"].get("team_id")
    return str(team) if team else None


def _kind(channel: str) -> ChatKind:
    return ChatKind.PRIVATE if channel.startswith("D") else ChatKind.GROUP


def from_command(body: Body, *, quiet: bool = False) -> Inbound:
    """``/policy can I…`` as the text ``/policy can I…``, so it parses like any command."""
    channel = str(body.get("channel_id", ""))
    command = str(body.get("command", "")).strip()
    return Inbound(
        platform=PLATFORM, key=f"command:{body.get('trigger_id')}",
        user_id=str(body.get("user_id", "")), display_name=str(body.get("user_name", "")),
        chat_id=channel, chat_kind=_kind(channel),
        text=f"{command} {body.get('text') or ''}".strip(), quiet=quiet)


def from_message(body: Body, event: Body, bot_user: str | None) -> Inbound | None:
    """A message in a DM, or an app mention in a channel; None for what isn't for us
    (the bot's own messages, edits, joins, other bots)."""
    subtype = event.get("subtype")
    if event.get("bot_id") or (subtype not in (None, "file_share")):
        return None
    user, channel = event.get("user"), str(event.get("channel", ""))
    if not user or user == bot_user or not channel:
        return None
    mention = event.get("type") == "app_mention"
    if not mention and _kind(channel) is not ChatKind.PRIVATE:
        return None  # channel chatter: the bot only hears what is addressed to it
    text = str(event.get("text") or "")
    mentions = mention or (bot_user is not None and f"<@{bot_user}" in text)
    return Inbound(
        platform=PLATFORM, key=f"event:{body.get('event_id')}", user_id=str(user),
        display_name=str(user), chat_id=channel, chat_kind=_kind(channel),
        text=_MENTION.sub(lambda m: "" if m[1] == bot_user else m[0], text).strip(),
        mentions_bot=mentions, thread=_thread(event), attachments=_files(event))


def from_home(body: Body, event: Body) -> Inbound | None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return None
    user = str(event["user"])
    return Inbound(platform=PLATFORM, key=f"event:{body.get('event_id')}", user_id=user,
                   display_name=user, chat_id=str(event.get("channel") or user),
                   chat_kind=ChatKind.PRIVATE, opened_home=True)


def from_action(body: Body, action: Body, *, quiet: bool = False) -> Inbound:
    """A button press. A button to the private chat (``open:COMMAND``) runs the command
    there, as Telegram's deep link does."""
    user = str((body.get("user") or {}).get("id", ""))
    channel = str((body.get("channel") or {}).get("id") or "")
    key = f"action:{body.get('trigger_id')}:{action.get('action_ts', '')}"
    value = str(action.get("value") or "")
    pressed = Action.parse(value) if value else None
    name = str((body.get("user") or {}).get("name") or user)
    if pressed is not None and pressed.kind == OPEN_PRIVATE:
        command = pressed.arg(0) or "start"
        return Inbound(platform=PLATFORM, key=key, user_id=user, display_name=name,
                       chat_id=channel if _kind(channel) is ChatKind.PRIVATE else "",
                       chat_kind=ChatKind.PRIVATE, text=f"/{command}")
    if not channel:  # a button in the home tab or a modal: the private chat
        return Inbound(platform=PLATFORM, key=key, user_id=user, display_name=name,
                       chat_id="", chat_kind=ChatKind.PRIVATE, action=value or None)
    return Inbound(platform=PLATFORM, key=key, user_id=user, display_name=name,
                   chat_id=channel, chat_kind=_kind(channel), action=value or None,
                   thread=_thread(body.get("message") or {}), quiet=quiet)


def from_submission(body: Body) -> Inbound | None:
    """A submitted modal of ours: its form's action, and the values by field."""
    view = body.get("view") or {}
    if view.get("callback_id") != FORM_CALLBACK:
        return None
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return None
    user = str((body.get("user") or {}).get("id", ""))
    state = (view.get("state") or {}).get("values") or {}
    return Inbound(
        platform=PLATFORM, key=f"view:{body.get('trigger_id')}", user_id=user,
        display_name=str((body.get("user") or {}).get("name") or user), chat_id="",
        chat_kind=ChatKind.PRIVATE, action=str(metadata.get("action") or "") or None,
        form=FormSubmission(form_values(state)),
        attachments=tuple(_attachment(f) for f in form_files(state)))


def origin_of(inbound: Inbound) -> str:
    """Where a form is opened from (kept in the modal, for the record)."""
    return inbound.chat_id


def _thread(message: Body) -> str | None:
    thread = message.get("thread_ts")
    return str(thread) if thread else None


def _files(event: Body) -> tuple[Attachment, ...]:
    return tuple(_attachment(f) for f in event.get("files") or () if isinstance(f, Mapping))


def _attachment(file: Mapping[str, Any]) -> Attachment:
    """A Slack file: its private download URL is the handle (fetched with the bot token)."""
    mime = file.get("mimetype")
    kind = "photo" if isinstance(mime, str) and mime.startswith("image/") else "document"
    return Attachment(kind, str(file.get("url_private_download") or file.get("url_private")
                                or ""), file.get("name"), mime, file.get("size"))
