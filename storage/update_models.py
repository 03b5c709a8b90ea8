"""Platform updates claimed for handling, so an update delivered twice is handled once
and one whose handling failed or was interrupted is handled again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.models import timestamp


class ProcessedUpdate(SQLModel, table=True):
    """One platform update (a Telegram ``update_id``, a Slack event id).

    ``status`` is ``handling`` while a worker (``holder``) handles it, until
    ``lease_until``, then ``done`` once its replies were sent. A ``handling`` row whose
    lease has expired belongs to a worker that died: the next delivery takes it over.
    Rows older than a few days are pruned (platforms redeliver within minutes or
    hours, never days)."""

    __tablename__ = "processed_updates"
    __table_args__ = (Index("ix_processed_updates_received_at", "received_at"),)

    platform: str = Field(max_length=16, primary_key=True)
    update_key: str = Field(max_length=128, primary_key=True)
    received_at: dt.datetime = timestamp(nullable=False)
    status: str = Field(default="done", max_length=16)
    holder: str | None = Field(default=None, max_length=32)
    lease_until: dt.datetime | None = timestamp(nullable=True)
