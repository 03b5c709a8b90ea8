"""A fake Slack Web API (and Socket Mode server): real HTTP on 127.0.0.1 (a random port),
so the real slack_sdk / slack-bolt talk to it exactly as they would to Slack.

Point the SDK at :attr:`FakeSlack.api_url` (SLACK_API_URL, slack_sdk's ``base_url``).
Every call is recorded (:attr:`FakeSlack.calls`), whichever way the SDK encoded it
(query string, form, multipart or JSON: slack_sdk uses all four); tests await a call
with :meth:`FakeSlack.wait_for` instead of sleeping.

What it checks, as Slack does: the ``Authorization: Bearer`` token (a wrong one is
``invalid_auth``; an app-level ``xapp-`` token only opens Socket Mode), a modal's
``trigger_id`` (only ids the test registered, each usable once: anything else is
``expired_trigger_id``), the limits Slack enforces on messages, blocks and views
(``invalid_blocks``, ``invalid_arguments``, ``msg_too_long``), a ``views.update``
``hash``, and that completed uploads were uploaded first.

It can be told to fail a method (:meth:`FakeSlack.fail_next`: HTTP 429 with
``Retry-After``, or any ``{"ok": false, "error": ...}``), to refuse a channel
(:meth:`FakeSlack.refuse`), and to hold a method's answers (:meth:`FakeSlack.hold`).

Besides the Web API it serves the three other things a Slack app talks to: the
upload URLs that ``files.getUploadURLExternal`` hands out (files upload v2), the
``response_url`` of slash commands and interactions (:attr:`FakeSlack.response_base`),
and the Socket Mode websocket that ``apps.connections.open`` points to, where a test
sends envelopes (:meth:`FakeSlack.socket_send`) and awaits the app's acks
(:meth:`FakeSlack.wait_for_ack`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

BOT_TOKEN = "xoxb-1001-test-bot-token"
APP_TOKEN = "xapp-1-A0POLICY-1001-test-app-token"
TEAM_ID = "T0CROUGHTON"
TEAM_DOMAIN = "croughton"
BOT_USER_ID = "U0POLICYBOT"
BOT_ID = "B0POLICYBOT"
APP_ID = "A0POLICY"
SCOPES = ("app_mentions:read,channels:history,chat:write,commands,files:write,"
          "groups:history,im:history,im:write,users:read")

MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
TEXT_LIMIT = 40_000
RESPONSE_URL_USES = 5  # Slack: a response_url works five times (within 30 minutes)
SOCKET_WAIT = 5.0


class SlackError(Exception):
    """What a method answers instead of its result: ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, *messages: str) -> None:
        super().__init__(error)
        self.error = error
        self.messages = list(messages)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": [f"[ERROR] {m}" for m in self.messages]}
            if self.error == "invalid_blocks":
                body["errors"] = list(self.messages)
        return body


@dataclass(frozen=True)
class Workspace:
    """A Slack team the fake knows, and its bot token."""

    team_id: str
    token: str
    domain: str
    bot_user_id: str = BOT_USER_ID
    bot_id: str = BOT_ID


@dataclass(frozen=True)
class Call:
    """One request as the fake received it.

    ``params`` merges the query string and the body. Values are as sent: strings for
    form and query parameters (where slack_sdk JSON-encodes objects such as
    ``blocks``), decoded JSON for JSON bodies; :meth:`json` reads either. ``files``
    holds uploaded files by field name as (filename, bytes). ``token`` is the bearer
    token (or the ``token`` parameter), ``team_id`` the workspace it belongs to (None
    if unknown), ``status`` the HTTP status the fake answered and ``response`` the JSON
    it answered (filled in once the answer is known). ``method`` is the Web API method,
    or ``"upload"`` (a POST to an upload URL) or ``"response_url"`` (with ``path``).
    """

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    token: str | None = None
    status: int = 200
    team_id: str | None = None
    path: str = ""
    response: dict[str, Any] = field(default_factory=dict)

    def json(self, name: str) -> Any:
        value = self.params.get(name)
        return json.loads(value) if isinstance(value, str) else value

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def error(self) -> str | None:
        error = self.response.get("error")
        return None if error is None else str(error)

    @property
    def text(self) -> str:
        """The message text (or a shared file's initial_comment)."""
        return str(self.params.get("text") or self.params.get("initial_comment") or "")

    @property
    def channel(self) -> str | None:
        channel = self.params.get("channel", self.params.get("channel_id"))
        return None if channel is None else str(channel)

    @property
    def user(self) -> str | None:
        user = self.params.get("user", self.params.get("user_id", self.params.get("users")))
        return None if user is None else str(user)

    @property
    def thread_ts(self) -> str | None:
        value = self.params.get("thread_ts")
        return None if value is None else str(value)

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.json("blocks")
        return list(blocks) if blocks else []

    @property
    def view(self) -> dict[str, Any]:
        view = self.json("view")
        return dict(view) if view else {}

    @property
    def block_text(self) -> str:
        """Every piece of text in the blocks (of the message or the view), joined by
        newlines: what a person reads, to assert on without walking block JSON."""
        blocks = self.blocks or self.view.get("blocks", [])
        return "\n".join(_texts(blocks))

    @property
    def action_ids(self) -> list[str]:
        """The action_id of every interactive element in the blocks, in order."""
        blocks = self.blocks or self.view.get("blocks", [])
        return [str(e["action_id"]) for e in _elements(blocks) if "action_id" in e]


