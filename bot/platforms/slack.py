"""The Slack platform (slack-bolt ``AsyncApp``): requests in, Web API calls out.

It only converts. A Slack request (an Events API callback, a slash command, a button,
a submitted modal) becomes an :class:`~bot.inbound.Inbound`
(:mod:`bot.platforms.slack_events`) for the inbound pipeline, which records,
identifies, dispatches and queues the replies in one transaction; the replies become
Web API calls (:mod:`bot.platforms.slack_send`). What only Slack has:

- **one endpoint**, ``POST /slack/events`` (``policybot serve``), for every kind of
  request, each signed: a request that no configured signing secret verifies, or older
  than five minutes, gets 401 and nothing is processed. ``policybot run`` takes the
  same requests over Socket Mode instead (``SLACK_APP_TOKEN``);
- the request is **acknowledged** as soon as the pipeline has committed it (a few
  milliseconds: Slack allows three seconds), with a submitted form's errors when it
  has any; a form to open is opened right after (its trigger lasts three seconds;
  if it has lapsed, the person gets a private message with a button that opens it);
  replies go out after, through the outbox;
- a request Slack resends (``X-Slack-Retry-Num``) has the delivery key of the first,
  so it changes nothing;
- **workspaces**: a school's ``slack_team`` names its workspace. Each workspace's bot
  token and signing secret are ``SLACK_BOT_TOKEN``/``SLACK_SIGNING_SECRET`` (the
  default) or an entry of ``SLACK_WORKSPACES``; a request from a workspace no school
  names gets a polite refusal and a log line;
- replies: in the chat, only to the person (ephemeral: a slash command's answer, bar
  ``/policy`` unless ``SLACK_POLICY_IN_CHANNEL=false``), in a DM (files with the upload
  v2 sequence), and home views published to the App Home tab. A 429's ``Retry-After``
  reaches the outbox, which waits that long.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import App
from bot.delivery import Address, Deliverer, Replier
from bot.inbound import Capabilities, Handled, Inbound, Outcome, Pipeline
from bot.log_limits import EveryFewSeconds
from bot.platforms import registry, slack_events, slack_send
from bot.platforms.base import PlatformPlugin, PlatformSetupError, Route
from bot.platforms.slack_messenger import SlackMessenger
from bot.platforms.slack_requests import reparsed
from bot.settings import Settings
from handlers.actions import encode
from handlers.events import Attachment, ChatKind
from handlers.replies import OPEN_PRIVATE, Button, Message, Visibility

__all__ = ["PLATFORM", "PLUGIN", "SlackAdapter", "SlackMessenger", "Workspace", "workspaces"]

log = logging.getLogger(__name__)
PLATFORM = slack_events.PLATFORM
CAPABILITIES = Capabilities(ephemeral=True, forms=True)
FETCH_LIMIT = 20 * 1024 * 1024  # a file fetched for a report; past this it comes without
REFUSAL = ("PolicyBot isn't set up for this Slack workspace yet. Ask your school's PolicyBot "
           "admin to add the workspace's team id to the school config.")
FORM_LAPSED = ("The form took too long to open. Press the button to open it again; nothing "
               "was lost.")
@dataclass(frozen=True, slots=True)
class Workspace:
    """One Slack app's credentials; ``team`` is None for the default one."""

    team: str | None
    bot_token: str
    signing_secret: str | None
    app_token: str | None


def workspaces(settings: Settings) -> list[Workspace]:
    """The configured workspaces: the default (SLACK_* variables) and SLACK_WORKSPACES."""
    found: list[Workspace] = []
    if settings.slack_bot_token is not None:
        found.append(Workspace(
            None, settings.slack_bot_token.get_secret_value(),
            _secret(settings.slack_signing_secret), _secret(settings.slack_app_token)))
    for team, entry in (settings.slack_workspaces or {}).items():
        found.append(Workspace(team, entry.bot_token.get_secret_value(),
                               _secret(entry.signing_secret), _secret(entry.app_token)))
    return found


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())


