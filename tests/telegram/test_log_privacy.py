"""The log holds no secret and nothing anyone typed, at DEBUG: ``policybot serve`` runs as
a real process with POLICYBOT_LOG_LEVEL=DEBUG against the fake Bot API, registers its
webhook (token and secret on the wire), takes a report about the Headteacher through
the webhook, delivers it to the Chair, who reads it, and answers a policy question; then
every line it wrote is searched for the token, the secret, the key and each typed text."""

from __future__ import annotations

import aiohttp
import pytest

from bot.settings import Settings
from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import policybot_env
from tests.support.serving import serving
from tests.support.telegram_chat import ALICE, TelegramChat, report_about_the_head
from tests.telegram.conftest import SECRET

TYPED = "MARKER-7f3a the head shared a pupil's photo on his Instagram"
QUESTION = "MARKER-9c1d can I accept a friend request from a parent"
REPLY = "MARKER-2b8e thank you, I will look into it"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_report_flow_at_debug_leaves_nothing_typed_and_no_secret_in_the_log(
    settings: Settings, fake: FakeTelegram,
) -> None:
    key = settings.encryption_key
    assert key is not None
    env = policybot_env(settings, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.api_url,
                        TELEGRAM_WEBHOOK_SECRET=SECRET, POLICYBOT_LOG_LEVEL="DEBUG",
                        TELEGRAM_WEBHOOK_URL="https://policybot.example/telegram", PORT="0")
    async with serving(env) as served, aiohttp.ClientSession() as http:
        chat = TelegramChat(served.url, fake, http, secret=SECRET)
        assert fake.calls_to("setWebhook")[0].params["secret_token"] == SECRET
        await report_about_the_head(chat, typed=TYPED, reply=REPLY, question=QUESTION)
        assert await chat.post(chat.updates.message(user=ALICE, chat=ALICE, text=TYPED),
                               secret="wrong-secret") == 403
        log = await served.stop()
    assert served.process.returncode == 0, log
    assert "PolicyBot listening on" in log  # it did log, at DEBUG ...
    for leak in (TOKEN, TOKEN.partition(":")[2], SECRET, key.get_secret_value(),
                 "MARKER-"):
        assert leak not in log, f"{leak!r} is in the log"  # ... but none of this
