from __future__ import annotations

import pytest

from handlers.parsing import MAX_TEXT, clean_text, parse_command


@pytest.mark.parametrize(("text", "expected"), [
    ("/help", ("help", "")),
    ("/HELP  me please ", ("help", "me please")),
    ("/policy@PolicyBot can I friend a parent?", ("policy", "can I friend a parent?")),
    ("/policy@policybot\ntwo\nlines", ("policy", "two\nlines")),
    ("/policy@OtherBot hi", None),
    ("hello /help", None),
    ("/", None),
    ("/123", None),
])
def test_parse_command(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_command(text, bot_username="PolicyBot") == expected


def test_clean_text_drops_control_characters_and_caps_length() -> None:
    assert clean_text("  hi\x00\x07 there 👋 ") == "hi there 👋"
    assert len(clean_text("x" * (MAX_TEXT * 2))) == MAX_TEXT
