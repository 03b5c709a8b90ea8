"""The encryption key: where it comes from, the key check at start, and rotation.

Production sets POLICYBOT_ENCRYPTION_KEY (required with PostgreSQL: see
:mod:`bot.startup`). A demo or a first run on SQLite without it gets a key generated
once into the data directory (file mode 0600), and is told where, so nothing is ever
stored unencrypted and a restart can still read old data.

The key check (:func:`open_cipher`): the database records the id of each key that has
encrypted data in it (:mod:`storage.keycheck`). A start whose keys lack one of them is
refused with a message naming the missing key's id, before anyone meets an entry that
cannot be read. ``policybot keys rotate`` (:func:`rotate`) re-encrypts everything under
the first key and forgets the others, which can then be retired.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings
from storage import keycheck
from storage.crypto import Cipher, CipherError
from storage.db import Database
from storage.key_models import KeyCheck
from storage.reencrypt import Rotation, rotate_all, sample_tokens

__all__ = ["KEY_FILE", "RotationReport", "key_file", "open_cipher", "rotate"]

log = logging.getLogger(__name__)
KEY_FILE = "encryption.key"
PROBE_ROWS = 20  # stored values tried against the key when a database has no key check yet
ROTATE_HINT = ("put it back in POLICYBOT_ENCRYPTION_KEY (after the new key if you are "
               "changing keys: NEW,OLD), start again, then run `policybot keys rotate`")


def key_file(settings: Settings) -> Path:
    return settings.data_dir / KEY_FILE


async def open_cipher(settings: Settings, db: Database, *, now: dt.datetime) -> Cipher:
    """The configured keys, checked against the ones the database's data needs."""
    async with db.session() as session:
        known = await keycheck.keys_in_use(session=session)
    cipher = _load(settings, known)
    missing = [row for row in known if row.key_id not in cipher.key_ids]
    if missing:
        raise CipherError(_missing_message(settings, missing, cipher))
    for row in known:
        cipher.decrypt(row.check)  # the key with that id reads what it wrote
    if not known:
        await _probe_existing_data(db, cipher)
    if cipher.key_ids[0] not in {row.key_id for row in known}:
        async with db.session() as session:
            await keycheck.record_key(session=session, key_id=cipher.key_ids[0],
                                      check=cipher.encrypt(keycheck.CHECK_TEXT), now=now)
    return cipher


def _load(settings: Settings, known: list[KeyCheck]) -> Cipher:
    if settings.encryption_key is not None:
        return Cipher(settings.encryption_key.get_secret_value())
    path = key_file(settings)
    if not path.exists():
        if known:  # the data's key was in a file that is gone: don't make a new one
            raise CipherError(
                f"The encryption key file {path.resolve()} is missing, and this database's "
                f"data is encrypted with key {known[0].key_id}: restore the file from your "
                "backup, or set POLICYBOT_ENCRYPTION_KEY to that key.")
        _create_key_file(path)
        log.warning("POLICYBOT_ENCRYPTION_KEY is not set: created a key in %s. Keep it safe "
                    "and set POLICYBOT_ENCRYPTION_KEY in production.", path.resolve())
    return Cipher(path.read_text(encoding="ascii").strip())


def _missing_message(settings: Settings, missing: list[KeyCheck], cipher: Cipher) -> str:
    where = ("POLICYBOT_ENCRYPTION_KEY" if settings.encryption_key is not None
             else f"the key file {key_file(settings).resolve()}")
    ids = ", ".join(f"{row.key_id} (first used {row.created_at:%Y-%m-%d})" for row in missing)
    return (f"{where} lacks the encryption key this database's data needs: key id {ids}. "
            f"Without it those entries cannot be read: {ROTATE_HINT}. "
            f"Key ids configured now: {', '.join(cipher.key_ids)}.")


async def _probe_existing_data(db: Database, cipher: Cipher) -> None:
    """A database from before the key check: try the keys on a few stored values."""
    for token in await sample_tokens(db, limit=PROBE_ROWS):
        try:
            cipher.decrypt(token)
        except CipherError:
            raise CipherError(
                "Data in this database cannot be decrypted with the configured encryption "
                f"key (key ids {', '.join(cipher.key_ids)}): set POLICYBOT_ENCRYPTION_KEY to "
                "the key it was written with.") from None


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(Cipher.generate_key() + "\n")


@dataclass(frozen=True)
class RotationReport:
    key_id: str  # the key everything is now encrypted with
    rotation: Rotation
    retired: tuple[str, ...]  # key ids the data no longer needs

    def describe(self) -> str:
        total = sum(self.rotation.rotated.values())
        tables = len(self.rotation.rotated)
        lines = [f"Re-encrypted {total} value{'s' if total != 1 else ''} in {tables} "
                 f"table{'s' if tables != 1 else ''} under key {self.key_id} (the first in "
                 "POLICYBOT_ENCRYPTION_KEY)."]
        unreadable = sum(self.rotation.unreadable.values())
        if unreadable:
            lines.append(f"{unreadable} stored value(s) could be read with none of the keys "
                         "and were left as they are (tables: "
                         + ", ".join(sorted(self.rotation.unreadable)) + ").")
        if self.retired:
            lines.append("The data no longer needs key(s) " + ", ".join(self.retired)
                         + ": remove them from POLICYBOT_ENCRYPTION_KEY once every worker "
                         "runs with the new first key.")
        else:
            lines.append("No other key was in use.")
        return "\n".join(lines)


async def rotate(db: Database, cipher: Cipher) -> RotationReport:
    """Re-encrypt every stored value under the first key; forget the other keys."""
    rotation = await rotate_all(db, cipher)
    retired: list[str] = []
    if not sum(rotation.unreadable.values()):
        async with db.session() as session:
            retired = await keycheck.forget_keys_except(session=session,
                                                        key_id=cipher.key_ids[0])
    return RotationReport(cipher.key_ids[0], rotation, tuple(retired))
