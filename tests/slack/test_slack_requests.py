"""The request builders sign as Slack does and build what bolt reads."""

from __future__ import annotations

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.request import SocketModeRequest

from tests.support.fake_slack import TEAM_ID
from tests.support.slack_requests import (
    SIGNING_SECRET,
    SlackRequest,
    SlackRequests,
    select_value,
    signature,
)

# Slack's own worked example (docs: "Verifying requests from Slack").
EXAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EXAMPLE_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id="
    "G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-"
    "collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F3977008"
    "85554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c"
    "447fce8b6703c")
EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_the_signature_is_slacks() -> None:
    assert signature(EXAMPLE_SECRET, 1531420618, EXAMPLE_BODY) == EXAMPLE_SIGNATURE


def _all(requests: SlackRequests) -> list[SlackRequest]:
    view = {"id": "V1", "type": "modal", "callback_id": "report"}
    return [
        requests.message_im(user="U2ALICE", text="hi"),
        requests.message_channel(user="U2ALICE", channel="C2STAFF", text="hi"),
        requests.app_mention(user="U2ALICE", channel="C2STAFF", text="hi"),
        requests.app_home_opened(user="U2ALICE"),
        requests.command("/policy", "photos", user="U2ALICE", channel="C2STAFF"),
        requests.block_actions(user="U2ALICE", action_id="a", value="v", channel="C2STAFF"),
        requests.block_actions(user="U2ALICE", action_id="a", view=view),
        requests.view_submission(user="U2ALICE", callback_id="report",
                                 values={"kind": {"pick": select_value("friend")}}),
        requests.view_closed(user="U2ALICE", callback_id="report"),
        requests.block_suggestion(user="U2ALICE", action_id="school", value="cr"),
    ]


@pytest.mark.parametrize("n", range(10))
def test_bolt_reads_team_and_user_from_every_kind(n: int) -> None:
    request = _all(SlackRequests())[n]
    signed = request.signed()
    assert SignatureVerifier(SIGNING_SECRET).is_valid_request(signed.body, signed.headers)
    bolt = AsyncBoltRequest(body=signed.body, headers=dict(signed.headers.items()))
    form = request.kind == "slash_commands"  # form fields: all strings
    assert bolt.body == ({k: str(v) for k, v in request.payload.items()} if form
                         else request.payload)
    assert bolt.context.team_id == TEAM_ID
    assert bolt.context.user_id == "U2ALICE"
    envelope = SocketModeRequest.from_dict(request.envelope())
    assert envelope is not None
    assert envelope.type == request.kind


def test_stale_and_badly_signed_requests_do_not_verify() -> None:
    command = SlackRequests().command("/policy", user="U2ALICE", channel="C2STAFF")
    verifier = SignatureVerifier(SIGNING_SECRET)
    for signed in (command.stale(), command.badly_signed(), command.tampered(),
                   command.unsigned()):
        assert not verifier.is_valid_request(signed.body, signed.headers)
    assert verifier.is_valid_request(command.stale(age=240).body, command.stale(age=240).headers)


def test_a_retry_is_the_same_body_with_retry_headers() -> None:
    event = SlackRequests().message_im(user="U2ALICE", text="hi")
    first, retry = event.signed(), event.signed(retry_num=2, retry_reason="http_error")
    assert first.body == retry.body
    assert "X-Slack-Retry-Num" not in first.headers
    assert (retry.headers["X-Slack-Retry-Num"], retry.headers["X-Slack-Retry-Reason"]) == \
        ("2", "http_error")
    assert event.envelope(retry_attempt=2)["retry_attempt"] == 2


def test_ids_are_fresh_unless_given_and_triggers_are_announced() -> None:
    granted: list[str] = []
    requests = SlackRequests(on_trigger=granted.append, response_base="http://x/respond/")
    one, two = (requests.command("/report", user="U1", channel="C1") for _ in range(2))
    assert one.trigger_id != two.trigger_id
    assert granted == [one.trigger_id, two.trigger_id]
    assert one.response_url is not None
    assert one.response_url.startswith("http://x/respond/T0CROUGHTON/")
    a, b = (requests.message_im(user="U1", text="x") for _ in range(2))
    assert a.event_id != b.event_id
    assert requests.message_im(user="U1", text="x", event_id=a.event_id).event_id == a.event_id
    with pytest.raises(ValueError, match="not sent over Socket Mode"):
        requests.url_verification().envelope()
