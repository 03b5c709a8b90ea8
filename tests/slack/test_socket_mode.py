"""Socket Mode against the fake: the real slack_sdk SocketModeClient, and slack-bolt's
AsyncSocketModeHandler with an AsyncApp, over a real websocket on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.support.slack_requests import SlackRequests, date_value

ALICE, STAFF_ROOM = "U2ALICE", "C2STAFF"
MODAL: dict[str, Any] = {
    "type": "modal", "callback_id": "report", "title": {"type": "plain_text", "text": "Report"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [{"type": "input", "block_id": "when",
                "label": {"type": "plain_text", "text": "When?"},
                "element": {"type": "datepicker", "action_id": "date"}}]}


async def test_the_sdk_client_connects_and_acks(fake: FakeSlack,
                                                requests: SlackRequests) -> None:
    web = AsyncWebClient(base_url=fake.api_url)  # no bot token: Socket Mode uses the app's
    client = SocketModeClient(app_token=APP_TOKEN, web_client=web, auto_reconnect_enabled=False)
    received: list[SocketModeRequest] = []

    async def listener(sm: Any, request: SocketModeRequest) -> None:
        received.append(request)
        await sm.send_socket_mode_response(SocketModeResponse(
            envelope_id=request.envelope_id, payload={"text": "got it"}))

    client.socket_mode_request_listeners.append(listener)
    try:
        await client.connect()  # type: ignore[no-untyped-call]
        await fake.wait_for_socket()
        [opened] = fake.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN
        assert opened.ok
        command = requests.command("/policy", "photos", user=ALICE, channel=STAFF_ROOM)
        envelope_id = await fake.socket_send(command.envelope())
        ack = await fake.wait_for_ack(envelope_id)
        assert ack.payload == {"text": "got it"}
        assert received[0].type == "slash_commands"
        assert received[0].payload["text"] == "photos"
    finally:
        await client.close()  # type: ignore[no-untyped-call]


async def test_only_the_app_token_opens_a_connection(fake: FakeSlack) -> None:
    with_bot_token = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url)
    with pytest.raises(SlackApiError) as raised:
        await with_bot_token.api_call("apps.connections.open")
    assert raised.value.response["error"] == "not_allowed_token_type"


class Seen:
    def __init__(self) -> None:
        self.headers: list[dict[str, Any]] = []


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
async def handler(fake: FakeSlack, seen: Seen) -> AsyncIterator[AsyncSocketModeHandler]:
    bolt = AsyncApp(client=AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url))

    @bolt.command("/policy")
    async def policy(ack: Any, command: dict[str, Any]) -> None:
        await ack(f"You asked: {command['text']}")

    @bolt.command("/report")
    async def report(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=MODAL)

    @bolt.view("report")
    async def submitted(ack: Any) -> None:
        await ack(response_action="errors", errors={"when": "That date is in the future."})

    @bolt.event("message")
    async def message(event: dict[str, Any], say: Any, request: AsyncBoltRequest) -> None:
        seen.headers.append(dict(request.headers))
        await say(f"You said: {event['text']}")

    socket = AsyncSocketModeHandler(bolt, APP_TOKEN)  # its web client is bolt's: base_url
    await socket.connect_async()  # type: ignore[no-untyped-call]
    await fake.wait_for_socket()
    yield socket
    await socket.close_async()  # type: ignore[no-untyped-call]


async def test_bolt_over_socket_mode_acks_a_command_with_its_reply(
    handler: AsyncSocketModeHandler, fake: FakeSlack, requests: SlackRequests,
) -> None:
    command = requests.command("/policy", "can I post photos?", user=ALICE, channel=STAFF_ROOM)
    ack = await fake.wait_for_ack(await fake.socket_send(command.envelope()))
    assert ack.payload == {"text": "You asked: can I post photos?"}
    assert fake.calls_to("apps.connections.open")[0].token == APP_TOKEN


async def test_bolt_over_socket_mode_opens_a_modal_and_refuses_a_submission(
    handler: AsyncSocketModeHandler, fake: FakeSlack, requests: SlackRequests,
) -> None:
    command = requests.command("/report", user=ALICE, channel=STAFF_ROOM)
    ack = await fake.wait_for_ack(await fake.socket_send(command.envelope()))
    assert ack.payload is None  # an empty ack()
    [opened] = await fake.wait_for("views.open")
    assert opened.ok
    assert opened.token == BOT_TOKEN
    submission = requests.view_submission(user=ALICE, callback_id="report", view=opened.response[
        "view"], values={"when": {"date": date_value("2999-01-01")}})
    ack = await fake.wait_for_ack(await fake.socket_send(submission.envelope()))
    assert ack.payload == {"response_action": "errors",
                           "errors": {"when": "That date is in the future."}}


async def test_bolt_over_socket_mode_handles_events(
    handler: AsyncSocketModeHandler, fake: FakeSlack, requests: SlackRequests, seen: Seen,
) -> None:
    dm = requests.message_im(user=ALICE, text="hello")
    ack = await fake.wait_for_ack(await fake.socket_send(dm.envelope()))
    assert ack.payload is None
    [reply] = await fake.wait_for("chat.postMessage")
    assert (reply.channel, reply.text, reply.token) == ("D2ALICE", "You said: hello", BOT_TOKEN)
    # bolt 1.30 maps the envelope's retry_attempt to x-slack-retry-num, and Slack sends
    # retry_attempt 0 on a first delivery: the header is there on every Socket Mode event.
    assert seen.headers[0]["x-slack-retry-num"] == ["0"]
    again = await fake.socket_send(dm.envelope(retry_attempt=1, retry_reason="timeout"))
    await fake.wait_for_ack(again)
    await fake.wait_for("chat.postMessage", count=2)  # redone: dedupe by event_id is ours
    assert seen.headers[1]["x-slack-retry-num"] == ["1"]


async def test_bolt_reconnects_when_slack_asks(
    handler: AsyncSocketModeHandler, fake: FakeSlack, requests: SlackRequests,
) -> None:
    await fake.socket_disconnect()
    await fake.wait_for_socket(count=2)
    assert len(fake.calls_to("apps.connections.open")) == 2
    command = requests.command("/policy", "still there?", user=ALICE, channel=STAFF_ROOM)
    ack = await fake.wait_for_ack(await fake.socket_send(command.envelope()))
    assert ack.payload == {"text": "You asked: still there?"}


async def test_nothing_is_sent_without_a_connection(fake: FakeSlack,
                                                    requests: SlackRequests) -> None:
    command = requests.command("/policy", user=ALICE, channel=STAFF_ROOM)
    with pytest.raises(asyncio.TimeoutError):
        await fake.socket_send(command.envelope(), timeout=0.05)
