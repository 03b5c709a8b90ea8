"""``policybot reminders run-due``: one pass of the reminder scheduler, then exit."""

from __future__ import annotations

import datetime as dt

import typer

from bot.settings import Settings


async def run_due(settings: Settings, now: str | None) -> None:
    moment = dt.datetime.fromisoformat(now) if now else dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        raise typer.BadParameter("--now needs a timezone, e.g. 2026-01-05T09:00:00+00:00")
    typer.echo("Reminders are not scheduled yet: acknowledgements and review reminders "
               "arrive with the reminders feature.")
