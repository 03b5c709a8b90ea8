#!/usr/bin/env python3
"""Set up and run PolicyBot with nothing but Python and pip.

    python3 dev.py chat [ARGS]   set up, then start the console bot (default: croughton)
    python3 dev.py test [ARGS]   set up with test tools, then lint, type-check and test
    python3 dev.py setup         just set up (.venv with the locked dependencies)
    python3 dev.py lock [--check] [UV-ARGS]
                                 regenerate requirements.lock and requirements-dev.lock from
                                 pyproject.toml with uv (keeping the versions already locked
                                 where pyproject allows them; UV-ARGS such as
                                 --upgrade-package NAME go to both compiles); --check: only
                                 say whether they would change (needs PyPI; CI checks
                                 offline, in tests/deploy/test_locks.py)

Set-up creates .venv, installs the locked dependencies (every one checked against its
hash) and PolicyBot itself, and skips all of that when the lock files have not changed
since the last time.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
RUNTIME_LOCK = "requirements.lock"
DEV_LOCK = "requirements-dev.lock"  # the runtime lock's pins, and the dev extra's on top


def run(*args: str | Path, cwd: Path = ROOT) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=cwd, check=True)


def setup(*, dev: bool) -> None:
    locks = [ROOT / RUNTIME_LOCK, ROOT / "pyproject.toml"]
    if dev:
        locks.append(ROOT / DEV_LOCK)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in locks)).hexdigest()
    stamp = VENV / (".installed-dev" if dev else ".installed")
    if stamp.exists() and stamp.read_text() == digest:
        return
    if not PYTHON.exists():
        print(f"+ creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    pip = (PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-q")
    run(*pip, "--require-hashes", "-r", DEV_LOCK if dev else RUNTIME_LOCK)
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


def compile_locks(directory: Path, more: list[str]) -> None:
    """Write both lock files into ``directory`` from pyproject.toml, with hashes, for
    every platform on the oldest Python we support; versions already in the repository's
    locks are kept unless pyproject.toml rules them out."""
    if directory != ROOT:  # the same inputs, and the current pins as preferences
        for name in ("pyproject.toml", "README.md", "LICENSE", RUNTIME_LOCK, DEV_LOCK):
            (directory / name).write_bytes((ROOT / name).read_bytes())
    for lock, extra in ((RUNTIME_LOCK, ()), (DEV_LOCK, ("--extra", "dev", "-c", RUNTIME_LOCK))):
        run(BIN / "uv", "pip", "compile", "--quiet", "pyproject.toml", *extra,
            "--universal", "--python-version", "3.11", "--generate-hashes",
            "--custom-compile-command", "python3 dev.py lock", *more, "-o", lock,
            cwd=directory)


def lock(args: list[str]) -> int:
    setup(dev=True)
    more = [arg for arg in args if arg != "--check"]
    if "--check" not in args:
        compile_locks(ROOT, more)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        compile_locks(Path(scratch), more)
        stale = [name for name in (RUNTIME_LOCK, DEV_LOCK)
                 if (Path(scratch) / name).read_bytes() != (ROOT / name).read_bytes()]
    for name in stale:
        print(f"{name} does not match pyproject.toml: run python3 dev.py lock", file=sys.stderr)
    return 1 if stale else 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("chat", "test", "setup", "lock"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "setup":
        setup(dev=True)
        return 0
    if command == "lock":
        return lock(rest)
    return chat(rest) if command == "chat" else test(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
