"""Running ``policybot`` as a separate process, configured like a test's Settings."""

from __future__ import annotations

import os

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
