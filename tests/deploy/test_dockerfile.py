"""The Dockerfile, read as Docker reads it (no Docker daemon runs here, so the image
cannot be built): the runtime stage runs as a numeric user, has no pip, setuptools or
wheel (and checks so at build time), installs nothing, asks PORT in its health check
and starts `policybot serve`; the build stage installs only hashed, locked packages.
What a build would copy is in the repository and no secret is in the build context."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str

    def exec_form(self) -> list[str]:
        found = json.loads(self.arguments)
        assert isinstance(found, list)
        return [str(item) for item in found]


def instructions(text: str) -> list[Instruction]:
    """Comment lines dropped (also inside a continued instruction, as Docker does),
    lines ending in a backslash joined, each instruction split into keyword and rest."""
    joined: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    keyword_and_rest = (line.strip().split(None, 1) for line in joined)
    return [Instruction(parts[0].upper(), parts[1] if len(parts) > 1 else "")
            for parts in keyword_and_rest]


def stages() -> list[list[Instruction]]:
    found: list[list[Instruction]] = []
    for instruction in instructions((ROOT / "Dockerfile").read_text()):
        if instruction.keyword == "FROM":
            found.append([])
        found[-1].append(instruction)
    return found


def commands(stage: list[Instruction]) -> str:
    return "\n".join(i.arguments for i in stage if i.keyword == "RUN")


BUILD, RUNTIME = stages()


def test_the_parser_reads_continued_lines_and_drops_comments() -> None:
    parsed = instructions('FROM x AS y\n# note\nRUN a \\\n  # inside\n  && b\nCMD ["c"]\n')
    assert parsed == [Instruction("FROM", "x AS y"), Instruction("RUN", "a    && b"),
                      Instruction("CMD", '["c"]')]


def test_two_stages_and_the_runtime_one_copies_only_the_venv_from_the_build() -> None:
    assert BUILD[0].arguments == "python:3.11-slim AS build"
    assert RUNTIME[0].arguments == "python:3.11-slim"
    copies = [i.arguments for i in RUNTIME if i.keyword == "COPY"]
    assert copies == ["--from=build /venv /venv"]


def test_the_runtime_stage_runs_as_a_numeric_user() -> None:
    users = [i.arguments for i in RUNTIME if i.keyword == "USER"]
    assert users == ["10001"]
    assert "--uid 10001" in commands(RUNTIME)


def test_the_runtime_image_has_no_pip_setuptools_or_wheel() -> None:
    run = commands(RUNTIME)
    assert "pip uninstall --yes pip setuptools wheel" in run
    assert "rm -rf /usr/local/bin/pip* /usr/local/lib/python3.11/ensurepip" in run
    for python in ("/usr/local/bin/python", "/venv/bin/python"):  # checked at build time
        assert python in run
    assert "find_spec(m) for m in ('pip', 'setuptools', 'wheel', 'ensurepip')" in run
    assert not re.search(r"pip\S* install|-m ensurepip|get-pip|apt-get", run)


def test_the_venv_is_made_without_pip_and_only_locked_hashed_packages_go_in() -> None:
    run = commands(BUILD)
    assert "python -m venv --without-pip /venv" in run
    installs = re.findall(r"pip --python /venv/bin/python install ([^&\n]+)", run)
    assert [i.strip() for i in installs] == ["--require-hashes -r requirements.lock",
                                             "--no-deps ."]
    assert len(re.findall(r"\binstall\b", run)) == 2


def test_the_health_check_asks_the_port_serve_listens_on() -> None:
    [check] = [i.arguments for i in RUNTIME if i.keyword == "HEALTHCHECK"]
    options, _, command = check.partition(" CMD ")
    assert "--interval=" in options
    probe = json.loads(command)
    assert probe[:2] == ["python", "-c"]
    assert "os.environ.get('PORT', '8080')" in probe[2]
    assert "/healthz" in probe[2]
    compile(probe[2], "HEALTHCHECK", "exec")  # the probe is valid Python
    env = " ".join(i.arguments for i in RUNTIME if i.keyword == "ENV")
    assert "PORT=8080" in env
    assert "POLICYBOT_DATA_DIR=/data" in env


def test_the_container_migrates_then_serves_on_all_interfaces() -> None:
    [cmd] = [i for i in RUNTIME if i.keyword == "CMD"]
    assert cmd.exec_form() == ["sh", "-c",
                               "policybot db upgrade && exec policybot serve --host 0.0.0.0"]
    assert "--port" not in cmd.arguments  # PORT decides, as the health check assumes


def test_what_the_build_copies_is_in_the_repository_and_not_ignored() -> None:
    ignored = {line for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line and not line.startswith("#")}
    for instruction in (i for i in BUILD if i.keyword == "COPY"):
        *sources, _ = shlex.split(instruction.arguments)
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source not in ignored, source


def test_secrets_and_local_state_stay_out_of_the_build_context() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().splitlines())
    assert {"policybot.env", "*.env", ".venv", ".policybot", ".git", "config"} <= ignored
