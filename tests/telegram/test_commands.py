"""Commands in groups and private chats, through the webhook, as Telegram sends them."""

from __future__ import annotations

import re

from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram, Updates
from tests.telegram import feature
from tests.telegram.conftest import ALICE, PAT, PTA, STAFF_ROOM, STRANGE_GROUP, STRANGER, Webhook


async def test_help_in_the_staff_room(webhook: Webhook, updates: Updates,
                                      fake: FakeTelegram) -> None:
    assert await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/help")) == 200
    [reply] = fake.sent(STAFF_ROOM)
    assert reply.text.startswith("PolicyBot helps with Croughton All Saints")
    assert "/whoami — who I think you are, and where we are" in reply.text
    assert "/start" not in reply.text


async def test_help_in_private_lists_private_commands(webhook: Webhook, updates: Updates,
                                                      fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/help"))
    [reply] = fake.sent(ALICE)
    assert "/start" not in reply.text  # how Telegram opens a chat, not a thing to do
    assert "/tmarkup" not in reply.text  # a group-only command


async def test_whoami_in_a_group_and_in_private(webhook: Webhook, updates: Updates,
                                                fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=PAT, chat=PTA, text="/whoami", name="Pat Parent"))
    await webhook.post(updates.message(user=PAT, chat=PAT, text="/whoami", name="Pat Parent"))
    assert [c.text for c in fake.sent(PTA)] == [
        "You are Pat Parent (parent / carer) at Croughton All Saints CE Primary School.\n"
        "This chat is pta (parent chat)."]
    assert [c.text for c in fake.sent(PAT)] == [
        "You are Pat Parent (parent / carer) at Croughton All Saints CE Primary School.\n"
        "We are in a private chat."]


async def test_commands_addressed_with_the_bots_name(webhook: Webhook, updates: Updates,
                                                    fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM,
                                       text=f"/whoami@{BOT_USERNAME}"))
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM,
                                       text=f"/WHOAMI@{BOT_USERNAME.lower()} please"))
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/whoami@SomeOtherBot"))
    replies = fake.sent(STAFF_ROOM)
    assert len(replies) == 2
    assert all(r.text.startswith("You are Alice Ames (staff)") for r in replies)


async def test_start_belongs_in_private(webhook: Webhook, updates: Updates,
                                        fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/start"))
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/start"))
    [refused] = fake.sent(STAFF_ROOM)
    assert refused.text == "/start works in a private chat with me."
    assert refused.buttons == [{"text": "Open private chat",
                                "url": f"https://t.me/{BOT_USERNAME}?start=start"}]
    [greeting] = fake.sent(ALICE)
    assert greeting.text.startswith("Hello, Alice Ames! I'm PolicyBot.")


async def test_unknown_commands_and_group_chatter(webhook: Webhook, updates: Updates,
                                                  fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/frobnicate"))
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="coffee is on"))
    assert [c.text for c in fake.sent(STAFF_ROOM)] == [
        "I don't know /frobnicate. Send /help to see what I can do."]


async def test_mentions_and_replies_to_the_bot_are_for_it(webhook: Webhook, updates: Updates,
                                                          fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM,
                                       text=f"@{BOT_USERNAME} can I friend a parent?"))
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="and a pupil?",
                                       reply_to_bot=True))
    assert [c.text for c in fake.sent(STAFF_ROOM)] == [
        f"You said: @{BOT_USERNAME} can I friend a parent?", "You said: and a pupil?"]


async def test_an_unknown_person_gets_least_privilege(webhook: Webhook, updates: Updates,
                                                      fake: FakeTelegram) -> None:
    for text in ("/whoami", "/tflow", "/help"):
        await webhook.post(updates.message(user=STRANGER, chat=STAFF_ROOM, text=text,
                                           name="Sam Stranger"))
    whoami, tflow, help_ = (c.text for c in fake.sent(STAFF_ROOM))
    assert whoami.startswith(f"I don't know you yet. Your telegram id is {STRANGER}")
    assert tflow.startswith("I don't know who you are yet, so I can't do /tflow for you.")
    assert "send /whoami for the id they need" in help_
    assert "/tflow" not in help_


async def test_an_unconfigured_group_says_so_with_its_id(webhook: Webhook, updates: Updates,
                                                         fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STRANGE_GROUP, text="/whoami"))
    [reply] = fake.sent(STRANGE_GROUP)
    assert reply.text.endswith(
        f"This chat isn't set up for me yet (its telegram id is {STRANGE_GROUP}).")


async def test_replies_stay_in_the_forum_topic(webhook: Webhook, updates: Updates,
                                               fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/help", thread=42))
    [reply] = fake.sent(STAFF_ROOM)
    assert reply.params["message_thread_id"] == "42"


async def test_command_lists_are_published_for_groups_and_private_chats(
    webhook: Webhook, fake: FakeTelegram,
) -> None:
    group, private = fake.calls_to("setMyCommands")
    assert group.json("scope") == {"type": "all_group_chats"}
    assert private.json("scope") == {"type": "all_private_chats"}
    group_names = {c["command"] for c in group.json("commands")}
    private_names = {c["command"] for c in private.json("commands")}
    assert {"help", "whoami", "tflow", "tmarkup"} <= group_names
    assert "start" not in group_names
    assert {"help", "whoami", "start", "tflow"} <= private_names
    assert "tmarkup" not in private_names
    assert {"command": "whoami", "description": "who I think you are, and where we are"} in \
        private.json("commands")


async def test_markup_characters_arrive_as_typed(webhook: Webhook, updates: Updates,
                                                 fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/tmarkup"))
    [reply] = fake.sent(STAFF_ROOM)
    assert reply.text == feature.MARKUP
    assert "parse_mode" not in reply.params  # plain text: nothing is interpreted


async def test_long_replies_are_split_under_telegrams_limit(webhook: Webhook, updates: Updates,
                                                            fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/tlong"))
    pieces = [c.text for c in fake.sent(STAFF_ROOM)]
    assert len(pieces) == 3
    assert all(len(p) <= 4096 for p in pieces)
    assert all(re.match(r"\d\. This clause", p) for p in pieces)  # cut between paragraphs
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", feature.LONG)


async def test_a_document_reply_is_sent_as_a_document(webhook: Webhook, updates: Updates,
                                                      fake: FakeTelegram) -> None:
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/texport"))
    [document] = fake.calls_to("sendDocument", ALICE)
    assert document.files["document"] == ("list.csv", feature.CSV)
    assert document.params["caption"] == "Your export is attached."
    assert fake.calls_to("sendMessage") == []


async def test_a_document_asked_for_in_a_group_arrives_privately(
    webhook: Webhook, updates: Updates, fake: FakeTelegram,
) -> None:
    await webhook.post(updates.message(user=ALICE, chat=STAFF_ROOM, text="/texport"))
    assert [c.chat_id for c in fake.sent()] == [str(ALICE)]
    assert fake.sent(STAFF_ROOM) == []
