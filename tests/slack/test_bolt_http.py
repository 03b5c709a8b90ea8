"""Real slack-bolt (AsyncApp) mounted in our own aiohttp application at POST /slack/events,
fed signed requests from tests.support.slack_requests, talking to the fake Slack.

These pin down the bolt behaviour the Slack adapter relies on (or must work around)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import BOT_ID, BOT_TOKEN, BOT_USER_ID, TEAM_ID, FakeSlack
from tests.support.slack_requests import (
    FORM,
    SIGNING_SECRET,
    SignedRequest,
    SlackRequests,
    date_value,
)

ALICE, HEAD, STAFF_ROOM = "U2ALICE", "U2HEAD", "C2STAFF"
OTHER_TEAM, OTHER_TOKEN = "T0MARSTON", "xoxb-marston-token"
REFUSAL = "PolicyBot is not set up for this Slack workspace. Ask your school's IT admin."
MODAL: dict[str, Any] = {
    "type": "modal", "callback_id": "report",
    "title": {"type": "plain_text", "text": "Report"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [{"type": "input", "block_id": "when",
                "label": {"type": "plain_text", "text": "When did it happen?"},
                "element": {"type": "datepicker", "action_id": "date"}}]}

BoltRequestFactory = Callable[[web.Request], Awaitable[AsyncBoltRequest]]


def mount(bolt: AsyncApp, convert: BoltRequestFactory = to_bolt_request) -> web.Application:
    """Our web.Application with bolt at POST /slack/events: aiohttp request ->
    AsyncBoltRequest -> app.async_dispatch -> BoltResponse -> aiohttp response."""
    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await convert(request)))
    web_app = web.Application()
    web_app.router.add_post("/slack/events", slack_events)
    return web_app


class Endpoint:
    """Slack's side of ``POST /slack/events``."""

    def __init__(self, client: TestClient[Any, Any]) -> None:
        self.client = client

    async def post(self, signed: SignedRequest) -> tuple[int, str]:
        response = await self.client.post("/slack/events", data=signed.data,
                                          headers=signed.headers)
        return response.status, await response.text()