class SlackAdapter:
    """A started Slack app: the events endpoint, Socket Mode, and the messenger."""

    name = PLATFORM

    def __init__(self, app: App, spaces: Sequence[Workspace], *,
                 wake: Callable[[], None] | None = None) -> None:
        self.app = app
        self.spaces = list(spaces)
        base = app.settings.slack_api_url
        clients = {w.team: AsyncWebClient(token=w.bot_token, base_url=base) for w in spaces}
        self.slack = SlackMessenger(app, clients)
        self.messenger: Replier = self.slack
        deliverer = Deliverer(app.services, [self.slack], concurrency=4,
                              lease=app.settings.delivery_lease, metrics=app.metrics)
        self.pipeline = Pipeline(app, deliverer, CAPABILITIES, wake,
                                 registry.home_platforms(app.settings))
        self._verifiers = [SignatureVerifier(w.signing_secret) for w in spaces
                           if w.signing_secret]
        self._bots: dict[str, tuple[str, str, str]] = {}  # team → (token, bot user, bot id)
        self._refusals = EveryFewSeconds(log)
        self._sockets: list[Any] = []
        self._http: aiohttp.ClientSession | None = None  # file downloads
        self.bolt = self._build_bolt(clients)

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        """Check every bot token (``auth.test``): which workspace and bot user it is."""
        for space in self.spaces:
            try:
                found = await self.slack.client(space.team).auth_test()
            except SlackApiError as exc:
                raise PlatformSetupError(
                    f"Slack refused the bot token for {space.team or 'SLACK_BOT_TOKEN'}: "
                    f"{exc.response.get('error')}") from None
            except Exception as exc:
                raise PlatformSetupError(f"cannot reach the Slack Web API: {exc}") from None
            team = str(found["team_id"])
            if space.team is not None and space.team != team:
                raise PlatformSetupError(f"the bot token for {space.team} belongs to {team}")
            self._bots[team] = (space.bot_token, str(found["user_id"]), str(found["bot_id"]))

    async def close(self) -> None:
        for socket in self._sockets:
            with contextlib.suppress(Exception):
                await socket.close_async()
        await self.pipeline.settled()
        if self._http is not None:
            await self._http.close()

    async def settled(self) -> None:
        await self.pipeline.settled()

    async def serving(self) -> None:
        """Nothing to register: Slack is told the Request URL in the app's settings."""

    def known_teams(self) -> set[str]:
        """The workspaces schools name; with none named, the default bot's own."""
        named = {s.workspaces[PLATFORM] for s in self.app.services.config.schools
                 if PLATFORM in s.workspaces}
        return named or set(self._bots)

    # -- the endpoint ------------------------------------------------------------
    def routes(self) -> Sequence[Route]:
        return [Route("POST", "/slack/events", self.events)]

    async def events(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp")
        signature = request.headers.get("X-Slack-Signature")
        if not any(v.is_valid(body, timestamp, signature) for v in self._verifiers):
            self._refusals.warning("slack: refused a request without a valid signature")
            return web.Response(status=401, text="invalid signature")
        bolt_request = reparsed(await to_bolt_request(request))
        return await to_aiohttp_response(await self.bolt.async_dispatch(bolt_request))

    async def receive(self, stop: asyncio.Event) -> None:
        """Socket Mode, one connection per app token, until ``stop`` is set."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        base = self.app.settings.slack_api_url
        for space in self.spaces:
            if space.app_token is None:
                continue
            socket = AsyncSocketModeHandler(self.bolt, space.app_token,
                                            web_client=AsyncWebClient(base_url=base))
            await socket.connect_async()  # type: ignore[no-untyped-call]
            self._sockets.append(socket)
            log.info("Slack: Socket Mode connected for %s", space.team or "SLACK_APP_TOKEN")
        await stop.wait()

    # -- bolt --------------------------------------------------------------------
    def _build_bolt(self, clients: Mapping[str | None, AsyncWebClient]) -> AsyncApp:
        # bolt passes listeners their arguments by name, reading the signature: it wants
        # plain functions, not bound methods (whose ``self`` it takes for an argument)
        async def authorize(enterprise_id: str | None,
                            team_id: str | None) -> AuthorizeResult | None:
            return self._authorize(enterprise_id, team_id)

        async def command(ack: Any, body: dict[str, Any]) -> None:
            await self._on_command(ack, body)

        async def message(ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
            await self._on_message(ack, body, event)

        async def home(ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
            await self._on_home(ack, body, event)

        async def action(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
            await self._on_action(ack, body, action)

        async def submission(ack: Any, body: dict[str, Any]) -> None:
            await self._on_submission(ack, body)

        async def ignore(ack: Any) -> None:
            await ack()

        async def no_options(ack: Any) -> None:
            await ack(options=[])

        # (bolt's hint says Awaitable[AuthorizeResult]; None is how authorize says "no")
        bolt = AsyncApp(client=self.slack.client(None), authorize=authorize,  # type: ignore[arg-type]
                        request_verification_enabled=False, process_before_response=True,
                        user_facing_authorize_error_message=REFUSAL,
                        raise_error_for_unhandled_request=False, logger=log)
        bolt.command(_ANY)(command)
        bolt.event("message")(message)
        bolt.event("app_mention")(message)
        bolt.event("app_home_opened")(home)
        bolt.event(_ANY)(ignore)
        bolt.action(_ANY)(action)
        bolt.view_submission(slack_send.FORM_CALLBACK)(submission)
        bolt.view_closed(_ANY)(ignore)
        bolt.options(_ANY)(no_options)
        return bolt

    def _authorize(self, enterprise_id: str | None,
                   team_id: str | None) -> AuthorizeResult | None:
        team = team_id or ""
        if team not in self.known_teams():
            self._refusals.warning("slack: refused a request from an unknown workspace %s",
                                   team_id)
            return None
        token, bot_user, bot_id = self._bots.get(team) or self._default_bot()
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token,
                               bot_user_id=bot_user, bot_id=bot_id)

    def _default_bot(self) -> tuple[str, str, str]:
        default = next((w for w in self.spaces if w.team is None), self.spaces[0])
        return next((b for b in self._bots.values() if b[0] == default.bot_token),
                    (default.bot_token, "", ""))

    def _bot_user(self, team: str | None) -> str | None:
        found = self._bots.get(team or "") or self._default_bot()
        return found[1] or None

    def _quiet(self, command: str) -> bool:
        return command != "/policy" or not self.app.settings.slack_policy_in_channel

    async def _on_command(self, ack: Any, body: dict[str, Any]) -> None:
        inbound = slack_events.from_command(body, quiet=self._quiet(str(body.get("command"))))
        await self._handle(_with_team(inbound, body), ack, body.get("trigger_id"))

    async def _on_message(self, ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        inbound = slack_events.from_message(body, event, self._bot_user(slack_events.team_of(
            body)))
        if inbound is None:
            await ack()
            return
        await self._handle(await self._fetched(_with_team(inbound, body)), ack, None)

    async def _on_home(self, ack: Any, body: dict[str, Any], event: dict[str, Any]) -> None:
        inbound = slack_events.from_home(body, event)
        if inbound is None:
            await ack()
            return
        await self._handle(_with_team(inbound, body), ack, None)

    async def _on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        inbound = slack_events.from_action(body, action, quiet=True)
        await self._handle(_with_team(inbound, body), ack, body.get("trigger_id"))

    async def _on_submission(self, ack: Any, body: dict[str, Any]) -> None:
        inbound = slack_events.from_submission(body)
        if inbound is None:
            await ack()
            return
        inbound = _with_team(inbound, body)
        await self._handle(await self._fetched(inbound), ack, None)

    async def _fetched(self, inbound: Inbound) -> Inbound:
        """The files of a private delivery (a form, a DM) with their content, fetched with
        the workspace's bot token (files too big, or that fail, come without)."""
        if inbound.chat_kind is not ChatKind.PRIVATE or not inbound.attachments:
            return inbound
        token = self._token_of(inbound.workspace)
        return dataclasses.replace(inbound, attachments=tuple(
            [await self._fetch(a, token) for a in inbound.attachments]))

    async def _fetch(self, attachment: Attachment, token: str) -> Attachment:
        if not attachment.ref.startswith(("https://", "http://")) or (
                attachment.size or 0) > FETCH_LIMIT:
            return attachment
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(30))
        try:
            async with self._http.get(attachment.ref, allow_redirects=False,
                                      headers={"Authorization": f"Bearer {token}"}) as got:
                content = await got.content.read(FETCH_LIMIT + 1) if got.status == 200 else None
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("slack: could not fetch a file: %s", type(exc).__name__)
            return attachment
        if content is None or len(content) > FETCH_LIMIT:
            return attachment
        return dataclasses.replace(attachment, content=content, size=len(content))

    def _token_of(self, team: str | None) -> str:
        found = self._bots.get(team or "")
        return found[0] if found is not None else self._default_bot()[0]

    async def _handle(self, inbound: Inbound, ack: Any, trigger: str | None) -> None:
        """Pipeline, then ack (with a form's errors), then what must be shown at once.
        A database failure is raised before the ack: Slack gets a 500 and sends it
        again. After the ack nothing may raise (bolt would turn the ack into a 404)."""
        handled = await self.pipeline.handle(inbound)
        errors = next((r.errors for r in handled.immediate if r.errors is not None), None)
        if errors is not None:
            await ack(response_action="errors", errors=dict(errors))
        else:
            await ack()
        try:
            await self._open_forms(inbound, handled, trigger)
        except Exception:
            log.exception("slack: opening a form failed")
        if handled.outcome is Outcome.HANDLED:
            self.pipeline.deliver_soon(handled)

    async def _open_forms(self, inbound: Inbound, handled: Handled,
                          trigger: str | None) -> None:
        for reply in handled.immediate:
            if reply.form is None:
                continue
            client = self.slack.client(inbound.workspace)
            try:
                if trigger is None:
                    raise _Lapsed
                await client.views_open(trigger_id=trigger,
                                        view=slack_send.modal(reply.form, inbound.chat_id))
            except (SlackApiError, _Lapsed):
                await self._offer_form_again(inbound)

    async def _offer_form_again(self, inbound: Inbound) -> None:
        """The trigger lapsed: a private message with a button that opens the form."""
        command = inbound.text.split()[0].lstrip("/") if inbound.text.startswith("/") else ""
        buttons = (Button("Open the form", encode(OPEN_PRIVATE, command)),) if command else ()
        await self.slack.to_address(
            Address(chat="", user=inbound.user_id, visibility=Visibility.PRIVATE, private=True,
                    workspace=inbound.workspace), Message(FORM_LAPSED, buttons))


