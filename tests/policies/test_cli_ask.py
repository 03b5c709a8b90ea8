"""``policybot ask``: the single-question form, --json, and the --jsonl batch contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from bot.cli_ask import answer_lines, ask
from policies.engine import AnswerEngine
from tests.policies.conftest import NAMES, POLICIES, SLUGS

runner = CliRunner()


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two of the sample schools: enough for the CLI, quicker to build than five."""
    path = tmp_path_factory.mktemp("config") / "schools.yaml"
    schools = [
        {"slug": slug, "name": NAMES[slug], "policies": [str(POLICIES / "samples" / f"{slug}.txt")],
         "faq": str(POLICIES / "faq" / f"{slug}.yaml"),
         "people": [{"handle": "head", "name": "Head", "role": "headteacher"}]}
        for slug in SLUGS[:2]
    ]
    path.write_text(yaml.safe_dump({"schools": schools}), encoding="utf-8")
    return path


@pytest.fixture
def app(config: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.setenv("POLICYBOT_CONFIG", str(config))
    application = typer.Typer()
    application.command("ask")(ask)

    @application.command("other")
    def other() -> None:  # a second command keeps "ask" a subcommand, as in policybot
        pass

    return application


def test_human_answer(app: typer.Typer) -> None:
    result = runner.invoke(app, ["ask", "Can I friend a parent?", "--school", "croughton"])
    assert result.exit_code == 0, result.output
    assert "\u201c" in result.stdout
    assert "Croughton All Saints CE Primary School Social Media Policy" in result.stdout


def test_json_answer(app: typer.Typer) -> None:
    result = runner.invoke(
        app, ["ask", "Can I post photos of the play?", "--school", "st-lukes",
              "--audience", "parent", "--json"],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"answer", "abstained", "confidence", "sources"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "Can I friend a parent?", "--school", "hogwarts"], "unknown school 'hogwarts'"),
        (["ask", "   ", "--school", "croughton"], "empty"),
        (["ask", "--school", "croughton"], "empty"),
        (["ask", "Can I friend a parent?"], "--school"),
        (["ask", "Can I?", "--school", "croughton", "--audience", "pupil"], "--audience"),
    ],
)
def test_usage_errors_exit_2(app: typer.Typer, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_jsonl_keeps_order_and_survives_bad_lines(app: typer.Typer) -> None:
    lines = [
        json.dumps(
            {"school": "croughton", "audience": "staff", "question": "Can I friend a parent?"}
        ),
        "this is not json",
        json.dumps({"school": "nowhere", "question": "Can I friend a parent?"}),
        json.dumps({"school": "croughton", "question": ""}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"school": "st-lukes", "audience": "teacher", "question": "Hi"}),
        json.dumps({"school": "st-lukes", "question": "How much are school dinners?"}),
    ]
    result = runner.invoke(app, ["ask", "--jsonl"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert not answers[0]["abstained"]
    assert "error" not in answers[0]
    for bad in answers[1:7]:
        assert bad["abstained"]
        assert bad["error"]
        assert bad["sources"] == []
    assert "unknown school" in answers[2]["error"]
    assert answers[7]["abstained"]
    assert "error" not in answers[7]


def test_answer_lines_is_lazy_and_ordered(engine: AnswerEngine) -> None:
    questions = ["Can I friend a parent?", "Where is the photocopier?"] * 3
    lines = (json.dumps({"school": "croughton", "question": q}) for q in questions)
    results = list(answer_lines(engine, lines))
    assert [r["abstained"] for r in results] == [False, True] * 3


def test_audience_is_read_whatever_its_case(app: typer.Typer) -> None:
    line = json.dumps({"school": "croughton", "audience": "PARENT",
                       "question": "Can a teacher add me on Facebook?"})
    result = runner.invoke(app, ["ask", "--jsonl"], input=line + "\n")
    assert result.exit_code == 0
    assert "error" not in json.loads(result.stdout.splitlines()[0])
    single = runner.invoke(app, ["ask", "Can I friend a parent?", "--school", "croughton",
                                 "--audience", "Staff", "--json"])
    assert single.exit_code == 0, single.output
