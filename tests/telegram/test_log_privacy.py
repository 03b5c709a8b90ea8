"""The log holds no secret and nothing anyone typed, at DEBUG: ``policybot serve`` runs as
a real process with POLICYBOT_LOG_LEVEL=DEBUG against the fake Bot API and the fake
Slack, registers its webhook (token and secret on the wire), takes a report about the
Headteacher through the webhook, delivers it to the Chair, who reads it and writes back,
answers policy questions on Telegram and on Slack (a DM and a slash command); then every
line it wrote is searched for the tokens, the secrets, the key and each typed text."""

from __future__ import annotations

import aiohttp
import pytest

from bot.settings import Settings
from tests.support.fake_slack import BOT_TOKEN, FakeSlack
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import policybot_env
from tests.support.serving import serving
from tests.support.slack_requests import SIGNING_SECRET, SignedRequest, SlackRequests
from tests.support.telegram_chat import ALICE, TelegramChat, report_about_the_head
from tests.telegram.conftest import SECRET

TYPED = "MARKER-7f3a the head shared a pupil's photo on his Instagram"
QUESTION = "MARKER-9c1d can I accept a friend request from a parent"
REPLY = "MARKER-2b8e thank you, I will look into it"
SLACK_DM = "MARKER-5e6f may I post photos of the school fair on facebook"
SLACK_COMMAND = "MARKER-8a9b can I follow a parent on instagram"


async def post_to_slack(http: aiohttp.ClientSession, url: str, signed: SignedRequest) -> int:
    async with http.post(f"{url}/slack/events", data=signed.data,
                         headers=signed.headers) as response:
        return response.status


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_report_flow_at_debug_leaves_nothing_typed_and_no_secret_in_the_log(
    settings: Settings, fake: FakeTelegram,
) -> None:
    key = settings.encryption_key
    assert key is not None
    async with FakeSlack() as slack:
        env = policybot_env(settings, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url,
                            TELEGRAM_WEBHOOK_SECRET=SECRET, POLICYBOT_LOG_LEVEL="DEBUG",
                            TELEGRAM_WEBHOOK_URL="https://policybot.example/telegram",
                            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                            SLACK_API_URL=slack.api_url, PORT="0")
        async with serving(env) as served, aiohttp.ClientSession() as http:
            chat = TelegramChat(served.url, fake, http, secret=SECRET)
            assert fake.calls_to("setWebhook")[0].params["secret_token"] == SECRET
            await report_about_the_head(chat, typed=TYPED, reply=REPLY, question=QUESTION)
            assert await chat.post(chat.updates.message(user=ALICE, chat=ALICE, text=TYPED),
                                   secret="wrong-secret") == 403
            requests = SlackRequests(response_base=slack.response_base)
            dm = requests.message_im(user="U2ALICE", text=SLACK_DM)
            assert await post_to_slack(http, served.url, dm.signed()) == 200
            await slack.wait_for("chat.postMessage", timeout=30)
            command = requests.command("/policy", SLACK_COMMAND, user="U2ALICE",
                                       channel="C2STAFF")
            assert await post_to_slack(http, served.url, command.signed()) == 200
            await slack.wait_for("chat.postMessage", count=2, timeout=30)
            log = await served.stop()
    assert served.process.returncode == 0, log
    assert "PolicyBot listening on" in log  # it did log, at DEBUG ...
    for leak in (TOKEN, TOKEN.partition(":")[2], SECRET, key.get_secret_value(), BOT_TOKEN,
                 SIGNING_SECRET, "MARKER-"):
        assert leak not in log, f"{leak!r} is in the log"  # ... but none of this
