"""Rate-limited log lines, for warnings a caller can trigger at will (a flood of
forged webhook requests must not become a flood of log lines)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["EveryFewSeconds"]


class EveryFewSeconds:
    """Logs a warning at most once per ``interval`` seconds per message, saying how many
    like it were held back in between."""

    def __init__(self, logger: logging.Logger, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, message: str, *args: object) -> bool:
        """Log ``message`` unless it was logged less than ``interval`` ago; True if logged."""
        now = self.clock()
        last = self._last.get(message)
        if last is not None and now - last < self.interval:
            self._held[message] = self._held.get(message, 0) + 1
            return False
        held = self._held.pop(message, 0)
        self._last[message] = now
        suffix = f" ({held} more like it since the last)" if held else ""
        self.logger.warning(message + suffix, *args)
        return True
