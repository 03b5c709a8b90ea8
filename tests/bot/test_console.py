"""The console platform, driven as a person would: in-process for most flows, and
once through a real `policybot chat` process with piped input."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import App
from bot.settings import Settings
from tests.conftest import ConsoleDriver
from tests.support.processes import policybot_env


async def test_help_in_the_staff_room_lists_what_alice_may_do(console: ConsoleDriver) -> None:
    out = await console.send("/help")
    assert out[0].startswith("staff-room| PolicyBot helps with Croughton All Saints")
    assert "staff-room| /whoami — who I think you are, and where we are" in out
    assert all(line.startswith("staff-room| ") for line in out)


async def test_whoami_in_a_group_and_in_private(console: ConsoleDriver) -> None:
    assert await console.send("/whoami") == [
        "staff-room| You are Alice Ames (staff) at Croughton All Saints CE Primary School.",
        "staff-room| This chat is staff-room (staff chat).",
    ]
    assert await console.send(":as pat", ":in dm", "/whoami") == [
        "dm:pat| You are Pat Parent (parent / carer) at Croughton All Saints CE Primary School.",
        "dm:pat| We are in a private chat.",
    ]


async def test_someone_not_in_the_config_can_be_tried_on_the_console(
    console: ConsoleDriver,
) -> None:
    assert await console.send(":as stranger", "/whoami") == [
        "staff-room| I don't know you yet. Your console id is croughton/stranger: your "
        "school's PolicyBot admin adds it to the school config.",
        "staff-room| This chat is staff-room (staff chat)."]
    assert "someone croughton's config doesn't know" in console.err.getvalue()
    out = await console.send(":in random-group", "/report")
    assert "a group croughton's config doesn't have" in console.err.getvalue()
    assert out[0].startswith("random-group| This chat isn't set up for me yet")
    await console.send(":as nobody here")
    assert "can't be a handle" in console.err.getvalue()
    assert console.console.prompt() == "stranger@random-group> "


async def test_unknown_commands_and_wrong_places_get_a_clear_answer(
    console: ConsoleDriver,
) -> None:
    assert await console.send("/frobnicate") == [
        "staff-room| I don't know /frobnicate. Send /help to see what I can do."]
    assert await console.send("/start") == [
        "staff-room| /start works in a private chat with me.",
        "staff-room| [1] Open private chat"]


async def test_group_chatter_that_is_not_for_the_bot_is_ignored(console: ConsoleDriver) -> None:
    assert await console.send("morning all, coffee is on") == []


def test_policybot_chat_as_a_user_would_pipe_it(settings: Settings, tmp_path: Path) -> None:
    env = policybot_env(settings, POLICYBOT_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--school", "croughton"],
        input="/help\n:as head\n:in dm\n/whoami\n:quit\n/whoami\n",
        capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("staff-room| PolicyBot helps with Croughton All Saints CE Primary "
                        "School's social media policy.")
    assert "dm:head| You are Head Teacher (Headteacher) at Croughton All Saints CE Primary " \
           "School." in lines
    assert lines[-1] == "dm:head| We are in a private chat."  # nothing after :quit


def test_policybot_chat_refuses_an_unknown_school(tmp_path: Path) -> None:
    env = {**os.environ, "POLICYBOT_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "bot", "chat", "--school", "hogwarts"],
                            input="", capture_output=True, text=True, env=env, timeout=60,
                            check=False)
    assert result.returncode == 2
    assert "unknown school 'hogwarts'; the config has: st-lukes, croughton" in result.stderr


@pytest.mark.parametrize(("url", "message"), [
    ("mysql://someone@localhost/db", "DATABASE_URL is not usable: unsupported database 'mysql'"),
    ("postgresql://postgres@127.0.0.1:1/test", "Cannot reach the database (DATABASE_URL):"),
])
def test_a_bad_database_url_gets_one_clear_line(tmp_path: Path, url: str, message: str) -> None:
    env = {**os.environ, "POLICYBOT_DATA_DIR": str(tmp_path), "DATABASE_URL": url}
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], capture_output=True,
                            text=True, env=env, timeout=60, check=False)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_ends_the_chat_at_once_and_quietly(settings: Settings, tmp_path: Path) -> None:
    """No Enter needed, no line swallowed, no traceback (as when a person presses it)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "chat", "--school", "croughton"],
        env=policybot_env(settings), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write("/whoami\n")
    process.stdin.flush()
    assert process.stdout.readline().startswith("staff-room| You are Alice Ames")
    process.stdout.readline()  # the second line of the answer: now it waits for input
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "Traceback" not in err


async def test_exports_are_saved_for_this_user_only(app: App) -> None:
    head = ConsoleDriver(app, "croughton", "head", "dm")
    await ConsoleDriver(app, "croughton", "alice", "dm").send(
        "/friendrequest", "A parent", "J.S.", "Facebook", "Yesterday", "I declined it", "Skip",
        "Send")
    out = await head.send("/export")
    saved = Path(next(line for line in out if "[file]" in line).rsplit(" saved to ", 1)[1])
    assert _mode(saved) == 0o600
    assert _mode(saved.parent) == 0o700


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)
