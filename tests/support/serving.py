"""``policybot serve`` as a real process on a free loopback port: started, its stderr read
line by line as it is written, and stopped as Docker stops it (SIGTERM)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from tests.support.processes import LISTENING, Log


@dataclass
class Serving:
    process: asyncio.subprocess.Process
    log: Log
    url: str = ""
    _rest: asyncio.Task[str] | None = None

    def drain(self) -> None:
        """Keep reading stderr from now on (a chatty process must never block on a full
        pipe); :meth:`stop` returns it all."""
        self._rest = asyncio.create_task(self.log.rest())

    async def stop(self) -> str:
        """SIGTERM, wait for the exit; everything it logged."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(self.process.wait(), 30)
        return await (self._rest if self._rest is not None else self.log.rest())


@contextlib.asynccontextmanager
async def serving(env: dict[str, str], *args: str, listening: bool = True,
                  preexec: Callable[[], None] | None = None) -> AsyncIterator[Serving]:
    """Start ``policybot serve`` (with ``args``; ``preexec`` runs in the child before it
    starts, to set a limit, say); with ``listening``, wait until it says where it
    listens. Killed at the end if still running."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", *args, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec)
    assert process.stderr is not None
    served = Serving(process, Log(process.stderr))
    try:
        if listening:
            found: re.Match[str] = await served.log.wait_for(LISTENING)
            served.url = f"http://127.0.0.1:{found[1]}"
            served.drain()
        yield served
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