class Seen:
    """What the listeners were called with."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, Any]] = []
        self.gate = asyncio.Event()
        self.finished = asyncio.Event()


def build_app(fake: FakeSlack, seen: Seen) -> AsyncApp:
    bolt = AsyncApp(signing_secret=SIGNING_SECRET,
                    client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url))

    @bolt.command("/policy")
    async def policy(ack: Any, command: dict[str, Any]) -> None:
        seen.requests.append(command)
        await ack(f"You asked: {command['text']}")  # the HTTP response: ephemeral by default

    @bolt.command("/report")
    async def report(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()  # nothing in the channel
        # Never let an error escape a listener after ack(): if it is raised within
        # bolt's 10 ms ack poll, bolt forgets the ack, waits 3 s and answers 404.
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        except SlackApiError as e:  # e.g. expired_trigger_id: offer the form by DM
            await client.chat_postMessage(channel=body["user_id"], text="Open the form",
                                          blocks=[{"type": "actions", "elements": [{
                                              "type": "button", "action_id": "open:report",
                                              "text": {"type": "plain_text",
                                                       "text": "Open the form"}}]}])
            seen.requests.append({"error": e.response["error"]})

    @bolt.command("/slow")
    async def slow(ack: Any, respond: Any) -> None:
        await ack("Working on it…")
        await seen.gate.wait()  # slow work, after the HTTP response went back
        await respond("Done.")
        seen.finished.set()

    @bolt.view("report")
    async def submitted(ack: Any, view: dict[str, Any], body: dict[str, Any]) -> None:
        seen.requests.append(body)
        chosen = view["state"]["values"]["when"]["date"]["selected_date"]
        if dt.date.fromisoformat(chosen) > dt.date.today():
            await ack(response_action="errors", errors={"when": "That date is in the future."})
            return
        await ack()

    @bolt.action("ack:read")
    async def read(ack: Any, respond: Any, body: dict[str, Any]) -> None:
        seen.requests.append(body)
        await ack()
        await respond("Thank you for reading the policy.", replace_original=False)

    @bolt.options("school")
    async def schools(ack: Any, payload: dict[str, Any]) -> None:
        await ack(options=[{"text": {"type": "plain_text", "text": "Croughton"},
                            "value": "croughton"}])

    @bolt.event("message")
    async def message(event: dict[str, Any], say: Any, body: dict[str, Any],
                      request: AsyncBoltRequest) -> None:
        seen.requests.append(body)
        seen.headers.append(dict(request.headers))
        await say(f"You said: {event['text']}")

    @bolt.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(user_id=event["user"], view={
            "type": "home", "blocks": [{"type": "section", "text": {
                "type": "mrkdwn", "text": "You have acknowledged the policy."}}]})

    return bolt


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def endpoint(fake: FakeSlack, seen: Seen) -> AsyncIterator[Endpoint]:
    async with TestClient(TestServer(mount(build_app(fake, seen)))) as client:
        yield Endpoint(client)


async def test_url_verification_answers_the_challenge(endpoint: Endpoint,
                                                      requests: SlackRequests) -> None:
    status, body = await endpoint.post(requests.url_verification("c-123").signed())
    assert (status, body) == (200, '{"challenge": "c-123"}')


@pytest.mark.parametrize("how", ["badly_signed", "stale", "unsigned", "tampered"])
async def test_a_bad_or_stale_signature_is_401_and_nothing_runs(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, seen: Seen, how: str,
) -> None:
    command = requests.command("/policy", "photos", user=ALICE, channel=STAFF_ROOM)
    status, _ = await endpoint.post(getattr(command, how)())
    assert status == 401
    assert seen.requests == []
    assert fake.calls == []
    url = requests.url_verification()
    assert (await endpoint.post(url.badly_signed()))[0] == 401
    assert (await endpoint.post(command.signed()))[0] == 200  # the real one still works


async def test_ssl_check_is_answered_before_the_signature_is_checked(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    # Surprise: bolt's SslCheck middleware runs before RequestVerification.
    assert await endpoint.post(requests.ssl_check().unsigned()) == (200, "")
    assert fake.calls == []


async def test_a_signed_slash_command_is_acked_with_the_reply(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, seen: Seen,
) -> None:
    status, body = await endpoint.post(
        requests.command("/policy", "can I friend a parent?", user=ALICE,
                         channel=STAFF_ROOM).signed())
    assert (status, body) == (200, "You asked: can I friend a parent?")
    assert seen.requests[0]["user_id"] == ALICE
    # bolt's single-token authorization ran auth.test once, on the fake (base_url).
    assert [c.method for c in fake.calls] == ["auth.test"]
    await endpoint.post(requests.command("/policy", "again", user=ALICE,
                                         channel=STAFF_ROOM).signed())
    assert len(fake.calls_to("auth.test")) == 1  # cached


async def test_a_command_opens_a_modal_with_its_trigger_id(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    command = requests.command("/report", user=ALICE, channel=STAFF_ROOM)
    assert await endpoint.post(command.signed()) == (200, "")
    [opened] = await fake.wait_for("views.open")
    assert opened.ok
    assert opened.params["trigger_id"] == command.trigger_id
    assert opened.params["team_id"] == TEAM_ID  # bolt's per-request client adds it
    assert opened.view["callback_id"] == "report"
    assert fake.posted() == []
    assert fake.responses() == []


async def test_an_expired_trigger_id_fails_the_views_open(
    fake: FakeSlack, seen: Seen,
) -> None:
    requests = SlackRequests(response_base=fake.response_base)  # triggers not granted
    async with TestClient(TestServer(mount(build_app(fake, seen)))) as client:
        command = requests.command("/report", user=ALICE, channel=STAFF_ROOM)
        assert await Endpoint(client).post(command.signed()) == (200, "")
        [refused] = await fake.wait_for("views.open")
        [fallback] = await fake.wait_for("chat.postMessage")
    assert refused.error == "expired_trigger_id"
    assert (fallback.channel, fallback.action_ids) == (ALICE, ["open:report"])
    assert fake.posted("D2ALICE") == [fallback]


async def test_a_modal_submission_can_be_refused_with_errors(
    endpoint: Endpoint, requests: SlackRequests, seen: Seen,
) -> None:
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    future = requests.view_submission(user=ALICE, callback_id="report",
                                      values={"when": {"date": date_value(tomorrow)}})
    status, body = await endpoint.post(future.signed())
    assert status == 200
    assert body == '{"response_action": "errors", "errors": {"when": ' \
                   '"That date is in the future."}}'
    today = requests.view_submission(user=ALICE, callback_id="report",
                                     values={"when": {"date": date_value(
                                         dt.date.today().isoformat())}},
                                     private_metadata='{"channel": "C2STAFF"}')
    assert await endpoint.post(today.signed()) == (200, "")
    assert seen.requests[-1]["view"]["private_metadata"] == '{"channel": "C2STAFF"}'


async def test_a_button_is_acked_then_answered_through_the_response_url(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    press = requests.block_actions(user=ALICE, action_id="ack:read", value="policy-3",
                                   channel=STAFF_ROOM)
    assert await endpoint.post(press.signed()) == (200, "")
    [reply] = await fake.wait_for("response_url")
    assert reply.text == "Thank you for reading the policy."
    assert fake.response_base + reply.path == press.response_url


async def test_options_are_answered_in_the_ack(endpoint: Endpoint,
                                               requests: SlackRequests) -> None:
    suggestion = requests.block_suggestion(user=ALICE, action_id="school", value="cro")
    status, body = await endpoint.post(suggestion.signed())
    assert status == 200
    assert '"value": "croughton"' in body


async def test_events_are_acked_at_once_and_handled_after(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, seen: Seen,
) -> None:
    dm = requests.message_im(user=ALICE, text="hello")
    assert await endpoint.post(dm.signed()) == (200, "")
    [reply] = await fake.wait_for("chat.postMessage")
    assert (reply.channel, reply.text) == ("D2ALICE", "You said: hello")
    await endpoint.post(requests.app_home_opened(user=HEAD).signed())
    await fake.wait_for("views.publish")
    home = fake.home(HEAD)
    assert home is not None
    assert "acknowledged" in home["blocks"][0]["text"]["text"]


async def test_bolt_does_not_dedupe_a_retried_event(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, seen: Seen,
) -> None:
    event = requests.message_channel(user=ALICE, channel=STAFF_ROOM, text="hi")
    assert (await endpoint.post(event.signed()))[0] == 200
    assert (await endpoint.post(event.signed(retry_num=1, retry_reason="http_timeout")))[0] \
        == 200
    await fake.wait_for("chat.postMessage", count=2)  # handled twice: dedupe is ours to do
    assert [r["event_id"] for r in seen.requests] == [event.event_id] * 2
    assert [h.get("x-slack-retry-num") for h in seen.headers] == [None, ["1"]]


async def test_the_ack_goes_back_before_the_slow_work_ends(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, seen: Seen,
) -> None:
    command = requests.command("/slow", user=ALICE, channel=STAFF_ROOM)
    assert await endpoint.post(command.signed()) == (200, "Working on it…")
    assert not seen.finished.is_set()
    seen.gate.set()
    [done] = await fake.wait_for("response_url")
    assert done.text == "Done."


async def test_a_single_token_app_does_not_check_the_team(
    endpoint: Endpoint, requests: SlackRequests, seen: Seen,
) -> None:
    # With token=..., bolt serves any correctly signed request whatever its team_id.
    stranger = requests.command("/policy", "hi", user="U9X", channel="C9X", team_id="T0ELSE")
    assert await endpoint.post(stranger.signed()) == (200, "You asked: hi")


async def test_bolt_drops_a_command_whose_text_says_payload(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, seen: Seen,
) -> None:
    # Surprise: slack_bolt.request.internals.parse_body treats any form body containing
    # "payload" as interactivity, finds no payload field and parses it as {}.
    command = requests.command("/policy", "what does the payload mean?", user=ALICE,
                               channel=STAFF_ROOM)
    status, _ = await endpoint.post(command.signed())
    assert status == 404
    assert seen.requests == []


async def _reparsed(request: web.Request) -> AsyncBoltRequest:
    """The work-around: parse a form body bolt could not, and rebuild the context."""
    bolt_request = await to_bolt_request(request)
    if not bolt_request.body and bolt_request.content_type == FORM and bolt_request.raw_body:
        bolt_request.body = dict(parse_qsl(bolt_request.raw_body, keep_blank_values=True))
        bolt_request.context = build_async_context(AsyncBoltContext({}), bolt_request.body)
    return bolt_request


async def test_reparsing_the_form_body_saves_that_command(
    fake: FakeSlack, requests: SlackRequests, seen: Seen,
) -> None:
    async with TestClient(TestServer(mount(build_app(fake, seen), _reparsed))) as client:
        command = requests.command("/policy", "what does the payload mean?", user=ALICE,
                                   channel=STAFF_ROOM)
        assert await Endpoint(client).post(command.signed()) == \
            (200, "You asked: what does the payload mean?")
        press = requests.block_actions(user=ALICE, action_id="ack:read", channel=STAFF_ROOM)
        assert await Endpoint(client).post(press.signed()) == (200, "")  # still parsed


# -- several workspaces: one app, a bot token per team, from our config ------------------
def build_multi_team_app(fake: FakeSlack, seen: Seen) -> AsyncApp:
    tokens = {TEAM_ID: BOT_TOKEN, OTHER_TEAM: OTHER_TOKEN}

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        token = tokens.get(team_id or "")
        if token is None:
            return None  # bolt then refuses (see the tests below)
        # bot_user_id/bot_id let bolt ignore the bot's own messages; from config or a
        # cached auth.test per token.
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token,
                               bot_user_id=BOT_USER_ID, bot_id=BOT_ID)

    # (bolt's hint says Awaitable[AuthorizeResult], but None is how authorize says "no")
    bolt = AsyncApp(signing_secret=SIGNING_SECRET, authorize=authorize,  # type: ignore[arg-type]
                    client=AsyncWebClient(base_url=fake.api_url),
                    user_facing_authorize_error_message=REFUSAL)

    @bolt.command("/policy")
    async def policy(ack: Any, command: dict[str, Any], client: AsyncWebClient) -> None:
        seen.requests.append(command)
        await ack()
        await client.chat_postMessage(channel=command["channel_id"], text="An answer")

    @bolt.event("app_mention")
    async def mention(event: dict[str, Any], say: Any) -> None:
        await say("Hello")

    return bolt


@pytest.fixture
async def multi(fake: FakeSlack, seen: Seen) -> AsyncIterator[Endpoint]:
    fake.add_workspace(OTHER_TEAM, OTHER_TOKEN)
    async with TestClient(TestServer(mount(build_multi_team_app(fake, seen)))) as client:
        yield Endpoint(client)


async def test_each_team_is_served_with_its_own_token(
    multi: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    for team in (TEAM_ID, OTHER_TEAM):
        command = requests.command("/policy", "x", user="U1", channel=f"C{team}",
                                   team_id=team)
        assert await multi.post(command.signed()) == (200, "")
    calls = await fake.wait_for("chat.postMessage", count=2)
    assert sorted((c.channel, c.token, c.team_id) for c in calls) == [
        ("CT0CROUGHTON", BOT_TOKEN, TEAM_ID), ("CT0MARSTON", OTHER_TOKEN, OTHER_TEAM)]
    assert fake.calls_to("auth.test") == []  # our authorize did not need it


async def test_an_unknown_team_gets_the_refusal_and_nothing_runs(
    multi: Endpoint, requests: SlackRequests, fake: FakeSlack, seen: Seen,
) -> None:
    command = requests.command("/policy", "x", user="U1", channel="C1", team_id="T0ELSE")
    assert await multi.post(command.signed()) == (200, "")
    [refusal] = await fake.wait_for("response_url")  # bolt respond()s it
    assert refusal.text == REFUSAL
    mention = requests.app_mention(user="U1", channel="C1", text="hi", team_id="T0ELSE")
    assert await multi.post(mention.signed()) == (200, REFUSAL)  # Slack shows nobody this
    assert seen.requests == []
    assert fake.posted() == []
