"""The whole bot on Slack: real slack-bolt behind ``POST /slack/events``, the real
features, the fake Slack Web API over real HTTP. Commands, the report modal, the App
Home, ephemeral replies, files, signatures, retries, 429s and unknown workspaces."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re

from sqlmodel import col, select

from bot.app import App
from bot.platforms.slack import FORM_LAPSED, REFUSAL, SlackAdapter
from bot.platforms.slack_send import FORM_CALLBACK
from storage.models import OutboxMessage
from storage.report_models import Report
from storage.update_models import ProcessedUpdate
from tests.slack.conftest import ALICE, HEAD, PAT, STAFF_ROOM, Endpoint
from tests.support.fake_slack import APP_TOKEN, BOT_TOKEN, FakeSlack
from tests.support.slack_requests import SlackRequests, date_value, select_value, text_value

QUESTION = "can I accept a friend request from a parent?"


async def _processed(app: App) -> list[ProcessedUpdate]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(ProcessedUpdate)))


async def _reports(app: App) -> list[Report]:
    async with app.services.db.session() as session:
        return list(await session.exec(select(Report)))


def _in_channel(fake: FakeSlack, channel: str = STAFF_ROOM) -> list[str]:
    """Everything anyone can see in ``channel``: messages and ephemerals."""
    return ([c.block_text for c in fake.posted(channel)]
            + [c.block_text for c in fake.calls_to("chat.postEphemeral") if c.ok
               and c.channel == channel])


# -- commands and messages ------------------------------------------------------------
async def test_policy_in_a_channel_is_answered_there_for_everyone(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    command = requests.command("/policy", QUESTION, user=ALICE, channel=STAFF_ROOM)
    assert await endpoint.post(command.signed()) == (200, "")
    [answer] = fake.posted(STAFF_ROOM)
    assert "friend" in answer.block_text.lower()
    assert answer.text  # what notifications show
    assert fake.ephemerals() == []


async def test_policy_answers_can_be_made_only_for_the_asker(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    slack_app.settings.slack_policy_in_channel = False
    command = requests.command("/policy", QUESTION, user=ALICE, channel=STAFF_ROOM)
    assert (await endpoint.post(command.signed()))[0] == 200
    assert fake.posted(STAFF_ROOM) == []
    [answer] = fake.ephemerals(ALICE)
    assert answer.channel == STAFF_ROOM


async def test_other_commands_in_a_channel_answer_only_the_person(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    for name in ("/help", "/whoami", "/list", "/nonsense"):
        command = requests.command(name, user=ALICE, channel=STAFF_ROOM)
        assert (await endpoint.post(command.signed()))[0] == 200
    assert fake.posted(STAFF_ROOM) == []
    help_, whoami, listing, unknown = (c.block_text for c in fake.ephemerals(ALICE))
    assert "/policy" in help_
    assert whoami.startswith("You are Alice Ames (staff)")
    assert "/list" in listing
    assert unknown == "I don't know /nonsense. Send /help to see what I can do."


async def test_a_dm_and_a_mention_are_answered_where_they_were_asked(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    assert (await endpoint.post(requests.message_im(user=ALICE, text=QUESTION).signed()))[0] \
        == 200
    [private] = fake.posted("D2ALICE")
    assert "friend" in private.block_text.lower()
    mention = requests.app_mention(user=ALICE, channel=STAFF_ROOM, text=QUESTION)
    assert (await endpoint.post(mention.signed()))[0] == 200
    [public] = fake.posted(STAFF_ROOM)
    assert public.block_text == private.block_text
    chatter = requests.message_channel(user=ALICE, channel=STAFF_ROOM, text="lunch?")
    assert (await endpoint.post(chatter.signed()))[0] == 200
    assert len(fake.posted(STAFF_ROOM)) == 1  # the bot only hears what's addressed to it


async def test_the_acknowledge_button_works_from_a_dm(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    assert (await endpoint.post(requests.command("/ack", user=ALICE,
                                                 channel="D2ALICE").signed()))[0] == 200
    [thanks] = fake.posted("D2ALICE")
    assert "Thank you" in thanks.block_text
    await endpoint.post(requests.app_home_opened(user=ALICE).signed())
    home = fake.home(ALICE)
    assert home is not None
    assert "you confirmed you have read it" in json.dumps(home)


# -- the report modal -------------------------------------------------------------------
async def _open_friend_request(endpoint: Endpoint, requests: SlackRequests,
                               fake: FakeSlack) -> dict[str, object]:
    command = requests.command("/friendrequest", user=ALICE, channel=STAFF_ROOM)
    assert await endpoint.post(command.signed()) == (200, "")
    [opened] = fake.calls_to("views.open")
    assert opened.ok, opened.error
    assert opened.params["trigger_id"] == command.trigger_id
    view: dict[str, object] = opened.response["view"]
    assert view["callback_id"] == FORM_CALLBACK
    return view


def _filled(**overrides: dict[str, object]) -> dict[str, dict[str, object]]:
    values: dict[str, dict[str, object]] = {
        "contact_type": {"value": select_value("parent")},
        "subject": {"value": text_value("J.S.")},
        "platform": {"value": select_value("facebook")},
        "occurred_on": {"value": date_value("2026-01-05")},
        "staff_action": {"value": select_value("declined")},
        "details": {"value": text_value("Sent late on Sunday evening")}}
    return values | overrides


async def test_friendrequest_opens_a_modal_then_reaches_the_head_and_the_export(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    view = await _open_friend_request(endpoint, requests, fake)
    submitted = requests.view_submission(user=ALICE, callback_id=FORM_CALLBACK, view=view,
                                         values=_filled())
    assert await endpoint.ack(submitted.signed()) == {}  # closes the modal
    [report] = await _reports(slack_app)
    [thanks] = fake.posted("D2ALICE")
    assert f"#{report.reference}" in thanks.block_text
    assert await endpoint.deliver() == 3  # the Headteacher told; both home tabs republished
    [told] = fake.posted("D2HEAD")
    assert "1 not read yet" in json.dumps(fake.home(HEAD))
    assert f"#{report.reference}" in json.dumps(fake.home(ALICE))
    assert f"#{report.reference}" in told.block_text
    assert "J.S." not in told.block_text  # a notification carries no free text
    export = requests.command("/export", user=HEAD, channel="D2HEAD")
    assert (await endpoint.post(export.signed()))[0] == 200
    [csv] = fake.shared_files()
    assert csv.channel_id == "D2HEAD"
    assert csv.data is not None
    assert b"J.S." in csv.data
    assert _in_channel(fake) == []  # nothing at all in the staff room


async def test_a_form_error_is_shown_in_the_modal_and_nothing_is_recorded(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    view = await _open_friend_request(endpoint, requests, fake)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    bad = requests.view_submission(user=ALICE, callback_id=FORM_CALLBACK, view=view,
                                   values=_filled(occurred_on={"value": date_value(future)},
                                                  subject={"value": text_value("")}))
    answer = await endpoint.ack(bad.signed())
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"occurred_on", "subject"}
    assert "future" in answer["errors"]["occurred_on"]
    assert await _reports(slack_app) == []
    good = requests.view_submission(user=ALICE, callback_id=FORM_CALLBACK, view=view,
                                    values=_filled())
    assert await endpoint.ack(good.signed()) == {}
    assert len(await _reports(slack_app)) == 1


async def test_a_lapsed_trigger_gets_a_dm_with_a_button_that_opens_the_form(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    command = requests.command("/report", user=ALICE, channel=STAFF_ROOM)
    assert command.trigger_id is not None
    fake.expire_trigger(command.trigger_id)
    assert (await endpoint.post(command.signed()))[0] == 200
    [offer] = fake.posted("D2ALICE")
    assert offer.block_text.startswith(FORM_LAPSED)
    [button] = [e for b in offer.blocks if b["type"] == "actions" for e in b["elements"]]
    press = requests.block_actions(user=ALICE, action_id=button["action_id"],
                                   value=button["value"], channel="D2ALICE")
    assert (await endpoint.post(press.signed()))[0] == 200
    opened = [c for c in fake.calls_to("views.open") if c.ok]
    assert [c.params["trigger_id"] for c in opened] == [press.trigger_id]


# -- App Home -------------------------------------------------------------------------
async def test_the_home_tab_shows_staff_their_policy_and_what_they_sent(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    assert (await endpoint.post(requests.app_home_opened(user=ALICE).signed()))[0] == 200
    home = fake.home(ALICE)
    assert home is not None
    text = json.dumps(home)
    assert "please confirm you have read it" in text
    assert "I have read it" in text  # the button
    assert "Nothing yet" in text


async def test_the_home_tab_shows_the_head_what_needs_doing(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    view = await _open_friend_request(endpoint, requests, fake)
    await endpoint.ack(requests.view_submission(user=ALICE, callback_id=FORM_CALLBACK,
                                                view=view, values=_filled()).signed())
    assert (await endpoint.post(requests.app_home_opened(user=HEAD).signed()))[0] == 200
    text = json.dumps(fake.home(HEAD))
    assert "1 not read yet" in text
    assert "Not yet confirmed: " in text
    assert "Next review" in text
    assert "J.S." not in text  # counts, not content


# -- what Slack must not get in ------------------------------------------------------------
async def test_bad_and_stale_signatures_are_refused_and_nothing_is_processed(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    command = requests.command("/policy", QUESTION, user=ALICE, channel=STAFF_ROOM)
    for forged in (command.badly_signed(), command.stale(), command.unsigned(),
                   command.tampered()):
        assert (await endpoint.post(forged))[0] == 401
    assert await _processed(slack_app) == []
    assert fake.posted() == []
    assert (await endpoint.post(command.signed()))[0] == 200


async def test_url_verification_is_answered(endpoint: Endpoint, requests: SlackRequests) -> None:
    challenge = requests.url_verification("c-123")
    status, body = await endpoint.post(challenge.signed())
    assert (status, json.loads(body)) == (200, {"challenge": "c-123"})


async def test_a_retried_event_and_a_resent_command_change_nothing(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    dm = requests.message_im(user=ALICE, text=QUESTION)
    await endpoint.post(dm.signed())
    await endpoint.post(dm.signed(retry_num=1, retry_reason="http_timeout"))
    assert len(fake.posted("D2ALICE")) == 1
    command = requests.command("/whoami", user=ALICE, channel="D2ALICE")
    await endpoint.post(command.signed())
    await endpoint.post(command.signed(retry_num=1))
    assert len(fake.posted("D2ALICE")) == 2
    assert len(await _processed(slack_app)) == 2


async def test_a_request_from_an_unknown_workspace_is_refused_politely(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    command = requests.command("/policy", QUESTION, user=ALICE, channel=STAFF_ROOM,
                               team_id="T0STRANGERS")
    status, _ = await endpoint.post(command.signed())
    assert status == 200
    assert [r.text for r in fake.responses()] == [REFUSAL]
    assert await _processed(slack_app) == []
    assert fake.posted() == []


async def test_a_stranger_and_an_unknown_channel_get_least_privilege(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    await endpoint.post(requests.command("/list", user="U0STRANGER", channel="D0STRANGER")
                        .signed())
    await endpoint.post(requests.command("/report", user=ALICE, channel="C0RANDOM").signed())
    refused, unconfigured = (c.block_text for c in fake.posted() + fake.ephemerals())
    assert "I don't know who you are yet" in refused
    assert "This chat isn't set up for me yet" in unconfigured


async def test_a_429_is_waited_out_through_the_outbox(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=30)
    command = requests.command("/policy", QUESTION, user=ALICE, channel=STAFF_ROOM)
    await endpoint.post(command.signed())
    assert fake.posted(STAFF_ROOM) == []
    async with slack_app.services.db.session() as session:
        [row] = await session.exec(select(OutboxMessage).where(
            col(OutboxMessage.platform) == "slack"))
    assert row.status == "pending"
    assert row.last_error is not None
    assert re.search(r"retry after 30s", row.last_error)
    later = row.available_at + dt.timedelta(seconds=1)
    assert (await endpoint.adapter.pipeline.deliverer.deliver_due(now=later)).sent == 1
    assert len(fake.posted(STAFF_ROOM)) == 1


async def test_a_parent_gets_the_parent_answer_in_the_pta_channel(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    command = requests.command("/policy", "can I post photos of sports day?", user=PAT,
                               channel="C2PTA")
    assert (await endpoint.post(command.signed()))[0] == 200
    [answer] = fake.posted("C2PTA")
    assert answer.block_text


async def test_socket_mode_takes_the_same_requests_without_a_public_url(
    adapter: SlackAdapter, requests: SlackRequests, fake: FakeSlack,
) -> None:
    stop = asyncio.Event()
    receiving = asyncio.create_task(adapter.receive(stop))
    try:
        await fake.wait_for_socket()
        [opened] = fake.calls_to("apps.connections.open")
        assert opened.token == APP_TOKEN
        command = requests.command("/policy", QUESTION, user=ALICE, channel=STAFF_ROOM)
        ack = await fake.wait_for_ack(await fake.socket_send(command.envelope()))
        assert ack.payload is None  # acknowledged at once; the answer follows
        await adapter.settled()
        [answer] = await fake.wait_for("chat.postMessage")
        assert answer.channel == STAFF_ROOM
        again = await fake.socket_send(command.envelope(retry_attempt=1))
        await fake.wait_for_ack(again)
        await adapter.settled()
        assert len(fake.posted(STAFF_ROOM)) == 1  # a redelivery changes nothing
    finally:
        stop.set()
        await receiving


async def test_every_private_command_answers_in_the_dm(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack,
) -> None:
    commands = [("/mine", ""), ("/ackstatus", ""), ("/gaps", ""), ("/list", ""),
                ("/view", "100000"), ("/reply", "100000 hello"), ("/outcome", "100000 done"),
                ("/answer", "1 yes"), ("/school", ""), ("/help", ""), ("/whoami", "")]
    for number, (name, text) in enumerate(commands, start=1):
        command = requests.command(name, text, user=HEAD, channel="D2HEAD")
        assert (await endpoint.post(command.signed()))[0] == 200
        replies = fake.posted("D2HEAD")
        assert len(replies) == number, name
        assert "I don't know" not in replies[-1].block_text, name
    assert fake.ephemerals() == []


async def test_screenshots_uploaded_in_the_report_form_are_kept_as_evidence(
    endpoint: Endpoint, requests: SlackRequests, fake: FakeSlack, slack_app: App,
) -> None:
    command = requests.command("/report", user=ALICE, channel=STAFF_ROOM)
    assert (await endpoint.post(command.signed()))[0] == 200
    [opened] = fake.calls_to("views.open")
    view = opened.response["view"]
    [files] = [b for b in view["blocks"] if b.get("element", {}).get("type") == "file_input"]
    shot = fake.add_file("screenshot.png", b"\x89PNG fake screenshot bytes")
    values: dict[str, dict[str, object]] = {
        "category": {"value": select_value("inappropriate_content")},
        "involved": {"value": select_value("pupil")},
        "occurred_on": {"value": date_value("2026-01-05")},
        "details": {"value": text_value("A pupil posted a class photo publicly")},
        files["block_id"]: {"value": {"type": "file_input", "files": [shot]}}}
    submitted = requests.view_submission(user=ALICE, callback_id=FORM_CALLBACK, view=view,
                                         values=values)
    answer = await endpoint.ack(submitted.signed())
    assert answer == {}, answer
    [fetched] = fake.calls_to("files-pri")
    assert fetched.token == BOT_TOKEN  # fetched privately, with the bot's token
    [report] = await _reports(slack_app)
    await endpoint.deliver()
    view_it = requests.command("/view", str(report.reference), user=HEAD, channel="D2HEAD")
    assert (await endpoint.post(view_it.signed()))[0] == 200
    await endpoint.deliver()  # evidence goes to readers through the outbox
    [shared] = fake.shared_files("D2HEAD")  # the reader gets it, privately
    assert shared.data == b"\x89PNG fake screenshot bytes"
    assert _in_channel(fake) == []
