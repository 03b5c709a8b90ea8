"""Encryption at rest for free text people submit (Fernet, from ``cryptography``).

The key comes from POLICYBOT_ENCRYPTION_KEY. Several comma-separated keys allow
rotation: the first encrypts, all decrypt (MultiFernet), and :meth:`Cipher.rotate`
re-encrypts a value under the first. Each key has a :func:`key_id`, a fingerprint that
names it in messages and in the database's key check without revealing it.
"""

from __future__ import annotations

import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["TOKEN_PREFIX", "Cipher", "CipherError", "key_id"]

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts so (version byte 0x80, then a timestamp)
KEY_HELP = ("make one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'")


class CipherError(Exception):
    """The key is malformed or missing, or a stored value was encrypted with another key.
    The message is safe to show: it names keys by :func:`key_id` only."""


def key_id(key: str) -> str:
    """A short fingerprint of a key: safe to print and store, useless for decrypting."""
    return hashlib.sha256(b"policybot key id\0" + key.strip().encode()).hexdigest()[:16]


class Cipher:
    def __init__(self, keys: str) -> None:
        self._keys = [k.strip() for k in keys.split(",") if k.strip()]
        try:
            self._fernets = [Fernet(k) for k in self._keys]
            self._fernet = MultiFernet(self._fernets)
        except (ValueError, TypeError) as exc:
            raise CipherError(f"POLICYBOT_ENCRYPTION_KEY is not a valid Fernet key ({KEY_HELP})"
                              ) from exc

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

    @property
    def key_ids(self) -> tuple[str, ...]:
        """Each key's id, the first (the one that encrypts) first."""
        return tuple(key_id(k) for k in self._keys)

    def encrypt(self, text: str) -> str:
        return self.encrypt_bytes(text.encode())

    def decrypt(self, token: str) -> str:
        return self.decrypt_bytes(token).decode()

    def encrypt_bytes(self, data: bytes) -> str:
        """A file's bytes (evidence) as a token, stored like encrypted text."""
        return self._fernet.encrypt(data).decode()

    def decrypt_bytes(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode())
        except InvalidToken as exc:
            raise CipherError("stored data cannot be decrypted with the configured key") from exc

    def decrypts_with_first(self, token: str) -> bool:
        """Whether ``token`` was encrypted with the first key (nothing to rotate)."""
        try:
            self._fernets[0].decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted under the first key (its timestamp kept); CipherError if
        no configured key can decrypt it."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise CipherError("stored data cannot be decrypted with the configured key") from exc
