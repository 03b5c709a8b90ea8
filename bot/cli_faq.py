"""``policybot faq draft`` and the policy lines of ``policybot config check``.

Both build the answer engine exactly as start-up does, so a policy or FAQ that
would stop the bot is reported here first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.config import SchoolsConfig

__all__ = ["draft", "faq_app", "policy_report"]

faq_app = typer.Typer(no_args_is_help=True, help="A school's FAQ file.")


@faq_app.command("draft")
def draft(
    school: Annotated[str, typer.Option(help="the school's slug, e.g. croughton")],
    output: Annotated[Path | None, typer.Option(
        help="where to write the draft (default: print it)")] = None,
) -> None:
    """Write a draft FAQ file for a school's policy, for a person to review."""
    from bot.config import load_config
    from bot.settings import Settings
    from policies.documents import load_policy
    from policies.draft import draft_faq
    from policies.errors import PolicyError
    from policies.knowledge import load_knowledge

    config = load_config(Settings().config_path)
    chosen = config.school(school)
    if chosen is None:
        known = ", ".join(s.slug for s in config.schools)
        typer.echo(f"policybot faq draft: unknown school {school!r} (known: {known})", err=True)
        raise typer.Exit(code=2)
    try:
        documents = [load_policy(path) for path in chosen.policies]
        text = draft_faq(school=chosen.slug, name=chosen.name, documents=documents,
                         knowledge=load_knowledge())
    except PolicyError as exc:
        typer.echo(f"policybot faq draft: {exc}", err=True)
        raise typer.Exit(code=1) from None
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"Wrote a draft FAQ for {chosen.name} to {output}. Review it, then set "
               f"'faq: {output.name}' on the school in the config.", err=True)


def policy_report(config: SchoolsConfig) -> list[str]:
    """Per school: the review date and any FAQ entries switched off by a policy update.

    Raises PolicyError as start-up would (an unreadable policy, a broken FAQ file)."""
    from bot.config import policy_sources
    from policies.engine import AnswerEngine

    engine = AnswerEngine.build(policy_sources(config))
    lines = []
    for slug in engine.schools():
        due = engine.review_date(slug)
        when = f"{due.day} {due:%B %Y}" if due else "no date set"
        lines.append(f"{slug}: policy next review {when}")
        for entry in engine.stale_entries(slug):
            lines.append(f"{slug}: FAQ entry {entry.id} is switched off and needs review: "
                         f"{entry.reason}")
    return lines
