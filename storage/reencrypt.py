"""Re-encrypting everything stored under the first key (``policybot keys rotate``).

Every table the migrations made is read in primary-key order, a batch at a time. Each
text value that is a Fernet token, and each token inside a JSON value (a draft's
answers, say), that the first key did not encrypt is re-encrypted under it
(:meth:`storage.crypto.Cipher.rotate`). The scan knows no table by name, so a table a
later feature adds is covered without a change here. Rows are locked while rewritten
(PostgreSQL), so the bot may keep running; a batch that meets a busy SQLite file is
tried again. Running it twice is harmless: the second run finds nothing to do.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    String,
    Table,
    TypeDecorator,
    and_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.exc import OperationalError

from storage.crypto import TOKEN_PREFIX, Cipher, CipherError
from storage.db import Database
from storage.key_models import KeyCheck
from storage.schema import load_metadata

__all__ = ["Rotation", "rotate_all", "sample_tokens"]

BATCH = 200
SQLITE_RETRIES = 5


@dataclass
class Rotation:
    """What a rotation did, per table: values re-encrypted, and tokens no key could read."""

    rotated: Counter[str] = field(default_factory=Counter)
    unreadable: Counter[str] = field(default_factory=Counter)


async def rotate_all(db: Database, cipher: Cipher, *, batch: int = BATCH) -> Rotation:
    result = Rotation()
    for table in load_metadata().sorted_tables:
        columns = _text_columns(table)
        if columns and table.primary_key.columns and table.name != KeyCheck.__tablename__:
            await _rotate_table(db, cipher, table, columns, batch, result)
    return result


async def sample_tokens(db: Database, *, limit: int) -> list[str]:
    """Up to ``limit`` tokens stored in text columns (JSON ones aside), read in one
    statement: the key check runs it at every start of a database without one."""
    parts = [select(column.label("value")).where(column.like(f"{TOKEN_PREFIX}%"))
             .limit(limit).subquery()
             for table in load_metadata().sorted_tables if table.name != KeyCheck.__tablename__
             for column in _text_columns(table) if not isinstance(column.type, JSON)]
    if not parts:
        return []
    query = union_all(*(select(part.c.value) for part in parts)).limit(limit)
    async with db.session() as session:
        connection = await session.connection()
        values = (await connection.execute(query)).scalars().all()
    return [value for value in values if _looks_like_token(value)]


def _text_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if _holds_text(c) and not c.primary_key]


def _holds_text(column: Column[Any]) -> bool:
    kind = column.type
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString, and our own types
        kind = kind.impl_instance
    return isinstance(kind, String | JSON)


async def _rotate_table(db: Database, cipher: Cipher, table: Table,
                        columns: list[Column[Any]], batch: int, result: Rotation) -> None:
    after: tuple[Any, ...] | None = None
    while True:
        for attempt in range(SQLITE_RETRIES):
            try:
                after = await _rotate_batch(db, cipher, table, columns, after, batch, result)
                break
            except OperationalError:
                if not db.is_sqlite or attempt == SQLITE_RETRIES - 1:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))  # another writer holds the file
        if after is None:
            return


async def _rotate_batch(db: Database, cipher: Cipher, table: Table,
                        columns: list[Column[Any]], after: tuple[Any, ...] | None,
                        batch: int, result: Rotation) -> tuple[Any, ...] | None:
    """Rotate one batch of rows after ``after``; return the last key, None at the end."""
    keys = list(table.primary_key.columns)
    query = select(*keys, *columns).order_by(*keys).limit(batch).with_for_update()
    if after is not None:
        query = query.where(tuple_(*keys) > tuple_(*after))
    counts = Rotation()
    async with db.session() as session:
        connection = await session.connection()
        rows = (await connection.execute(query)).all()
        for row in rows:
            changes = _changes(row._mapping, columns, cipher, table.name, counts)
            if changes:
                where = and_(*(key == row._mapping[key.name] for key in keys))
                await connection.execute(update(table).where(where).values(changes))
    result.rotated.update(counts.rotated)  # counted once the batch is committed
    result.unreadable.update(counts.unreadable)
    if len(rows) < batch:
        return None
    return tuple(rows[-1]._mapping[key.name] for key in keys)


def _changes(row: Any, columns: list[Column[Any]], cipher: Cipher, table: str,
             counts: Rotation) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for column in columns:
        value = row[column.name]
        rotated = _rotated(value, cipher, table, counts)
        if rotated is not value:
            changes[column.name] = rotated
    return changes


def _rotated(value: Any, cipher: Cipher, table: str, counts: Rotation) -> Any:
    """``value`` with its tokens re-encrypted: the same object when nothing changed."""
    if isinstance(value, str):
        if not _looks_like_token(value) or cipher.decrypts_with_first(value):
            return value
        try:
            fresh = cipher.rotate(value)
        except CipherError:
            counts.unreadable[table] += 1
            return value
        counts.rotated[table] += 1
        return fresh
    if isinstance(value, list):
        items = [_rotated(v, cipher, table, counts) for v in value]
        return items if any(n is not o for n, o in zip(items, value, strict=True)) else value
    if isinstance(value, dict):
        pairs = {k: _rotated(v, cipher, table, counts) for k, v in value.items()}
        return pairs if any(pairs[k] is not value[k] for k in value) else value
    return value


def _looks_like_token(value: str) -> bool:
    """A Fernet token: version 0x80, timestamp, IV, whole AES blocks, HMAC (57 + 16n bytes)."""
    if not value.startswith(TOKEN_PREFIX):
        return False
    try:
        raw = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError):
        return False
    return raw[:1] == b"\x80" and len(raw) >= 73 and (len(raw) - 57) % 16 == 0
