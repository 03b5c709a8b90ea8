"""Encryption at rest for free text people submit (Fernet, from ``cryptography``).

The key comes from POLICYBOT_ENCRYPTION_KEY. Several comma-separated keys allow
rotation: the first encrypts, all decrypt (MultiFernet).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class CipherError(Exception):
    """The key is malformed, or a stored value was encrypted with another key."""


class Cipher:
    def __init__(self, keys: str) -> None:
        try:
            self._fernet = MultiFernet([Fernet(k.strip()) for k in keys.split(",") if k.strip()])
        except (ValueError, TypeError) as exc:
            raise CipherError(
                "POLICYBOT_ENCRYPTION_KEY is not a valid Fernet key "
                "(make one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())')"
            ) from exc

    @staticmethod
    def generate_key() -> str:
        return Fernet.generate_key().decode()

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
