"""Running ``policybot`` as a separate process, configured like a test's Settings."""

from __future__ import annotations

import asyncio
import os
import re
import sys

from bot.settings import Settings


def policybot_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment a real ``policybot`` process needs to use this test's database,
    data directory, school config and key; ``extra`` adds or overrides variables."""
    key = settings.encryption_key
    assert key is not None
    return {**os.environ, "DATABASE_URL": settings.resolved_database_url,
            "POLICYBOT_DATA_DIR": str(settings.data_dir),
            "POLICYBOT_CONFIG": str(settings.config_path),
            "POLICYBOT_ENCRYPTION_KEY": key.get_secret_value(),
            **({"POLICYBOT_DEMO": "1"} if settings.demo else {}), **extra}


class Log:
    """A process's stderr, read line by line as it is written."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream = stream
        self.lines: list[str] = []

    async def wait_for(self, pattern: str | re.Pattern[str], within: float = 60) -> re.Match[str]:
        async def read() -> re.Match[str]:
            while line := (await self.stream.readline()).decode():
                self.lines.append(line)
                if found := re.search(pattern, line):
                    return found
            raise AssertionError("the process ended first:\n" + "".join(self.lines))
        return await asyncio.wait_for(read(), within)

    async def rest(self) -> str:
        self.lines.append((await self.stream.read()).decode())
        return "".join(self.lines)


LISTENING = re.compile(r"PolicyBot listening on http://127\.0\.0\.1:(\d+)")


class BotProcess:
    """``policybot serve`` or ``policybot run`` as a real process, to kill -9 and restart."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        assert process.stderr is not None
        self.log = Log(process.stderr)
        self.url = ""

    @classmethod
    async def start(cls, env: dict[str, str], *args: str) -> BotProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        return cls(process)

    @classmethod
    async def serve(cls, env: dict[str, str]) -> BotProcess:
        """``policybot serve`` on a free port, once it is listening."""
        started = await cls.start(env, "serve", "--host", "127.0.0.1", "--port", "0")
        started.url = f"http://127.0.0.1:{(await started.log.wait_for(LISTENING))[1]}"
        return started

    async def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
