"""The key check and key rotation, on SQLite and PostgreSQL: a start without the key the
data was encrypted with is refused naming that key, and ``policybot keys rotate``
re-encrypts everything (reports, a draft in progress, the outbox) under the first key,
so the old one can be retired."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import delete

from bot.app import App, build_app
from bot.keys import key_file
from bot.settings import Settings
from storage import keycheck
from storage.crypto import Cipher, CipherError, key_id
from storage.key_models import KeyCheck
from storage.reencrypt import rotate_all
from tests.conftest import TEST_KEY, ConsoleDriver
from tests.reports.conftest import friend_request, report
from tests.support.processes import policybot_env

TYPED = "The head posted a photo of a pupil on his public Instagram"
DRAFT = "Jo Draftname"
NEW_KEY = Cipher.generate_key()


def with_keys(settings: Settings, keys: str | None) -> Settings:
    return settings.model_copy(update={"encryption_key": SecretStr(keys) if keys else None})


async def keys_recorded(application: App) -> set[str]:
    async with application.services.db.session() as session:
        return {row.key_id for row in await keycheck.keys_in_use(session=session)}


async def test_the_first_start_records_its_key_and_a_start_without_it_is_refused(
    app: App, settings: Settings,
) -> None:
    assert await keys_recorded(app) == {key_id(TEST_KEY)}
    with pytest.raises(CipherError) as refused:
        await build_app(with_keys(settings, NEW_KEY), migrate=False, with_answers=False)
    message = str(refused.value)
    assert f"key id {key_id(TEST_KEY)}" in message
    assert "POLICYBOT_ENCRYPTION_KEY lacks the encryption key" in message
    assert "`policybot keys rotate`" in message
    assert f"Key ids configured now: {key_id(NEW_KEY)}" in message
    assert TEST_KEY not in message
    assert NEW_KEY not in message


async def test_rotation_moves_everything_to_the_new_key_and_retires_the_old(
    app: App, console: ConsoleDriver, settings: Settings,
) -> None:
    await report(console, category="The Headteacher is involved", involved=None, text=TYPED)
    await console.send("/friendrequest", "A parent", DRAFT)  # left half done: a draft

    both = with_keys(settings, f"{NEW_KEY},{TEST_KEY}")
    rotating = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "keys", "rotate", env=policybot_env(both),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    said, err = await asyncio.wait_for(rotating.communicate(), 120)
    assert rotating.returncode == 0, err.decode()
    said_tables = re.search(r"^Re-encrypted (\d+) values in (\d+) tables under key (\w+)",
                            said.decode())
    assert said_tables is not None, said.decode()
    assert int(said_tables[2]) >= 3  # the report, its notification, the draft (JSON)
    assert said_tables[3] == key_id(NEW_KEY)
    assert f"no longer needs key(s) {key_id(TEST_KEY)}" in said.decode()

    check = await rotate_all(app.services.db, Cipher(NEW_KEY))  # every token, JSON too ...
    assert (sum(check.rotated.values()), sum(check.unreadable.values())) == (0, 0)  # ... NEW's
    assert await keys_recorded(app) == {key_id(NEW_KEY)}

    retired = await build_app(with_keys(settings, NEW_KEY), migrate=False, with_answers=False)
    try:
        assert await keys_recorded(retired) == {key_id(NEW_KEY)}
        chair = ConsoleDriver(retired, "croughton", "chair", "dm")
        [entry] = [line for line in await chair.send("/list") if "Headteacher is inv" in line]
        number = entry.removeprefix("dm:chair| #").split(" ")[0]
        assert f"dm:chair| What happened: {TYPED}" in await chair.send(f"/view {number}")
        alice = ConsoleDriver(retired, "croughton", "alice", "dm")
        out = await alice.send("Facebook", "Yesterday", "I declined it", "Skip")
        assert f"dm:alice| Name or initials: {DRAFT}" in out  # the draft reads under NEW
    finally:
        await retired.close()


async def test_running_rotation_twice_finds_nothing_to_do(app: App) -> None:
    from bot.keys import rotate

    first = await rotate(app.services.db, app.services.cipher)
    again = await rotate(app.services.db, app.services.cipher)
    assert sum(again.rotation.rotated.values()) == 0
    assert first.retired == again.retired == ()
    assert "No other key was in use." in again.describe()


async def test_a_database_from_before_the_key_check_is_tried_against_the_key(
    app: App, console: ConsoleDriver, settings: Settings,
) -> None:
    await friend_request(console, name=DRAFT)
    async with app.services.db.session() as session:
        await session.exec(delete(KeyCheck))  # as it was before migration 0009
    with pytest.raises(CipherError, match="cannot be decrypted with the configured"):
        await build_app(with_keys(settings, NEW_KEY), migrate=False, with_answers=False)
    again = await build_app(settings, migrate=False, with_answers=False)  # the right key
    assert await keys_recorded(again) == {key_id(TEST_KEY)}
    await again.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_lost_key_file_is_refused_not_replaced(settings: Settings, tmp_path: Path) -> None:
    demo = with_keys(settings, None).model_copy(update={"data_dir": tmp_path / "demo"})
    first = await build_app(demo, migrate=False, with_answers=False)
    await first.close()
    path = key_file(demo)
    assert path.stat().st_mode & 0o777 == 0o600
    recorded = key_id(path.read_text().strip())
    path.unlink()
    with pytest.raises(CipherError) as refused:
        await build_app(demo, migrate=False, with_answers=False)
    assert f"{path.resolve()} is missing" in str(refused.value)
    assert f"encrypted with key {recorded}" in str(refused.value)
    assert not path.exists()  # no new key made over the data's
