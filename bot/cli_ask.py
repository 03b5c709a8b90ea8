"""``policybot ask``: one answer from a school's policy, or a batch over JSON lines.

Kept lean on purpose (no database, no chat SDKs): a cold ``policybot ask``
must answer in well under 1.5 s.

    policybot ask "Can I friend a parent?" --school croughton [--audience parent] [--json]
    policybot ask --jsonl < questions.jsonl     # {"school","audience","question"} per line
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, NoReturn, TextIO

import typer

from policies.answer import Answer, Audience
from policies.engine import AnswerEngine
from policies.errors import PolicyError, QuestionError, UnknownSchool

__all__ = ["ask"]

USAGE_ERROR = 2


def _config_path() -> Path:
    from bot.settings import Settings

    return Settings().config_path


def ask(
    question: Annotated[str | None, typer.Argument(help="the question, in quotes")] = None,
    school: Annotated[str | None, typer.Option(help="the school's slug, e.g. croughton")] = None,
    audience: Annotated[str, typer.Option(help="who is asking: staff or parent")] = "staff",
    json_: Annotated[bool, typer.Option("--json", help="print the JSON answer")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="batch: JSON questions on stdin, one answer per line")
    ] = False,
) -> None:
    """Answer a question from the school's own social media policy."""
    if jsonl:
        if question is not None:
            _usage("--jsonl reads questions from stdin; do not pass a question as well")
        _answer_lines(_config_path(), sys.stdin, sys.stdout)
        return
    if question is None or not question.strip():
        _usage('the question is empty: ask something, e.g. policybot ask "Can I friend a parent?"')
    if school is None:
        _usage("which school? pass --school SLUG")
    audience = audience.strip().lower()
    if audience not in {a.value for a in Audience}:
        _usage(f"--audience must be staff or parent, not {audience!r}")
    engine = _engine(_config_path(), only=school)
    try:
        answer = engine.answer(school=school, question=question, audience=Audience(audience))
    except (UnknownSchool, QuestionError) as exc:
        _usage(str(exc))
    typer.echo(json.dumps(answer.to_json(), ensure_ascii=False) if json_ else _human(answer))


def _usage(message: str) -> NoReturn:
    typer.echo(f"policybot ask: {message}", err=True)
    raise typer.Exit(code=USAGE_ERROR)


def _engine(config: Path, only: str | None = None) -> AnswerEngine:
    from bot.config import ConfigError, load_config, policy_sources

    try:
        sources = policy_sources(load_config(config))
    except ConfigError as exc:
        typer.echo("policybot ask: the school config is not valid:\n" + "\n".join(exc.problems),
                   err=True)
        raise typer.Exit(code=1) from None
    if only is not None:
        chosen = [source for source in sources if source.slug == only]
        if not chosen:
            known = ", ".join(source.slug for source in sources)
            _usage(f"unknown school {only!r} (known: {known})")
        sources = chosen
    try:
        return AnswerEngine.build(sources)
    except PolicyError as exc:
        typer.echo(f"policybot ask: {exc}", err=True)
        raise typer.Exit(code=1) from None


def _human(answer: Answer) -> str:
    lines = [answer.answer]
    for source in answer.sources:
        lines += ["", f"\u201c{source.text}\u201d", f"    \u2014 {source.policy}, {source.section}"]
    return "\n".join(lines)


def _answer_lines(config: Path, stdin: TextIO, stdout: TextIO) -> None:
    engine = _engine(config)
    for result in answer_lines(engine, stdin):
        stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()


def answer_lines(engine: AnswerEngine, lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """One JSON answer per input line, in order; a bad line gives an abstention with "error"."""
    for line in lines:
        try:
            request = _request(line)
            answer = engine.answer(
                school=request["school"], question=request["question"],
                audience=Audience(request["audience"]),
            )
        except (ValueError, PolicyError) as exc:
            yield _error(str(exc))
        else:
            yield answer.to_json()


def _request(line: str) -> dict[str, str]:
    if not line.strip():
        raise ValueError("empty line")
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ValueError("each line must be a JSON object")
    school, question = data.get("school"), data.get("question")
    audience = data.get("audience") or "staff"
    if isinstance(audience, str):
        audience = audience.strip().lower()
    if not isinstance(school, str) or not isinstance(question, str):
        raise ValueError('"school" and "question" must be strings')
    if audience not in {a.value for a in Audience}:
        raise ValueError(f'"audience" must be staff or parent, not {audience!r}')
    return {"school": school, "question": question, "audience": audience}


def _error(message: str) -> dict[str, Any]:
    return {
        "answer": "Sorry, I could not read that question.",
        "abstained": True,
        "confidence": 0.0,
        "sources": [],
        "error": message,
    }