class _Lapsed(Exception):
    pass


_ANY = re.compile(r".*")


def _with_team(inbound: Inbound, body: Mapping[str, Any]) -> Inbound:
    return dataclasses.replace(inbound, workspace=slack_events.team_of(body))


class SlackPlugin:
    name = PLATFORM
    web_paths = ("/slack/events",)
    unconfigured = "Slack is not configured here: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET."
    shows_home = True

    def configured(self, settings: Settings) -> bool:
        return bool(workspaces(settings))

    def problems(self, settings: Settings, *, serving: bool) -> list[str]:
        problems = []
        for space in workspaces(settings):
            name = space.team or "the default Slack app"
            if serving and not space.signing_secret:
                problems.append(f"Slack ({name}): SLACK_SIGNING_SECRET must be set to take "
                                "requests at /slack/events (the app's Basic Information page).")
            if not serving and not space.app_token:
                problems.append(f"Slack ({name}): SLACK_APP_TOKEN must be set for Socket Mode "
                                "(policybot run); or use policybot serve.")
        return problems

    @contextlib.asynccontextmanager
    async def messenger(self, app: App) -> AsyncIterator[Replier]:
        base = app.settings.slack_api_url
        yield SlackMessenger(app, {w.team: AsyncWebClient(token=w.bot_token, base_url=base)
                                   for w in workspaces(app.settings)})

    async def start(self, app: App, *, wake: Callable[[], None] | None,
                    serving: bool) -> SlackAdapter:
        adapter = SlackAdapter(app, workspaces(app.settings), wake=wake)
        await adapter.start()
        return adapter


PLUGIN: PlatformPlugin = SlackPlugin()
