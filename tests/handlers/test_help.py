"""/help offers what a person can use, grouped; /readpolicy and the nudge's "Read the
policy" button send the policy itself, privately."""

from __future__ import annotations

from pathlib import Path

from bot.app import App
from tests.conftest import ConsoleDriver


def _same_file(one: Path, other: Path) -> bool:
    return one.read_bytes() == other.read_bytes()


def _commands(out: list[str]) -> list[str]:
    return [line.split("| ", 1)[1].split(" ", 1)[0] for line in out if "| /" in line]


async def test_parents_and_the_chair_are_not_offered_what_they_cannot_use(app: App) -> None:
    for handle in ("pat", "chair"):
        offered = _commands(await ConsoleDriver(app, "croughton", handle, "dm").send("/help"))
        assert "/ack" not in offered, handle
        assert "/start" not in offered
        assert "/school" not in offered  # one school only
        assert "/readpolicy" in offered
    staff = _commands(await ConsoleDriver(app, "croughton", "alice", "dm").send("/help"))
    assert "/ack" in staff


async def test_the_headteachers_help_is_grouped(app: App) -> None:
    out = await ConsoleDriver(app, "croughton", "head", "dm").send("/help")
    headings = [line.split("| ", 1)[1] for line in out if line.endswith(":")
                and "| /" not in line and "Here you can use" not in line]
    assert headings == ["Everyday:", "Reports sent to you:",
                        "The policy: reviews and acknowledgements:"]
    text = "\n".join(out)
    assert text.index("/list") > text.index("Reports sent to you:")
    assert text.index("/ackstatus") > text.index("The policy: reviews")


async def test_a_private_command_in_a_group_comes_with_the_button(
    console: ConsoleDriver,
) -> None:
    assert await console.send("/mine") == [
        "staff-room| /mine works in a private chat with me.",
        "staff-room| [1] Open private chat"]
    assert (await console.send("1"))[0].startswith("dm:alice| ")  # pressed: runs there


async def test_readpolicy_sends_the_policy_file_privately(app: App,
                                                          console: ConsoleDriver) -> None:
    out = await console.send("/readpolicy")
    assert out[0] == ("dm:alice| Croughton All Saints CE Primary School's social media "
                      "policy, to read:")
    assert out[1].startswith("dm:alice| [file] croughton.txt saved to ")
    saved = Path(out[1].rsplit(" saved to ", 1)[1])
    assert _same_file(saved, app.services.config.schools[1].policies[0])
    assert not any(line.startswith("staff-room|") for line in out)