@dataclass
class Upload:
    """A file of the upload v2 sequence: announced by ``files.getUploadURLExternal``,
    sent to its upload URL, shared by ``files.completeUploadExternal``."""

    file_id: str
    filename: str
    length: int
    token: str | None
    data: bytes | None = None
    title: str | None = None
    channel_id: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None
    completed: bool = False


@dataclass(frozen=True)
class Ack:
    """What the app sent back over Socket Mode for one envelope."""

    envelope_id: str
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class Failure:
    status: int
    error: str
    retry_after: int | None = None


@dataclass
class _Trigger:
    expires: float | None


class FakeSlack:
    def __init__(self, token: str = BOT_TOKEN, *, team_id: str = TEAM_ID,
                 domain: str = TEAM_DOMAIN, app_token: str = APP_TOKEN) -> None:
        self.app_token = app_token
        self.workspaces: dict[str, Workspace] = {}
        self.add_workspace(team_id, token, domain=domain)
        self.calls: list[Call] = []
        self.uploads: dict[str, Upload] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.acks: dict[str, Ack] = {}
        self.refused: dict[str, str] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._held: dict[str, asyncio.Event] = {}
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_connections = 0
        self._response_uses: dict[str, int] = {}
        self._changed = asyncio.Condition()
        self._numbers = itertools.count(1)
        self._private_files: dict[str, bytes] = {}
        self._epoch = int(time.time())
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._private_file)
        app.router.add_post("/respond/{path:.*}", self._respond)
        app.router.add_get("/link/", self._socket)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        self._closing = True
        for gate in self._held.values():
            gate.set()
        for ws in list(self._sockets):
            await ws.close()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSlack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """slack_sdk's ``base_url`` (SLACK_API_URL)."""
        return f"{self.base_url}/api/"

    @property
    def response_base(self) -> str:
        """Where the ``response_url`` of built requests should point (a prefix: anything
        after it is one response URL)."""
        return f"{self.base_url}/respond/"

    @property
    def token(self) -> str:
        """The first workspace's bot token."""
        return next(iter(self.workspaces.values())).token

    # -- what tests tell it --------------------------------------------------------
    def add_workspace(self, team_id: str, token: str, *, domain: str | None = None,
                      bot_user_id: str = BOT_USER_ID, bot_id: str = BOT_ID) -> Workspace:
        """Another team with its own bot token (one app installed in several
        workspaces): auth.test with that token answers for that team."""
        workspace = Workspace(team_id, token, domain or team_id.lower(), bot_user_id, bot_id)
        self.workspaces[token] = workspace
        return workspace

    def add_user(self, user_id: str, name: str, *, team_id: str | None = None,
                 is_bot: bool = False, deleted: bool = False,
                 tz: str = "Europe/London") -> dict[str, Any]:
        """What ``users.info`` answers for this user (others get a plain profile)."""
        user = _user_object(user_id, name, team_id or self._first_team, is_bot=is_bot,
                            deleted=deleted, tz=tz)
        self.users[user_id] = user
        return user

    def add_file(self, name: str, content: bytes, mimetype: str = "image/png") -> dict[str, Any]:
        """A file someone uploaded (into a modal's file input, or a DM): the Slack file
        object, whose ``url_private_download`` serves ``content`` to the bot's token."""
        file_id = f"F{next(self._numbers):08d}"
        self._private_files[file_id] = content
        url = f"{self.base_url}/files-pri/{file_id}/{name}"
        return {"id": file_id, "name": name, "title": name, "mimetype": mimetype,
                "filetype": name.rpartition(".")[2], "size": len(content),
                "url_private": url, "url_private_download": url}

    async def _private_file(self, request: web.Request) -> web.Response:
        content = self._private_files.get(request.match_info["file_id"])
        token = _bearer(request)
        call = Call("files-pri", {"file_id": request.match_info["file_id"]}, {}, token,
                    200 if content is not None and token in self.workspaces else 404,
                    path=request.path)
        await self._record(call)
        if call.status != 200 or content is None:
            return web.Response(status=call.status, text="not found")
        return web.Response(body=content, content_type="application/octet-stream")

    def allow_trigger(self, trigger_id: str, *, ttl: float | None = None) -> str:
        """Accept ``trigger_id`` once in views.open / views.push (for ``ttl`` seconds if
        given; Slack's own limit is 3 seconds, which is too tight for a loaded CI)."""
        self._triggers[trigger_id] = _Trigger(None if ttl is None else time.monotonic() + ttl)
        return trigger_id

    def new_trigger(self, *, ttl: float | None = None) -> str:
        """A fresh trigger_id, already accepted."""
        n = next(self._numbers)
        return self.allow_trigger(f"{n}.{self._epoch}.{uuid.uuid4().hex[:32]}", ttl=ttl)

    def expire_trigger(self, trigger_id: str) -> None:
        self._triggers.pop(trigger_id, None)

    def fail_next(self, method: str, error: str | None = None, *, status: int | None = None,
                  retry_after: int | None = None, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with a failure.

        ``status=429`` or ``retry_after=N``: HTTP 429, ``Retry-After: N`` (default 1),
        ``{"ok": false, "error": "ratelimited"}``. Otherwise ``{"ok": false, "error":
        error}`` with HTTP ``status`` (default 200, as Slack answers API errors).
        ``method`` may also be ``"upload"`` (the upload URL) or ``"response_url"``.
        """
        if status == 429 or retry_after is not None:
            failure = Failure(429, error or "ratelimited", retry_after or 1)
        else:
            if error is None and status is None:
                raise ValueError("fail_next needs an error, a status or retry_after")
            failure = Failure(status or 200, error or "internal_error")
        self._failures.setdefault(method, []).extend([failure] * times)

    def refuse(self, channel: str, error: str = "not_in_channel") -> None:
        """Answer every message to ``channel`` (post, ephemeral, update, file share)
        with ``error``: ``not_in_channel``, ``channel_not_found``, ``is_archived``..."""
        self.refused[channel] = error

    def hold(self, method: str) -> asyncio.Event:
        """Record calls of ``method`` as they arrive but answer them only once the
        returned event is set."""
        gate = self._held.setdefault(method, asyncio.Event())
        gate.clear()
        return gate

    # -- what tests read -----------------------------------------------------------
    def calls_to(self, method: str,
                 predicate: Callable[[Call], bool] | None = None) -> list[Call]:
        return [c for c in self.calls
                if c.method == method and (predicate is None or predicate(c))]

    async def wait_for(self, method: str, predicate: Callable[[Call], bool] | None = None, *,
                       count: int = 1, timeout: float = 5.0  # noqa: ASYNC109
                       ) -> list[Call]:
        """Wait until ``count`` calls of ``method`` (matching ``predicate``) have
        arrived; answer them all. Calls are recorded on arrival, before the answer."""
        def arrived() -> bool:
            return len(self.calls_to(method, predicate)) >= count
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(arrived), timeout)
        return self.calls_to(method, predicate)

    def posted(self, channel: str | None = None) -> list[Call]:
        """Messages delivered by chat.postMessage (to ``channel``), in order."""
        return [c for c in self.calls_to("chat.postMessage") if c.ok
                and (channel is None or c.response.get("channel") == channel
                     or c.channel == channel)]

    def ephemerals(self, user: str | None = None) -> list[Call]:
        """Ephemeral messages delivered by chat.postEphemeral (to ``user``)."""
        return [c for c in self.calls_to("chat.postEphemeral") if c.ok
                and (user is None or c.user == user)]

    def responses(self) -> list[Call]:
        """Messages sent to response URLs, in order."""
        return [c for c in self.calls_to("response_url") if c.status == 200]

    def home(self, user: str) -> dict[str, Any] | None:
        """The App Home view last published for ``user``."""
        return self.home_views.get(user)

    def dm_channel(self, user: str) -> str:
        """The id of the bot's DM with ``user`` (what conversations.open answers, and
        where chat.postMessage to a user id lands)."""
        return "D" + user[1:] if user[:1] in ("U", "W") else "D" + user

    def shared_files(self, channel: str | None = None) -> list[Upload]:
        """Files completed by files.completeUploadExternal (into ``channel``)."""
        return [u for u in self.uploads.values() if u.completed
                and (channel is None or u.channel_id == channel)]

    # -- Socket Mode -------------------------------------------------------------------
    @property
    def socket_connections(self) -> int:
        """How many websocket connections have been opened so far."""
        return self._socket_connections

    async def wait_for_socket(self, count: int = 1,
                              timeout: float = SOCKET_WAIT) -> None:  # noqa: ASYNC109
        """Wait until ``count`` connections have been opened and one is open now."""
        def connected() -> bool:
            return self._socket_connections >= count and bool(self._sockets)
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(connected), timeout)

    async def socket_send(self, envelope: dict[str, Any], *,
                          timeout: float = SOCKET_WAIT) -> str:  # noqa: ASYNC109
        """Send an envelope (``{"type": "events_api" | "slash_commands" |
        "interactive", "payload": ...}``) to the connected app, once one is connected.
        Adds an ``envelope_id`` if it has none; answers the envelope_id."""
        envelope = dict(envelope)
        envelope.setdefault("envelope_id", str(uuid.uuid4()))
        await self.wait_for_socket(timeout=timeout)
        await self._sockets[-1].send_str(json.dumps(envelope))
        return str(envelope["envelope_id"])

    async def wait_for_ack(self, envelope_id: str,
                           timeout: float = SOCKET_WAIT) -> Ack:  # noqa: ASYNC109
        """Wait for the app's acknowledgement of one envelope."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: envelope_id in self.acks),
                                   timeout)
        return self.acks[envelope_id]

    async def socket_disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell the connected app to reconnect, as Slack does every few hours."""
        await self.wait_for_socket()
        await self._sockets[-1].send_str(json.dumps({
            "type": "disconnect", "reason": reason,
            "debug_info": {"host": "applink-fake"}}))

    # -- the Web API ---------------------------------------------------------------------
    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params, files = await _read(request)
        token = _bearer(request) or _optional_str(params.pop("token", None))
        workspace = self.workspaces.get(token or "")
        failure = self._failure_for(method)
        call = Call(method, params, files, token,
                    200 if failure is None else failure.status,
                    workspace.team_id if workspace else None)
        await self._record(call)
        if method in self._held:
            await self._held[method].wait()
        if failure is not None:
            return self._fail(call, failure)
        try:
            result = self._answer(call, workspace, request.method)
        except SlackError as e:
            return _json_response(call, e.body())
        headers = {"x-oauth-scopes": SCOPES} if workspace is not None else {}
        return _json_response(call, {"ok": True, **result}, headers=headers)

    def _answer(self, call: Call, workspace: Workspace | None,
                verb: str) -> dict[str, Any]:
        if call.method == "apps.connections.open":
            if call.token is None:
                raise SlackError("not_authed")
            if call.token != self.app_token:
                raise SlackError("invalid_auth" if workspace is None
                                 else "not_allowed_token_type")
            return self._connections_open()
        if call.token is None:
            raise SlackError("not_authed")
        if call.token == self.app_token:
            raise SlackError("not_allowed_token_type")
        if workspace is None:
            raise SlackError("invalid_auth")
        answer = self._methods().get(call.method)
        if answer is None:
            raise SlackError("unknown_method")
        if verb == "GET" and call.method not in ("auth.test", "users.info",
                                                 "conversations.info"):
            raise SlackError("invalid_request", "this method requires POST")
        return answer(call, workspace)

    def _methods(self) -> dict[str, Callable[[Call, Workspace], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.delete": self._delete,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "users.info": self._users_info,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    def _auth_test(self, call: Call, ws: Workspace) -> dict[str, Any]:
        return {"url": f"https://{ws.domain}.slack.com/", "team": ws.domain.title(),
                "user": "policybot", "team_id": ws.team_id, "user_id": ws.bot_user_id,
                "bot_id": ws.bot_id, "is_enterprise_install": False}

    def _post_message(self, call: Call, ws: Workspace) -> dict[str, Any]:
        channel = self._channel(call)
        _check_message(call)
        ts = self._ts()
        message: dict[str, Any] = {"type": "message", "user": ws.bot_user_id,
                                   "bot_id": ws.bot_id, "app_id": APP_ID, "team": ws.team_id,
                                   "ts": ts, "text": call.text}
        if call.blocks:
            message["blocks"] = call.blocks
        if call.thread_ts:
            message["thread_ts"] = call.thread_ts
        return {"channel": channel, "ts": ts, "message": message}

    def _post_ephemeral(self, call: Call, ws: Workspace) -> dict[str, Any]:
        self._channel(call)
        if not call.params.get("user"):
            raise SlackError("user_not_found")
        _check_message(call)
        return {"message_ts": self._ts()}

    def _update(self, call: Call, ws: Workspace) -> dict[str, Any]:
        channel = self._channel(call)
        ts = _optional_str(call.params.get("ts"))
        if not ts:
            raise SlackError("message_not_found")
        _check_message(call)
        return {"channel": channel, "ts": ts, "text": call.text,
                "message": {"type": "message", "user": ws.bot_user_id, "bot_id": ws.bot_id,
                            "text": call.text, "blocks": call.blocks}}

    def _delete(self, call: Call, ws: Workspace) -> dict[str, Any]:
        channel = self._channel(call)
        return {"channel": channel, "ts": call.params.get("ts")}

    def _conversations_open(self, call: Call, ws: Workspace) -> dict[str, Any]:
        users = [u for u in str(call.params.get("users") or "").split(",") if u]
        if not users:
            channel = _optional_str(call.params.get("channel"))
            if not channel:
                raise SlackError("users_list_not_supplied")
            return {"channel": {"id": channel}}
        if len(users) == 1:
            channel_id = self.dm_channel(users[0])
            return {"no_op": True, "already_open": True,
                    "channel": {"id": channel_id, "is_im": True, "user": users[0]}}
        return {"channel": {"id": "G" + "".join(u[1:] for u in users)[:10], "is_mpim": True}}

    def _conversations_info(self, call: Call, ws: Workspace) -> dict[str, Any]:
        channel = self._channel(call)
        kind = channel[:1]
        return {"channel": {"id": channel, "is_im": kind == "D", "is_channel": kind == "C",
                            "is_private": kind in ("G", "D"), "is_member": True}}

    def _users_info(self, call: Call, ws: Workspace) -> dict[str, Any]:
        user_id = _optional_str(call.params.get("user"))
        if not user_id:
            raise SlackError("user_not_found")
        user = self.users.get(user_id) or _user_object(user_id, user_id, ws.team_id)
        return {"user": user}

    def _views_open(self, call: Call, ws: Workspace) -> dict[str, Any]:
        trigger = _optional_str(call.params.get("trigger_id")
                                or call.params.get("interactivity_pointer"))
        view = _view_param(call)
        if not trigger:
            raise SlackError("invalid_arguments", "missing required field: trigger_id")
        _check_view(view, "modal")
        granted = self._triggers.pop(trigger, None)
        if granted is None or (granted.expires is not None
                               and granted.expires < time.monotonic()):
            raise SlackError("expired_trigger_id")
        return {"view": self._store_view(view, ws)}

    def _views_update(self, call: Call, ws: Workspace) -> dict[str, Any]:
        view = _view_param(call)
        _check_view(view, "home" if view.get("type") == "home" else "modal")
        view_id = _optional_str(call.params.get("view_id"))
        external_id = _optional_str(call.params.get("external_id"))
        if view_id is None and external_id is not None:
            view_id = next((i for i, v in self.views.items()
                            if v.get("external_id") == external_id), None)
            if view_id is None:
                raise SlackError("not_found")
        if not view_id:
            raise SlackError("invalid_arguments", "missing required field: view_id")
        stored = self.views.get(view_id)
        expected = _optional_str(call.params.get("hash"))
        if stored is not None and expected is not None and stored["hash"] != expected:
            raise SlackError("hash_conflict")
        return {"view": self._store_view(view, ws, view_id=view_id)}

    def _views_publish(self, call: Call, ws: Workspace) -> dict[str, Any]:
        user = _optional_str(call.params.get("user_id"))
        if not user:
            raise SlackError("invalid_arguments", "missing required field: user_id")
        view = _view_param(call)
        _check_view(view, "home")
        stored = self._store_view(view, ws)
        self.home_views[user] = stored
        return {"view": stored}

    def _get_upload_url(self, call: Call, ws: Workspace) -> dict[str, Any]:
        filename = _optional_str(call.params.get("filename"))
        length = _optional_str(call.params.get("length"))
        if not filename:
            raise SlackError("invalid_arguments", "missing required field: filename")
        if not length or not length.isdigit() or int(length) <= 0:
            raise SlackError("invalid_arguments", "missing required field: length")
        file_id = f"F{next(self._numbers):08d}"
        self.uploads[file_id] = Upload(file_id, filename, int(length), call.token)
        return {"upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, call: Call, ws: Workspace) -> dict[str, Any]:
        entries = call.json("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments", "missing required field: files")
        channel = call.channel or (_optional_str(call.params.get("channels")) or "").split(",")[0]
        if channel:
            channel = self._channel(Call(call.method, {"channel": channel}))
        files: list[dict[str, Any]] = []
        for entry in entries:
            upload = self.uploads.get(str(entry.get("id")))
            if upload is None or upload.data is None or upload.completed \
                    or upload.token != call.token:  # another workspace's file
                raise SlackError("file_not_found")
            if len(upload.data) != upload.length:
                raise SlackError("file_upload_size_mismatch")
        for entry in entries:
            upload = self.uploads[str(entry["id"])]
            upload.title = str(entry.get("title") or upload.filename)
            upload.channel_id = channel or None
            upload.initial_comment = _optional_str(call.params.get("initial_comment"))
            upload.thread_ts = call.thread_ts
            upload.completed = True
            shares = {"private" if (channel or "")[:1] in ("D", "G") else "public":
                      {channel: [{"ts": self._ts()}]}} if channel else {}
            files.append({"id": upload.file_id, "name": upload.filename,
                          "title": upload.title, "size": upload.length,
                          "user": ws.bot_user_id, "channels": [channel] if channel else [],
                          "shares": shares})
        return {"files": files}

    def _connections_open(self) -> dict[str, Any]:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"url": f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={APP_ID}"}

    def _channel(self, call: Call) -> str:
        channel = call.channel
        if not channel:
            raise SlackError("channel_not_found")
        if channel in self.refused:
            raise SlackError(self.refused[channel])
        if channel[:1] in ("U", "W"):  # a message to a user id lands in the bot's DM
            channel = self.dm_channel(channel)
        if channel in self.refused:
            raise SlackError(self.refused[channel])
        return channel

    def _store_view(self, view: dict[str, Any], ws: Workspace, *,
                    view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{next(self._numbers):08d}"
        stored = {**view, "id": view_id, "team_id": ws.team_id, "app_id": APP_ID,
                  "bot_id": ws.bot_id, "app_installed_team_id": ws.team_id,
                  "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
                  "state": {"values": {}}, "root_view_id": view_id,
                  "private_metadata": view.get("private_metadata", ""),
                  "callback_id": view.get("callback_id", "")}
        self.views[view_id] = stored
        return stored

    def _ts(self) -> str:
        return f"{self._epoch}.{next(self._numbers):06d}"

    # -- uploads and response URLs ---------------------------------------------------
    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        data, filename = await _upload_body(request)
        upload = self.uploads.get(file_id)
        failure = self._failure_for("upload")
        status = failure.status if failure else (200 if upload is not None else 404)
        call = Call("upload", {"file_id": file_id}, {"file": (filename or "", data)},
                    _bearer(request), status, path=request.path)
        await self._record(call)
        if status != 200 or upload is None:
            return web.Response(status=status, text="upload failed", content_type="text/plain")
        upload.data = data
        return web.Response(text=f"OK - {len(data)}", content_type="text/plain")

    async def _respond(self, request: web.Request) -> web.Response:
        path = request.match_info["path"]
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = {}
        uses = self._response_uses.get(path, 0) + 1
        self._response_uses[path] = uses
        failure = self._failure_for("response_url")
        status = failure.status if failure else (200 if uses <= RESPONSE_URL_USES else 404)
        call = Call("response_url", dict(body) if isinstance(body, dict) else {},
                    status=status, path=path)
        await self._record(call)
        if status != 200:
            call.response.update({"ok": False, "error": "used_url" if failure is None
                                  else failure.error})
            return web.Response(status=status, text=call.error or "", content_type="text/plain")
        call.response["ok"] = True
        return web.Response(text="ok", content_type="text/plain")

    # -- Socket Mode ----------------------------------------------------------------
    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": len(self._sockets) + 1,
            "debug_info": {"host": "applink-fake", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": APP_ID}}))
        async with self._changed:
            self._sockets.append(ws)
            self._socket_connections += 1
            self._changed.notify_all()
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                with contextlib.suppress(json.JSONDecodeError):
                    await self._socket_message(json.loads(message.data))
        finally:
            async with self._changed:
                if ws in self._sockets:
                    self._sockets.remove(ws)
                self._changed.notify_all()
        return ws

    async def _socket_message(self, message: Any) -> None:
        if not isinstance(message, dict) or "envelope_id" not in message:
            return
        payload = message.get("payload")
        ack = Ack(str(message["envelope_id"]), payload if isinstance(payload, dict) else None)
        async with self._changed:
            self.acks[ack.envelope_id] = ack
            self._changed.notify_all()

    # -- plumbing ---------------------------------------------------------------------
    @property
    def _first_team(self) -> str:
        return next(iter(self.workspaces.values())).team_id

    def _failure_for(self, method: str) -> Failure | None:
        queued = self._failures.get(method)
        return queued.pop(0) if queued else None

    def _fail(self, call: Call, failure: Failure) -> web.Response:
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = str(failure.retry_after)
        return _json_response(call, {"ok": False, "error": failure.error},
                              status=failure.status,
                       headers=headers)

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()


# -- request parsing -------------------------------------------------------------------
async def _read(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = dict(request.query)
    files: dict[str, tuple[str, bytes]] = {}
    if request.method != "POST" or not request.can_read_body:
        return params, files
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params, files
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            files[name] = (value.filename, value.file.read())
        else:
            params[name] = str(value)
    return params, files


async def _upload_body(request: web.Request) -> tuple[bytes, str | None]:
    if request.content_type.startswith("multipart/"):
        for value in (await request.post()).values():
            if isinstance(value, web.FileField):
                return value.file.read(), value.filename
        return b"", None
    return await request.read(), None


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _optional_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _json_response(call: Call, body: dict[str, Any], *, status: int = 200,
            headers: dict[str, str] | None = None) -> web.Response:
    call.response.update(body)
    return web.json_response(body, status=status, headers=headers)


def _view_param(call: Call) -> dict[str, Any]:
    view = call.json("view")
    if not isinstance(view, dict):
        raise SlackError("invalid_arguments", "missing required field: view")
    return view


def _user_object(user_id: str, name: str, team_id: str, *, is_bot: bool = False,
                 deleted: bool = False, tz: str = "Europe/London") -> dict[str, Any]:
    handle = name.lower().replace(" ", ".")
    return {"id": user_id, "team_id": team_id, "name": handle, "real_name": name,
            "deleted": deleted, "is_bot": is_bot, "is_admin": False, "tz": tz,
            "profile": {"real_name": name, "display_name": name.split(" ")[0],
                        "real_name_normalized": name, "team": team_id}}


# -- what Slack validates --------------------------------------------------------------
def _check_message(call: Call) -> None:
    text = call.text
    blocks = call.json("blocks")
    attachments = call.json("attachments")
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    if len(text) > TEXT_LIMIT:
        raise SlackError("msg_too_long")
    if blocks:
        problems = _block_problems(blocks, MESSAGE_BLOCKS)
        if problems:
            raise SlackError("invalid_blocks", *problems)


def _check_view(view: dict[str, Any], kind: str) -> None:
    problems: list[str] = []
    if view.get("type") != kind:
        problems.append(f"view type must be {kind}")
    if kind == "modal":
        problems += _plain_text_problem(view.get("title"), 24, "title", required=True)
        problems += _plain_text_problem(view.get("submit"), 24, "submit")
        problems += _plain_text_problem(view.get("close"), 24, "close")
        blocks = view.get("blocks") or []
        if any(isinstance(b, dict) and b.get("type") == "input" for b in blocks) \
                and "submit" not in view:
            problems.append("submit is required when a view has input blocks")
    if len(str(view.get("private_metadata", ""))) > 3000:
        problems.append("private_metadata must be at most 3000 characters")
    if len(str(view.get("callback_id", ""))) > 255:
        problems.append("callback_id must be at most 255 characters")
    if len(str(view.get("external_id", ""))) > 255:
        problems.append("external_id must be at most 255 characters")
    problems += _block_problems(view.get("blocks", []), VIEW_BLOCKS)
    if problems:
        raise SlackError("invalid_arguments", *problems)


def _plain_text_problem(value: Any, limit: int, where: str, *,
                        required: bool = False) -> list[str]:
    if value is None:
        return [f"{where} is required"] if required else []
    if not isinstance(value, dict) or value.get("type") != "plain_text":
        return [f"{where} must be a plain_text object"]
    text = str(value.get("text", ""))
    if not text:
        return [f"{where} must not be empty"]
    if len(text) > limit:
        return [f"{where} must be at most {limit} characters"]
    return []


def _text_problem(value: Any, limit: int, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict) or value.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where} must be a text object"]
    text = str(value.get("text", ""))
    if not text:
        return [f"{where} must not be empty"]
    if len(text) > limit:
        return [f"{where} must be at most {limit} characters"]
    return []


BLOCK_TYPES = frozenset({"section", "header", "divider", "actions", "context", "input",
                         "image", "rich_text", "file", "video", "markdown"})


def _block_problems(blocks: Any, limit: int) -> list[str]:
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    problems: list[str] = []
    if len(blocks) > limit:
        problems.append(f"no more than {limit} items allowed [json-pointer:/blocks]")
    block_ids: set[str] = set()
    for n, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{n}]"
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            problems.append(f"unknown block type {where}")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                problems.append(f"block_id must be at most 255 characters {where}")
            if block_id in block_ids:
                problems.append(f"duplicate block_id {where}")
            block_ids.add(str(block_id))
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"section needs text or fields {where}")
            problems += _text_problem(block.get("text"), 3000, f"text {where}")
            fields = block.get("fields") or []
            if len(fields) > 10:
                problems.append(f"no more than 10 fields {where}")
            for f in fields:
                problems += _text_problem(f, 2000, f"field {where}")
        elif kind == "header":
            problems += _plain_text_problem(block.get("text"), 150, f"header {where}",
                                            required=True)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not elements or len(elements) > 25:
                problems.append(f"actions needs 1 to 25 elements {where}")
        elif kind == "context":
            elements = block.get("elements") or []
            if not elements or len(elements) > 10:
                problems.append(f"context needs 1 to 10 elements {where}")
        elif kind == "input":
            problems += _plain_text_problem(block.get("label"), 2000, f"label {where}",
                                            required=True)
            if not isinstance(block.get("element"), dict):
                problems.append(f"input needs an element {where}")
        for element in _elements([block]):
            problems += _element_problems(element, where)
    return problems


def _element_problems(element: dict[str, Any], where: str) -> list[str]:
    problems: list[str] = []
    if len(str(element.get("action_id", ""))) > 255:
        problems.append(f"action_id must be at most 255 characters {where}")
    if element.get("type") == "button":
        problems += _plain_text_problem(element.get("text"), 75, f"button text {where}",
                                        required=True)
        if len(str(element.get("value", ""))) > 2000:
            problems.append(f"button value must be at most 2000 characters {where}")
        if len(str(element.get("url", ""))) > 3000:
            problems.append(f"button url must be at most 3000 characters {where}")
    for option in element.get("options") or []:
        if isinstance(option, dict):
            problems += _text_problem(option.get("text"), 75, f"option text {where}")
            if len(str(option.get("value", ""))) > 150:
                problems.append(f"option value must be at most 150 characters {where}")
    return problems


def _elements(blocks: list[Any]) -> Iterator[dict[str, Any]]:
    """The interactive elements of blocks: actions' elements, a section's accessory,
    an input's element."""
    for block in blocks:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "actions":
            yield from (e for e in block.get("elements") or [] if isinstance(e, dict))
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                yield block[key]


def _texts(blocks: list[Any]) -> Iterator[str]:
    for block in blocks:
        if not isinstance(block, dict):
            continue
        for key in ("text", "label"):
            value = block.get(key)
            if isinstance(value, dict) and value.get("text"):
                yield str(value["text"])
        for f in block.get("fields") or []:
            if isinstance(f, dict) and f.get("text"):
                yield str(f["text"])
        if block.get("type") == "context":
            for e in block.get("elements") or []:
                if isinstance(e, dict) and e.get("text"):
                    yield str(e["text"])
        for element in _elements([block]):
            text = element.get("text")
            if isinstance(text, dict) and text.get("text"):
                yield str(text["text"])
