"""What Slack sends to a Slack app, built as Slack builds it: for ``POST /slack/events``
(signed with the signing secret, exactly as Slack signs: v0 HMAC-SHA256 of
``v0:{timestamp}:{body}``) and for Socket Mode (the same payload in an envelope).

    requests = SlackRequests(response_base=fake.response_base,
                             on_trigger=fake.allow_trigger)
    command = requests.command("/report", user="U2ALICE", channel="C2STAFF")
    signed = command.signed()            # body + X-Slack-Signature / -Request-Timestamp
    await client.post("/slack/events", data=signed.data, headers=signed.headers)
    await fake.socket_send(command.envelope())   # or over Socket Mode

Events are JSON; slash commands are form fields; interactivity (buttons, modal
submissions, options) is one form field, ``payload``, holding JSON. A retry is the same
body signed again with ``retry_num``; :meth:`SlackRequest.stale` and
:meth:`SlackRequest.badly_signed` build what a Slack app must refuse.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.support.fake_slack import APP_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
VERIFICATION_TOKEN = "legacy-verification-token"  # deprecated, but Slack still sends it
STALE_AFTER = 60 * 5  # seconds: slack_sdk's SignatureVerifier refuses older requests

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signature(secret: str, timestamp: int | str, body: str | bytes) -> str:
    """Slack's request signature: ``v0=`` + hex HMAC-SHA256 of ``v0:{ts}:{body}``."""
    raw = body.encode() if isinstance(body, str) else body
    base = f"v0:{timestamp}:".encode() + raw
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SignedRequest:
    """One HTTP request as Slack would POST it: the body and its headers."""

    body: str
    headers: dict[str, str]

    @property
    def data(self) -> bytes:
        return self.body.encode()


def sign(body: str, *, content_type: str, secret: str = SIGNING_SECRET,
         timestamp: int | None = None, retry_num: int | None = None,
         retry_reason: str | None = None) -> SignedRequest:
    """Sign any raw body (for the odd request no builder makes)."""
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(ts),
               "X-Slack-Signature": signature(secret, ts, body),
               "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)"}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return SignedRequest(body, headers)


@dataclass(frozen=True)
class SlackRequest:
    """One payload Slack sends. ``kind`` is its Socket Mode envelope type
    (``events_api``, ``slash_commands``, ``interactive``) or ``url_verification`` /
    ``ssl_check`` (HTTP only); ``payload`` is the body as a Slack app reads it."""

    kind: str
    payload: dict[str, Any]

    @property
    def content_type(self) -> str:
        return JSON if self.kind in ("events_api", "url_verification") else FORM

    def raw(self) -> str:
        """The HTTP body, encoded as Slack encodes this kind of request."""
        if self.content_type == JSON:
            return json.dumps(self.payload, separators=(",", ":"))
        if self.kind == "interactive":
            return urlencode({"payload": json.dumps(self.payload, separators=(",", ":"))})
        return urlencode({k: _form_value(v) for k, v in self.payload.items()})

    def signed(self, secret: str = SIGNING_SECRET, *, timestamp: int | None = None,
               retry_num: int | None = None, retry_reason: str | None = None) -> SignedRequest:
        """The request correctly signed (now, unless ``timestamp``); with ``retry_num``
        it is Slack's redelivery of the same body (X-Slack-Retry-Num / -Reason)."""
        return sign(self.raw(), content_type=self.content_type, secret=secret,
                    timestamp=timestamp, retry_num=retry_num, retry_reason=retry_reason)

    def stale(self, secret: str = SIGNING_SECRET, *, age: int = STALE_AFTER + 60) -> SignedRequest:
        """Correctly signed, but ``age`` seconds old (a replay): must be refused."""
        return self.signed(secret, timestamp=int(time.time()) - age)

    def badly_signed(self, secret: str = "not-the-signing-secret") -> SignedRequest:
        """Signed with another secret: must be refused."""
        return self.signed(secret)

    def unsigned(self) -> SignedRequest:
        """No signature headers at all."""
        return SignedRequest(self.raw(), {"Content-Type": self.content_type})

    def tampered(self, secret: str = SIGNING_SECRET) -> SignedRequest:
        """Signed, then the body changed: must be refused."""
        signed = self.signed(secret)
        return SignedRequest(signed.body + " ", signed.headers)

    def envelope(self, envelope_id: str | None = None, *, retry_attempt: int = 0,
                 retry_reason: str = "") -> dict[str, Any]:
        """The Socket Mode envelope Slack would send for this payload."""
        if self.kind not in ("events_api", "slash_commands", "interactive"):
            raise ValueError(f"{self.kind} requests are not sent over Socket Mode")
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id or str(uuid.uuid4()), "type": self.kind,
            "payload": self.payload}
        if self.kind == "events_api":
            envelope |= {"accepts_response_payload": False, "retry_attempt": retry_attempt,
                         "retry_reason": retry_reason}
        else:
            envelope["accepts_response_payload"] = self.payload.get("type") != "block_actions"
        return envelope

    @property
    def trigger_id(self) -> str | None:
        value = self.payload.get("trigger_id")
        return None if value is None else str(value)

    @property
    def response_url(self) -> str | None:
        value = self.payload.get("response_url")
        return None if value is None else str(value)

    @property
    def event_id(self) -> str | None:
        value = self.payload.get("event_id")
        return None if value is None else str(value)

    @property
    def event(self) -> dict[str, Any]:
        return dict(self.payload.get("event") or {})


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


