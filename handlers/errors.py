"""Errors handlers raise. The router turns each into one polite message.

- :class:`UserError` — the person asked for something we can't do; its ``message``
  is shown to them as it is (nothing private in it).
- :class:`NotAllowed` — their role or this chat doesn't permit it.
- anything else — a bug or an outage: logged (without message content) and the
  person gets a generic apology.
"""

from __future__ import annotations


class UserError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserError):
    pass
