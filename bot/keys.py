"""Where the encryption key comes from.

Production sets POLICYBOT_ENCRYPTION_KEY. A demo or a first run without it gets a
key generated once into the data directory (file mode 0600), and is told where,
so nothing is ever stored unencrypted and a restart can still read old data.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from bot.settings import Settings
from storage.crypto import Cipher

log = logging.getLogger(__name__)
KEY_FILE = "encryption.key"


def load_cipher(settings: Settings) -> Cipher:
    if settings.encryption_key is not None:
        return Cipher(settings.encryption_key.get_secret_value())
    path = settings.data_dir / KEY_FILE
    if not path.exists():
        _create_key_file(path)
        log.warning("POLICYBOT_ENCRYPTION_KEY is not set: created a key in %s. Keep it safe "
                    "and set POLICYBOT_ENCRYPTION_KEY in production.", path.resolve())
    return Cipher(path.read_text(encoding="ascii").strip())


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(Cipher.generate_key() + "\n")
