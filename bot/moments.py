"""``--now`` for the cron-friendly commands (``reminders run-due``, ``reports purge``): one
rule for both. An ISO-8601 moment; one without an offset is UTC; none given is now."""

from __future__ import annotations

import datetime as dt

import typer

__all__ = ["parse_now"]


def parse_now(value: str | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"--now {value!r} is not an ISO-8601 time: use a moment like "
            "2026-01-05T09:00:00+00:00 (one without an offset is read as UTC)") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
