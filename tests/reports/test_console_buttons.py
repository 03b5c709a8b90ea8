"""On the console, as on Telegram, a button still on screen can be pressed after newer
messages arrive: typing its label presses it."""

from __future__ import annotations

from bot.app import App
from tests.conftest import ConsoleDriver
from tests.reports.conftest import friend_request, refs


async def test_an_older_buttons_label_still_presses_it(console: ConsoleDriver, app: App) -> None:
    await friend_request(console)
    [ref] = await refs(app)
    viewed = await console.send(":as head", "/view " + str(ref))
    assert any("Record outcome" in line for line in viewed)
    told = await console.send(":as alice", f"/reply {ref} It was the new parent in Year 2.")
    assert any(line.startswith("dm:head| ") and "[1]" in line for line in told)
    pressed = await console.send(":as head", "Record outcome")
    assert pressed
    assert all(line.startswith("dm:head| ") for line in pressed)
    assert "policy" not in " ".join(pressed).casefold()
