#!/usr/bin/env python3
"""Set up and run PolicyBot with nothing but Python and pip.

    python3 dev.py chat [ARGS]   set up, then start the console bot (default: croughton)
    python3 dev.py test [ARGS]   set up with test tools, then lint, type-check and test
    python3 dev.py setup         just set up (.venv with the locked dependencies)

Set-up creates .venv, installs the locked dependencies and PolicyBot itself, and
skips all of that when the lock files have not changed since the last time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True)


def setup(*, dev: bool) -> None:
    locks = [ROOT / "requirements.lock", ROOT / "pyproject.toml"]
    if dev:
        locks.append(ROOT / "requirements-dev.lock")
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in locks)).hexdigest()
    stamp = VENV / (".installed-dev" if dev else ".installed")
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not PYTHON.exists():
        print(f"+ creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    pip = (PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q")
    run(*pip, "-r", "requirements.lock", *(("-r", "requirements-dev.lock") if dev else ()))
    run(*pip, "--no-deps", "-e", ".")
    stamp.write_text(digest)


def chat(args: list[str]) -> int:
    setup(dev=False)
    if not any(a.startswith("--school") for a in args):
        args = ["--school", "croughton", *args]
    try:
        return subprocess.call([str(BIN / "policybot"), "chat", *args], cwd=ROOT)
    except KeyboardInterrupt:  # Ctrl-C reached us too: the bot has already said goodbye
        return 130


def test(args: list[str]) -> int:
    setup(dev=True)
    steps = [
        [str(BIN / "ruff"), "check", "."],
        [str(BIN / "mypy")],
        [str(PYTHON), "-m", "pytest", *(() if "-n" in args else ("-n", "auto")), *args],
    ]
    for step in steps:
        print("+", " ".join(step), flush=True)
        code = subprocess.call(step, cwd=ROOT)
        if code != 0:
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("chat", "test", "setup"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "setup":
        setup(dev=True)
        return 0
    return chat(rest) if command == "chat" else test(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
