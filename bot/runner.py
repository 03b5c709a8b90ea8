"""``policybot run`` with platform tokens: long-running platform connections."""

from __future__ import annotations

import typer

from bot.settings import Settings


async def run_platforms(settings: Settings) -> None:
    typer.echo("Telegram polling and Slack Socket Mode arrive with their platform features; "
               "unset the tokens to use the console platform.", err=True)
    raise typer.Exit(code=2)
