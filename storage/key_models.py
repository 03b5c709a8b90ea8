"""The key check: which encryption keys this database's data may be encrypted with, so a
missing or wrong POLICYBOT_ENCRYPTION_KEY is found at start, not by users."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from storage.models import timestamp


class KeyCheck(SQLModel, table=True):
    """One key that has encrypted data here, by its id (a fingerprint, never the key),
    with a value encrypted under it. The first start records its first key; a start with
    a new first key adds it; ``policybot keys rotate`` leaves only the first."""

    __tablename__ = "key_checks"

    key_id: str = Field(max_length=16, primary_key=True)
    check: str  # a Fernet token of storage.keycheck.CHECK_TEXT under that key
    created_at: dt.datetime = timestamp(nullable=False)
