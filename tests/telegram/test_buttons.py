"""Inline buttons and callback queries: every press is answered; a stale one says so."""

from __future__ import annotations

from bot.platforms.telegram_send import keyboard
from handlers.replies import Button, open_private
from tests.support.fake_telegram import BOT_USERNAME, FakeTelegram, Updates
from tests.telegram.conftest import ALICE, STAFF_ROOM, Webhook

STALE = "That button no longer does anything. Try /help."


async def test_a_button_nobody_handles_any_more_says_so(webhook: Webhook, updates: Updates,
                                                        fake: FakeTelegram) -> None:
    await webhook.post(updates.press(user=ALICE, chat=ALICE, data="retired:42"))
    [answer] = fake.calls_to("answerCallbackQuery")
    assert answer.params["text"] == STALE
    assert answer.params["show_alert"] == "true"
    assert fake.calls_to("editMessageReplyMarkup", ALICE)  # and it goes away
    assert fake.sent() == []


async def test_a_button_whose_question_has_expired_says_so(webhook: Webhook, updates: Updates,
                                                           fake: FakeTelegram) -> None:
    await webhook.post(updates.press(user=ALICE, chat=ALICE, data="tflow:kind:friend"))
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert [c.text for c in fake.sent(ALICE)] == [
        "That question has expired. Send /tflow to start again."]


async def test_a_press_in_a_group_keeps_the_keyboard_for_others(
    webhook: Webhook, updates: Updates, fake: FakeTelegram,
) -> None:
    await webhook.post(updates.press(user=ALICE, chat=STAFF_ROOM, data="retired:1"))
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert fake.calls_to("editMessageReplyMarkup") == []
    assert fake.sent(STAFF_ROOM) == []


async def test_a_press_is_handled_once_when_telegram_repeats_it(
    webhook: Webhook, updates: Updates, fake: FakeTelegram,
) -> None:
    await webhook.post(updates.message(user=ALICE, chat=ALICE, text="/tflow"))
    press = updates.press(user=ALICE, chat=ALICE, data="tflow:kind:other")
    assert [await webhook.post(press), await webhook.post(press)] == [200, 200]
    assert len(fake.calls_to("answerCallbackQuery")) == 1
    assert [c.text for c in fake.sent(ALICE)][1:] == ["Tell me what happened, in one message."]


def test_short_choices_sit_two_to_a_row_and_long_ones_alone() -> None:
    short = keyboard([Button("Yes", "a:yes"), Button("No", "a:no"), Button("Skip", "a:skip")],
                     BOT_USERNAME)
    assert short is not None
    assert [[b.text for b in row] for row in short.inline_keyboard] == [["Yes", "No"], ["Skip"]]
    long = keyboard([Button("A friend request from a parent", "c:1"), Button("No", "c:2")],
                    BOT_USERNAME)
    assert long is not None
    assert len(long.inline_keyboard) == 2
    assert keyboard([], BOT_USERNAME) is None


def test_an_open_private_button_is_a_deep_link() -> None:
    markup = keyboard([open_private("Report privately", "report"),
                       open_private("Odd", "not a payload!")], BOT_USERNAME)
    assert markup is not None
    [[report, odd]] = markup.inline_keyboard
    assert report.url == f"https://t.me/{BOT_USERNAME}?start=report"
    assert report.callback_data is None
    assert odd.url == f"https://t.me/{BOT_USERNAME}"
