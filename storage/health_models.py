"""The health check's row: ``GET /healthz`` proves the database can be written by writing it."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from storage.models import timestamp


class HealthCheck(SQLModel, table=True):
    """One row (``id`` 1) whose ``checked_at`` each health check writes and commits."""

    __tablename__ = "health_checks"

    id: int = Field(primary_key=True)
    checked_at: dt.datetime = timestamp(nullable=False)