# -- modal state values --------------------------------------------------------------------
def text_value(value: str) -> dict[str, Any]:
    """A plain_text_input's state (what a person typed)."""
    return {"type": "plain_text_input", "value": value}


def select_value(value: str, text: str | None = None) -> dict[str, Any]:
    """A static_select's state (the option chosen)."""
    return {"type": "static_select", "selected_option": {
        "text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}}


def date_value(value: str) -> dict[str, Any]:
    """A datepicker's state, ``YYYY-MM-DD``."""
    return {"type": "datepicker", "selected_date": value}


def checkboxes_value(*values: str) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [
        {"text": {"type": "plain_text", "text": v}, "value": v} for v in values]}


def radio_value(value: str, text: str | None = None) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": {
        "text": {"type": "plain_text", "text": text or value}, "value": value}}


def user_value(user: str) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user}


def state_values(values: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """``{block_id: {action_id: state}}``; a plain string state is a text input."""
    return {block: {action: text_value(v) if isinstance(v, str) else dict(v)
                    for action, v in actions.items()}
            for block, actions in values.items()}


# -- the builders -------------------------------------------------------------------------------
class SlackRequests:
    """Builds the requests one Slack workspace sends, numbered in order.

    ``response_base``: where response URLs point (``FakeSlack.response_base``, so what
    the app sends there is recorded). ``on_trigger``: told every trigger_id built
    (``FakeSlack.allow_trigger``, so views.open accepts it).
    """

    def __init__(self, *, team_id: str = TEAM_ID, domain: str = TEAM_DOMAIN,
                 api_app_id: str = APP_ID, bot_user_id: str = BOT_USER_ID,
                 response_base: str = "https://hooks.slack.com/commands/",
                 on_trigger: Callable[[str], object] | None = None) -> None:
        self.team_id = team_id
        self.domain = domain
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.response_base = response_base
        self.on_trigger = on_trigger
        self._numbers = itertools.count(1)
        self._epoch = int(time.time())

    # -- Events API ------------------------------------------------------------------
    def url_verification(self, challenge: str | None = None) -> SlackRequest:
        return SlackRequest("url_verification", {
            "token": VERIFICATION_TOKEN, "type": "url_verification",
            "challenge": challenge or uuid.uuid4().hex})

    def ssl_check(self) -> SlackRequest:
        """Slack's periodic check of a slash command's URL (form ``ssl_check=1``)."""
        return SlackRequest("ssl_check", {"ssl_check": "1", "token": VERIFICATION_TOKEN})

    def event(self, event: Mapping[str, Any], *, team_id: str | None = None,
              event_id: str | None = None) -> SlackRequest:
        """An ``event_callback`` carrying ``event``; a fresh ``event_id`` unless given
        (give the same one to build Slack delivering one event twice)."""
        team = team_id or self.team_id
        n = next(self._numbers)
        return SlackRequest("events_api", {
            "token": VERIFICATION_TOKEN, "team_id": team, "context_team_id": team,
            "context_enterprise_id": None, "api_app_id": self.api_app_id,
            "event": dict(event), "type": "event_callback",
            "event_id": event_id or f"Ev{self._epoch % 100000:05d}{n:06d}",
            "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": team,
                                "user_id": self.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}],
            "is_ext_shared_channel": False, "event_context": f"4-{uuid.uuid4().hex}"})

    def message(self, *, user: str, channel: str, text: str, thread_ts: str | None = None,
                team_id: str | None = None, event_id: str | None = None,
                **fields: Any) -> SlackRequest:
        """A ``message`` event (``channel_type`` from the channel id: D im, C channel,
        G group); ``fields`` add to or override the event (``subtype``, ``bot_id``,
        ``files``...)."""
        ts = self._ts()
        event: dict[str, Any] = {
            "type": "message", "user": user, "text": text, "ts": ts, "event_ts": ts,
            "channel": channel, "channel_type": _channel_type(channel),
            "team": team_id or self.team_id, "client_msg_id": str(uuid.uuid4()),
            "blocks": _rich_text(text)}
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        event |= fields
        return self.event(event, team_id=team_id, event_id=event_id)

    def message_im(self, *, user: str, text: str, channel: str | None = None,
                   **fields: Any) -> SlackRequest:
        """A direct message to the bot (``message.im``)."""
        return self.message(user=user, channel=channel or "D" + user[1:], text=text, **fields)

    def message_channel(self, *, user: str, channel: str, text: str,
                        **fields: Any) -> SlackRequest:
        """A message in a channel the bot is in (``message.channels``)."""
        return self.message(user=user, channel=channel, text=text, **fields)

    def app_mention(self, *, user: str, channel: str, text: str,
                    thread_ts: str | None = None, team_id: str | None = None,
                    event_id: str | None = None) -> SlackRequest:
        """``@PolicyBot text`` in a channel (the mention is added unless ``text`` has it)."""
        mention = f"<@{self.bot_user_id}>"
        full = text if mention in text else f"{mention} {text}"
        ts = self._ts()
        event: dict[str, Any] = {
            "type": "app_mention", "user": user, "text": full, "ts": ts, "event_ts": ts,
            "channel": channel, "team": team_id or self.team_id,
            "client_msg_id": str(uuid.uuid4()), "blocks": _rich_text(full)}
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return self.event(event, team_id=team_id, event_id=event_id)

    def app_home_opened(self, *, user: str, tab: str = "home",
                        view: Mapping[str, Any] | None = None,
                        team_id: str | None = None) -> SlackRequest:
        """The person opened the app's Home (or Messages) tab; ``view`` is the home view
        published before, if any."""
        event: dict[str, Any] = {"type": "app_home_opened", "user": user,
                                 "channel": "D" + user[1:], "tab": tab,
                                 "event_ts": self._ts()}
        if view is not None:
            event["view"] = dict(view)
        return self.event(event, team_id=team_id)

    # -- slash commands ----------------------------------------------------------------
    def command(self, command: str, text: str = "", *, user: str, channel: str,
                channel_name: str | None = None, user_name: str | None = None,
                trigger_id: str | None = None, response_url: str | None = None,
                team_id: str | None = None) -> SlackRequest:
        """``/command text`` typed by ``user`` in ``channel`` (a DM if it starts with D:
        Slack then says ``directmessage``)."""
        team = team_id or self.team_id
        name = channel_name or ("directmessage" if channel.startswith("D") else channel.lower())
        return SlackRequest("slash_commands", {
            "token": VERIFICATION_TOKEN, "team_id": team, "team_domain": self.domain,
            "channel_id": channel, "channel_name": name, "user_id": user,
            "user_name": user_name or user.lower(),
            "command": command if command.startswith("/") else f"/{command}",
            "text": text, "api_app_id": self.api_app_id, "is_enterprise_install": "false",
            "response_url": response_url or self._response_url(team),
            "trigger_id": trigger_id or self._trigger()})

    # -- interactivity ------------------------------------------------------------------
    def block_actions(self, *, user: str, action_id: str, value: str | None = None,
                      block_id: str | None = None, channel: str | None = None,
                      message_ts: str | None = None, message: Mapping[str, Any] | None = None,
                      view: Mapping[str, Any] | None = None, action_type: str = "button",
                      selected_option: Mapping[str, Any] | None = None,
                      trigger_id: str | None = None, team_id: str | None = None,
                      ephemeral: bool = False) -> SlackRequest:
        """A button press (or other block element) in a message (``channel``) or in a
        view (``view``: a modal or the App Home, as views.open / views.publish answered)."""
        team = team_id or self.team_id
        action: dict[str, Any] = {"action_id": action_id,
                                  "block_id": block_id or f"b{next(self._numbers)}",
                                  "type": action_type, "action_ts": self._ts()}
        if action_type == "button":
            action["text"] = {"type": "plain_text", "text": action_id, "emoji": True}
        if value is not None:
            action["value"] = value
        if selected_option is not None:
            action["selected_option"] = dict(selected_option)
        payload: dict[str, Any] = {
            "type": "block_actions", "user": self._user(user, team),
            "api_app_id": self.api_app_id, "token": VERIFICATION_TOKEN,
            "trigger_id": trigger_id or self._trigger(),
            "team": {"id": team, "domain": self.domain}, "enterprise": None,
            "is_enterprise_install": False, "actions": [action], "state": {"values": {}}}
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id")}
            payload["view"] = dict(view)
        else:
            if channel is None:
                raise ValueError("block_actions needs a channel (a message) or a view")
            ts = message_ts or (message or {}).get("ts") or self._ts()
            payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel,
                                    "is_ephemeral": ephemeral}
            payload["channel"] = {"id": channel, "name": channel.lower()}
            payload["response_url"] = self._response_url(team)
            if not ephemeral:
                payload["message"] = dict(message or {
                    "type": "message", "user": self.bot_user_id, "ts": ts,
                    "text": "a message with buttons"})
        return SlackRequest("interactive", payload)

    def view_submission(self, *, user: str, callback_id: str,
                        values: Mapping[str, Mapping[str, Any]],
                        private_metadata: str = "", view_id: str | None = None,
                        view: Mapping[str, Any] | None = None,
                        team_id: str | None = None) -> SlackRequest:
        """A modal's Submit: ``values`` is ``{block_id: {action_id: state}}`` (a string
        state is text typed; see :func:`select_value`, :func:`date_value`...). ``view``:
        the view as views.open answered, to submit that one."""
        team = team_id or self.team_id
        submitted = self._view(callback_id, private_metadata, view_id, view, team)
        submitted["state"] = {"values": state_values(values)}
        return SlackRequest("interactive", {
            "type": "view_submission", "team": {"id": team, "domain": self.domain},
            "user": self._user(user, team), "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN, "trigger_id": self._trigger(), "view": submitted,
            "response_urls": [], "is_enterprise_install": False, "enterprise": None})

    def view_closed(self, *, user: str, callback_id: str, private_metadata: str = "",
                    view: Mapping[str, Any] | None = None,
                    team_id: str | None = None) -> SlackRequest:
        """A modal dismissed with Cancel (sent only if the view has notify_on_close)."""
        team = team_id or self.team_id
        return SlackRequest("interactive", {
            "type": "view_closed", "team": {"id": team, "domain": self.domain},
            "user": self._user(user, team), "api_app_id": self.api_app_id,
            "token": VERIFICATION_TOKEN,
            "view": self._view(callback_id, private_metadata, None, view, team),
            "is_cleared": False, "is_enterprise_install": False, "enterprise": None})

    def block_suggestion(self, *, user: str, action_id: str, value: str,
                         block_id: str | None = None, view: Mapping[str, Any] | None = None,
                         callback_id: str = "", team_id: str | None = None) -> SlackRequest:
        """An external_select asking for options while ``value`` is typed."""
        team = team_id or self.team_id
        payload: dict[str, Any] = {
            "type": "block_suggestion", "user": self._user(user, team),
            "api_app_id": self.api_app_id, "token": VERIFICATION_TOKEN,
            "action_id": action_id, "block_id": block_id or f"b{next(self._numbers)}",
            "value": value, "team": {"id": team, "domain": self.domain},
            "enterprise": None, "is_enterprise_install": False,
            "view": self._view(callback_id, "", None, view, team)}
        payload["container"] = {"type": "view", "view_id": payload["view"]["id"]}
        return SlackRequest("interactive", payload)

    # -- plumbing ----------------------------------------------------------------------
    def _user(self, user: str, team: str) -> dict[str, Any]:
        return {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team}

    def _view(self, callback_id: str, private_metadata: str, view_id: str | None,
              view: Mapping[str, Any] | None, team: str) -> dict[str, Any]:
        base: dict[str, Any] = {
            "id": view_id or f"V{next(self._numbers):08d}", "team_id": team, "type": "modal",
            "blocks": [], "private_metadata": private_metadata, "callback_id": callback_id,
            "state": {"values": {}}, "hash": f"{self._epoch}.{uuid.uuid4().hex[:8]}",
            "title": {"type": "plain_text", "text": "PolicyBot"},
            "clear_on_close": False, "notify_on_close": False, "close": None,
            "submit": {"type": "plain_text", "text": "Submit"}, "previous_view_id": None,
            "root_view_id": None, "app_id": self.api_app_id, "external_id": "",
            "app_installed_team_id": team, "bot_id": "B0POLICYBOT"}
        if view is not None:
            base |= dict(view)
            if callback_id:
                base["callback_id"] = callback_id
            if private_metadata:
                base["private_metadata"] = private_metadata
        base["root_view_id"] = base["root_view_id"] or base["id"]
        return base

    def _ts(self) -> str:
        return f"{self._epoch}.{next(self._numbers):06d}"

    def _trigger(self) -> str:
        n = next(self._numbers)
        trigger = f"{n}{self._epoch % 100000}.{self._epoch}.{uuid.uuid4().hex}"
        if self.on_trigger is not None:
            self.on_trigger(trigger)
        return trigger

    def _response_url(self, team: str) -> str:
        return f"{self.response_base}{team}/{next(self._numbers)}/{uuid.uuid4().hex[:24]}"


def _channel_type(channel: str) -> str:
    return {"D": "im", "C": "channel", "G": "group"}.get(channel[:1], "channel")


def _rich_text(text: str) -> list[dict[str, Any]]:
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [
        {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}]}]
