"""Start-up refuses a set-up that is unsafe or cannot work, in one line naming what, where
and the fix, before it writes anything; the files it makes are its user's alone, and it
warns about ones other users can read. Unwritable directories are tested as the
container case is: ``policybot`` running as another user than the directory's owner."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import select

from bot import startup
from bot.app import build_app
from bot.settings import Settings, bundled_demo_config
from bot.startup import StartupError
from storage.db import Database
from storage.models import School

OTHER_UID = 65534  # nobody: the "container user" when the tests run as root
pytestmark = pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX file modes")


async def test_the_demo_config_with_a_platform_token_is_refused_unless_asked_for(
    settings: Settings,
) -> None:
    live = settings.model_copy(update={"demo": False, "telegram_bot_token": SecretStr("1:AAE")})
    with pytest.raises(StartupError) as refused:
        await build_app(live, migrate=False, with_answers=False)
    assert str(refused.value) == (
        "POLICYBOT_CONFIG is not set, so PolicyBot would run the bundled demo schools with "
        "your TELEGRAM_BOT_TOKEN and put them in your database: set POLICYBOT_CONFIG to your "
        "school config (or POLICYBOT_DEMO=1 to run the demo on purpose).")
    db = Database(settings.resolved_database_url)
    async with db.session() as session:
        assert list(await session.exec(select(School))) == []  # nothing was written
    await db.dispose()
    startup.check(live.model_copy(update={"demo": True}))  # asked for: fine
    startup.check(live.model_copy(update={"telegram_bot_token": None}))  # no token: fine


def test_postgresql_without_an_encryption_key_is_refused(tmp_path: Path) -> None:
    settings = Settings.model_validate({"DATABASE_URL": "postgresql://bot@db.example/policybot",
                                        "POLICYBOT_DATA_DIR": str(tmp_path)})
    with pytest.raises(StartupError, match=r"^DATABASE_URL is a PostgreSQL database but "
                       r"POLICYBOT_ENCRYPTION_KEY is not set: each worker would make a key "
                       r"of its own"):
        startup.check(settings)


async def test_a_first_start_makes_its_files_readable_by_its_user_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    data = tmp_path / "new" / "data"
    settings = Settings.model_validate({"POLICYBOT_DATA_DIR": str(data),
                                        "POLICYBOT_CONFIG": str(bundled_demo_config())})
    application = await build_app(settings, with_answers=False)  # migrates its SQLite file
    await application.close()
    modes = {p.name: p.stat().st_mode & 0o777 for p in [data, *data.iterdir()]}
    assert modes.pop("data") == 0o700
    assert modes.pop("policybot.db") == 0o600
    assert modes.pop("encryption.key") == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes  # -wal, -shm, the lock
    assert not [r for r in caplog.records if "other users" in r.getMessage()]


def test_files_other_users_can_read_are_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings.model_validate({"POLICYBOT_DATA_DIR": str(tmp_path / "data")})
    startup.check_files(settings)
    database, key = tmp_path / "data" / "policybot.db", tmp_path / "data" / "encryption.key"
    key.write_text("not used here\n")
    for path, mode in ((tmp_path / "data", 0o755), (database, 0o644), (key, 0o640)):
        path.chmod(mode)
    with caplog.at_level(logging.WARNING, logger="bot.startup"):
        startup.check_files(settings)
    assert [r.getMessage() for r in caplog.records] == [
        f"The data directory {tmp_path / 'data'} can be read by other users of this machine "
        f"(mode 755): chmod 700 {tmp_path / 'data'}",
        f"The SQLite database {database} can be read by other users of this machine "
        f"(mode 644): chmod 600 {database}",
        f"The encryption key file {key} can be read by other users of this machine "
        f"(mode 640): chmod 600 {key}"]


# ---- the container case: a directory the bot's user cannot write --------------------


@contextlib.contextmanager
def shared_directory() -> Iterator[Path]:
    """A directory outside pytest's private temporary tree, so another user can reach it."""
    path = Path(tempfile.mkdtemp(prefix="policybot-startup-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def as_another_user() -> dict[str, Any]:
    """As root: run the child as nobody (root may write anywhere). Otherwise as ourselves,
    with the directory's write bit taken away instead."""
    if os.geteuid() == 0:
        blocked = _closed_to_others(Path(sys.executable).parent)
        if blocked is not None:
            pytest.skip(f"the checkout is under {blocked}, which other users cannot enter "
                        "(mode 0700, as `mktemp -d` makes it), so the child cannot run as "
                        "nobody; clone into a directory others may enter")
        return {"user": OTHER_UID, "group": OTHER_UID, "extra_groups": []}
    return {}


def _closed_to_others(path: Path) -> Path | None:
    """The first directory above ``path`` that other users may not enter, if any."""
    for directory in (path, *path.parents):
        if not directory.stat().st_mode & 0o001:
            return directory
    return None


def not_writable_by_the_child(path: Path) -> None:
    if os.geteuid() == 0:
        os.chown(path, 0, 0)
        path.chmod(0o755)  # root's, readable by all, writable by root only
    else:
        path.chmod(0o555)


def writable_by_the_child(path: Path) -> None:
    if os.geteuid() == 0:
        os.chown(path, OTHER_UID, OTHER_UID)
    path.chmod(0o700)


def policybot(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1",
           "POLICYBOT_DATA_DIR": str(data), "POLICYBOT_CONFIG": str(bundled_demo_config())}
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True,
                          text=True, timeout=60, check=False, cwd=Path(__file__).parents[2],
                          **as_another_user())


def child_uid() -> int:
    return OTHER_UID if os.geteuid() == 0 else os.getuid()


@pytest.mark.parametrize("command", [("db", "upgrade"), ("serve", "--port", "0")])
def test_an_unwritable_data_dir_is_refused_in_one_line(command: tuple[str, ...]) -> None:
    with shared_directory() as base:
        data = base / "data"
        data.mkdir()
        not_writable_by_the_child(data)
        result = policybot(*command, data=data)
        data.chmod(0o755)
    assert result.returncode == 2
    *before, line = [line for line in result.stderr.splitlines() if line.strip()]
    assert all("No platform token is set" in other for other in before)  # serve's warning
    assert line.startswith(f"PolicyBot cannot write to its data directory {data} "
                           "(POLICYBOT_DATA_DIR): permission denied; give the user PolicyBot "
                           f"runs as (uid {child_uid()}) write access, e.g. `chown -R "
                           f"{child_uid()} {data}`")
    assert "or set POLICYBOT_DATA_DIR to a directory it can write." in line


def test_an_unwritable_sqlite_file_is_refused_in_one_line() -> None:
    with shared_directory() as base:
        data = base / "data"
        data.mkdir()
        database = data / "policybot.db"
        database.write_bytes(b"")
        database.chmod(0o644 if os.geteuid() == 0 else 0o444)  # root's file, in the bot's dir
        writable_by_the_child(data)
        result = policybot("db", "upgrade", data=data)
    assert result.returncode == 2
    [line] = [line for line in result.stderr.splitlines() if line.strip()]
    assert line.startswith(f"PolicyBot cannot write its SQLite database {database} "
                           "(DATABASE_URL): permission denied; give the user PolicyBot runs "
                           f"as (uid {child_uid()}) write access")
