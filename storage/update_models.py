"""Platform updates already handled, so an update delivered twice is handled once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from storage.models import timestamp


class ProcessedUpdate(SQLModel, table=True):
    """One platform update (a Telegram ``update_id``, a Slack event id), written in the
    same transaction as the changes it made. Rows older than a few days are pruned
    (platforms redeliver within minutes or hours, never days)."""

    __tablename__ = "processed_updates"
    __table_args__ = (Index("ix_processed_updates_received_at", "received_at"),)

    platform: str = Field(max_length=16, primary_key=True)
    update_key: str = Field(max_length=128, primary_key=True)
    received_at: dt.datetime = timestamp(nullable=False)
