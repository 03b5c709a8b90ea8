"""The fake Slack Web API, driven by the real slack_sdk AsyncWebClient over HTTP."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry import builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from tests.support.fake_slack import (
    APP_TOKEN,
    BOT_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    RESPONSE_URL_USES,
    TEAM_ID,
    FakeSlack,
)

MODAL: dict[str, Any] = {
    "type": "modal", "callback_id": "report",
    "title": {"type": "plain_text", "text": "Report something"},
    "submit": {"type": "plain_text", "text": "Send"},
    "blocks": [{"type": "input", "block_id": "what",
                "label": {"type": "plain_text", "text": "What happened?"},
                "element": {"type": "plain_text_input", "action_id": "text"}}]}
BUTTONS: list[dict[str, Any]] = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Have you read it?"}},
    {"type": "actions", "elements": [{"type": "button", "action_id": "ack:read",
                                      "text": {"type": "plain_text", "text": "I have read it"},
                                      "value": "policy-3"}]}]


async def _error(call: Awaitable[object]) -> SlackApiError:
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value


async def test_auth_test_names_the_bot_and_its_team(client: AsyncWebClient,
                                                    fake: FakeSlack) -> None:
    response = await client.auth_test()
    assert (response["team_id"], response["user_id"], response["bot_id"]) == \
        (TEAM_ID, BOT_USER_ID, BOT_ID)
    assert "chat:write" in response.headers["x-oauth-scopes"]
    [call] = fake.calls_to("auth.test")
    assert (call.token, call.team_id, call.status) == (BOT_TOKEN, TEAM_ID, 200)


async def test_a_wrong_or_missing_token_is_invalid_auth(fake: FakeSlack) -> None:
    wrong = AsyncWebClient(token="xoxb-not-ours", base_url=fake.api_url)
    assert (await _error(wrong.chat_postMessage(channel="C1", text="hi"))).response["error"] \
        == "invalid_auth"
    none = AsyncWebClient(base_url=fake.api_url)
    assert (await _error(none.auth_test())).response["error"] == "not_authed"
    app_token = AsyncWebClient(token=APP_TOKEN, base_url=fake.api_url)
    assert (await _error(app_token.auth_test())).response["error"] == "not_allowed_token_type"
    assert [c.team_id for c in fake.calls] == [None, None, None]


async def test_each_workspace_has_its_own_token(fake: FakeSlack) -> None:
    fake.add_workspace("T0MARSTON", "xoxb-marston", bot_user_id="U0MARSTONBOT")
    other = AsyncWebClient(token="xoxb-marston", base_url=fake.api_url)
    response = await other.auth_test()
    assert (response["team_id"], response["user_id"]) == ("T0MARSTON", "U0MARSTONBOT")
    await other.chat_postMessage(channel="C9", text="hello")
    assert fake.posted("C9")[0].team_id == "T0MARSTON"


async def test_messages_are_recorded_however_they_are_encoded(client: AsyncWebClient,
                                                              fake: FakeSlack) -> None:
    sent = await client.chat_postMessage(channel="C2STAFF", text="Hello", blocks=BUTTONS,
                                         thread_ts="1700000000.000100")  # a JSON body
    await client.api_call("chat.postMessage", data={  # a form body, blocks as JSON text
        "channel": "C2STAFF", "text": "Form", "blocks": json.dumps(BUTTONS)})
    await client.api_call("chat.postMessage", params={"channel": "C2STAFF", "text": "Query"})
    first, form, query = fake.posted("C2STAFF")
    assert (sent["channel"], sent["ts"]) == ("C2STAFF", first.response["ts"])
    assert first.text == "Hello"
    assert first.thread_ts == "1700000000.000100"
    assert first.blocks == BUTTONS == form.blocks
    assert first.action_ids == ["ack:read"]
    assert first.block_text == "Have you read it?\nI have read it"
    assert (form.text, query.text) == ("Form", "Query")
    assert float(first.response["ts"]) < float(form.response["ts"]) < \
        float(query.response["ts"])


async def test_a_message_to_a_user_id_lands_in_the_dm(client: AsyncWebClient,
                                                      fake: FakeSlack) -> None:
    opened = await client.conversations_open(users="U2HEAD")
    assert opened["channel"]["id"] == fake.dm_channel("U2HEAD") == "D2HEAD"
    sent = await client.chat_postMessage(channel="U2HEAD", text="A report")
    assert sent["channel"] == "D2HEAD"
    assert [c.text for c in fake.posted("D2HEAD")] == ["A report"]


async def test_ephemeral_update_and_users_info(client: AsyncWebClient,
                                               fake: FakeSlack) -> None:
    whisper = await client.chat_postEphemeral(channel="C2STAFF", user="U2ALICE", text="Psst")
    assert whisper["message_ts"]
    assert [c.text for c in fake.ephemerals("U2ALICE")] == ["Psst"]
    sent = await client.chat_postMessage(channel="C2STAFF", text="Pick", blocks=BUTTONS)
    updated = await client.chat_update(channel="C2STAFF", ts=sent["ts"], text="Thanks!")
    assert (updated["ts"], fake.calls_to("chat.update")[0].text) == (sent["ts"], "Thanks!")
    fake.add_user("U2ALICE", "Alice Ames")
    user = await client.users_info(user="U2ALICE")  # a GET with a query string
    assert user["user"]["real_name"] == "Alice Ames"
    assert (await client.users_info(user="U2BOB"))["user"]["id"] == "U2BOB"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
async def test_what_slack_refuses_is_refused(client: AsyncWebClient, fake: FakeSlack) -> None:
    assert (await _error(client.chat_postMessage(channel="C2STAFF"))).response["error"] \
        == "no_text"
    assert (await _error(client.chat_postMessage(channel="C2STAFF", text="x" * 40_001))) \
        .response["error"] == "msg_too_long"
    too_many = [{"type": "divider"}] * 51
    error = await _error(client.chat_postMessage(channel="C2STAFF", text="x", blocks=too_many))
    assert error.response["error"] == "invalid_blocks"
    long_button = [{"type": "actions", "elements": [{"type": "button", "action_id": "a",
                                                     "text": {"type": "plain_text",
                                                              "text": "b" * 76}}]}]
    error = await _error(client.chat_postMessage(channel="C2STAFF", text="x",
                                                 blocks=long_button))
    assert "button text" in error.response["errors"][0]
    fake.refuse("C2PRIVATE")
    assert (await _error(client.chat_postMessage(channel="C2PRIVATE", text="hi"))) \
        .response["error"] == "not_in_channel"
    assert (await _error(client.chat_postEphemeral(channel="C2PRIVATE", user="U2ALICE",
                                                   text="hi"))).response["error"] \
        == "not_in_channel"
    assert fake.posted() == []


async def test_a_modal_needs_a_trigger_id_the_test_granted_once(client: AsyncWebClient,
                                                                fake: FakeSlack) -> None:
    trigger = fake.new_trigger()
    opened = await client.views_open(trigger_id=trigger, view=MODAL)
    assert opened["view"]["id"].startswith("V")
    assert opened["view"]["callback_id"] == "report"
    again = await _error(client.views_open(trigger_id=trigger, view=MODAL))
    assert again.response["error"] == "expired_trigger_id"
    unknown = await _error(client.views_open(trigger_id="123.456.abc", view=MODAL))
    assert unknown.response["error"] == "expired_trigger_id"
    late = fake.new_trigger(ttl=0)
    assert (await _error(client.views_open(trigger_id=late, view=MODAL))) \
        .response["error"] == "expired_trigger_id"
    expired = fake.new_trigger()
    fake.expire_trigger(expired)
    assert (await _error(client.views_open(trigger_id=expired, view=MODAL))) \
        .response["error"] == "expired_trigger_id"
    [ok, *_] = fake.calls_to("views.open")
    assert ok.view["title"]["text"] == "Report something"
    assert ok.ok


async def test_slack_checks_the_modal_itself(client: AsyncWebClient, fake: FakeSlack) -> None:
    too_long = {**MODAL, "title": {"type": "plain_text", "text": "Report a friend request now"}}
    error = await _error(client.views_open(trigger_id=fake.new_trigger(), view=too_long))
    assert error.response["error"] == "invalid_arguments"
    assert "title must be at most 24" in error.response["response_metadata"]["messages"][0]
    no_submit = {k: v for k, v in MODAL.items() if k != "submit"}
    error = await _error(client.views_open(trigger_id=fake.new_trigger(), view=no_submit))
    assert "submit is required" in error.response["response_metadata"]["messages"][0]


async def test_views_update_push_and_publish(client: AsyncWebClient, fake: FakeSlack) -> None:
    opened = (await client.views_open(trigger_id=fake.new_trigger(), view=MODAL))["view"]
    updated = await client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)
    assert updated["view"]["id"] == opened["id"]
    stale = await _error(client.views_update(view_id=opened["id"], hash=opened["hash"],
                                             view=MODAL))
    assert stale.response["error"] == "hash_conflict"
    pushed = await client.views_push(trigger_id=fake.new_trigger(), view=MODAL)
    assert pushed["view"]["id"] != opened["id"]
    home = {"type": "home", "blocks": BUTTONS}
    await client.views_publish(user_id="U2HEAD", view=home)
    published = fake.home("U2HEAD")
    assert published is not None
    assert published["blocks"] == BUTTONS
    assert fake.calls_to("views.publish")[0].params["user_id"] == "U2HEAD"
    wrong = await _error(client.views_publish(user_id="U2HEAD", view=MODAL))
    assert wrong.response["error"] == "invalid_arguments"


async def test_files_upload_v2_runs_the_whole_sequence(client: AsyncWebClient,
                                                       fake: FakeSlack) -> None:
    csv = b"name,kind\nAlice Ames,friend request\n"
    response = await client.files_upload_v2(channel="D2HEAD", content=csv,
                                            filename="friend-requests.csv",
                                            title="Friend requests",
                                            initial_comment="Your export is attached.")
    assert [c.method for c in fake.calls] == [
        "files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    get_url, upload, complete = fake.calls
    assert get_url.params["filename"] == "friend-requests.csv"
    assert int(get_url.params["length"]) == len(csv)
    assert upload.files["file"][1] == csv
    assert upload.token is None
    assert complete.channel == "D2HEAD"
    assert complete.text == "Your export is attached."
    assert complete.json("files") == [{"id": get_url.response["file_id"],
                                       "title": "Friend requests"}]
    [shared] = fake.shared_files("D2HEAD")
    assert (shared.data, shared.filename, shared.title, shared.initial_comment) == \
        (csv, "friend-requests.csv", "Friend requests", "Your export is attached.")
    assert response["file"]["id"] == shared.file_id


async def test_a_failed_upload_is_an_error_and_nothing_is_shared(client: AsyncWebClient,
                                                                 fake: FakeSlack) -> None:
    fake.fail_next("upload", status=500)
    with pytest.raises(SlackRequestError, match="Failed to upload a file"):
        await client.files_upload_v2(channel="D2HEAD", content=b"x", filename="x.csv")
    assert fake.calls_to("files.completeUploadExternal") == []
    assert fake.shared_files() == []


async def test_a_rate_limit_is_a_429_with_retry_after(client: AsyncWebClient,
                                                      fake: FakeSlack) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=7)
    error = await _error(client.chat_postMessage(channel="C2STAFF", text="hi"))
    assert error.response.status_code == 429
    assert error.response["error"] == "ratelimited"
    assert int(error.response.headers["Retry-After"]) == 7
    assert fake.calls_to("chat.postMessage")[0].status == 429
    assert fake.posted() == []
    await client.chat_postMessage(channel="C2STAFF", text="hi")  # the next one goes through
    assert len(fake.posted()) == 1


async def test_slack_sdks_own_retry_handler_waits_and_retries(
    fake: FakeSlack, monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:  # the handler's own asyncio.sleep, recorded
        waits.append(seconds)
    monkeypatch.setattr(builtin_async_handlers, "asyncio", SimpleNamespace(sleep=sleep))
    retrying = AsyncWebClient(token=BOT_TOKEN, base_url=fake.api_url,
                              retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    fake.fail_next("chat.postMessage", retry_after=30)
    await retrying.chat_postMessage(channel="C2STAFF", text="hi")
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(waits) == 1
    assert 30 <= waits[0] < 31  # Retry-After + up to 1 s jitter, inside the caller's await
    fake.fail_next("chat.postMessage", retry_after=30, times=2)
    with pytest.raises(SlackApiError):  # max_retry_count used up: the 429 surfaces
        await retrying.chat_postMessage(channel="C2STAFF", text="hi")


async def test_a_generic_error_and_a_held_call(client: AsyncWebClient,
                                               fake: FakeSlack) -> None:
    fake.fail_next("conversations.open", "cannot_dm_bot")
    error = await _error(client.conversations_open(users="U2BOT"))
    assert (error.response.status_code, error.response["error"]) == (200, "cannot_dm_bot")
    gate = fake.hold("chat.postMessage")
    sending = asyncio.ensure_future(client.chat_postMessage(channel="C2STAFF", text="slow"))
    [in_flight] = await fake.wait_for("chat.postMessage")
    assert in_flight.response == {}
    assert not sending.done()
    gate.set()
    assert (await sending)["ok"]
    assert in_flight.ok


async def test_wait_for_with_a_predicate_and_a_count(client: AsyncWebClient,
                                                     fake: FakeSlack) -> None:
    async def send() -> None:
        for n in range(3):
            await client.chat_postMessage(channel="C2STAFF" if n else "D2HEAD", text=f"m{n}")
    sending = asyncio.ensure_future(send())
    calls = await fake.wait_for("chat.postMessage", lambda c: c.channel == "C2STAFF", count=2)
    assert [c.text for c in calls] == ["m1", "m2"]
    await sending
    with pytest.raises(TimeoutError):
        await fake.wait_for("chat.delete", timeout=0.05)


async def test_response_urls_are_recorded_and_used_up(fake: FakeSlack) -> None:
    url = fake.response_base + "T0CROUGHTON/1/abc"
    webhook = AsyncWebhookClient(url)
    for n in range(RESPONSE_URL_USES):
        assert (await webhook.send(text=f"reply {n}", response_type="ephemeral")).status_code \
            == 200
    assert (await webhook.send(text="one too many")).status_code == 404
    replies = fake.responses()
    assert [c.text for c in replies] == [f"reply {n}" for n in range(RESPONSE_URL_USES)]
    assert replies[0].params["response_type"] == "ephemeral"
    assert replies[0].path == "T0CROUGHTON/1/abc"
