"""Start-up checks: refuse a set-up that is unsafe or cannot work, before anything is
written, with one line naming what is wrong, where, and the fix; warn about files that
other users of the machine can read.

Refused (:class:`StartupError`):

- the bundled demo config together with a platform token, unless POLICYBOT_DEMO=1:
  it would publish the five demo schools' policies and queue their reminders in a real
  deployment's database;
- PostgreSQL without POLICYBOT_ENCRYPTION_KEY: each worker would make a key of its
  own, and none could read what the others wrote;
- a data directory, or a SQLite database, that PolicyBot cannot write (the container
  case: a root-owned volume mounted at the data directory).

A data directory PolicyBot creates is 0700 and a SQLite file 0600.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.keys import key_file
from bot.settings import Settings, bundled_demo_config
from storage.crypto import KEY_HELP
from storage.db import create_sqlite_file, sqlite_file

__all__ = ["StartupError", "check", "check_files", "installed_version", "platforms_configured",
           "starting_line", "warn_without_platforms"]

log = logging.getLogger(__name__)


class StartupError(Exception):
    """PolicyBot must not start like this. The message is one line: what, where, the fix."""


def check(settings: Settings) -> None:
    """Everything :func:`bot.app.build_app` needs before it opens the database."""
    _refuse_demo_with_tokens(settings)
    _refuse_shared_database_without_key(settings)
    check_files(settings)


def check_files(settings: Settings) -> None:
    """The data directory and a SQLite database can be written (created if missing)."""
    _prepare_data_dir(settings.data_dir)
    database = sqlite_file(settings.resolved_database_url)
    if database is not None:
        _prepare_sqlite(database)
    key = key_file(settings)
    if settings.encryption_key is None and key.exists():
        _warn_if_others_can_read(key, "The encryption key file", "chmod 600")


def _refuse_demo_with_tokens(settings: Settings) -> None:
    tokens = [name for name, value in (("TELEGRAM_BOT_TOKEN", settings.telegram_bot_token),
                                       ("SLACK_BOT_TOKEN", settings.slack_bot_token),
                                       ("SLACK_APP_TOKEN", settings.slack_app_token),
                                       ("SLACK_WORKSPACES", settings.slack_workspaces or None))
              if value is not None]
    if tokens and not settings.demo and _is_bundled(settings.config_path):
        raise StartupError(
            f"POLICYBOT_CONFIG is not set, so PolicyBot would run the bundled demo schools "
            f"with your {tokens[0]} and put them in your database: set POLICYBOT_CONFIG to "
            "your school config (or POLICYBOT_DEMO=1 to run the demo on purpose).")


def _is_bundled(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return path.resolve() == bundled_demo_config().resolve()
    return False


def _refuse_shared_database_without_key(settings: Settings) -> None:
    if settings.encryption_key is None and not settings.uses_default_sqlite:
        raise StartupError(
            "DATABASE_URL is a PostgreSQL database but POLICYBOT_ENCRYPTION_KEY is not set: "
            "each worker would make a key of its own and could not read what the others "
            f"wrote. Set POLICYBOT_ENCRYPTION_KEY, the same on every worker ({KEY_HELP}).")


def _prepare_data_dir(path: Path) -> None:
    with _refused_if_unwritable(f"to its data directory {path.resolve()} (POLICYBOT_DATA_DIR)",
                                f"{_fix(path)}, or set POLICYBOT_DATA_DIR to a directory it "
                                "can write"):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        _probe_write(path)
    _warn_if_others_can_read(path, "The data directory", "chmod 700")


def _prepare_sqlite(path: Path) -> None:
    with _refused_if_unwritable(f"its SQLite database {path.resolve()} (DATABASE_URL)",
                                f"{_fix(path)} and its directory"):
        create_sqlite_file(path)
        _probe_write(path.parent)  # SQLite writes its -wal and -shm files beside it
        with path.open("r+b"):
            pass
    _warn_if_others_can_read(path, "The SQLite database", "chmod 600")


@contextlib.contextmanager
def _refused_if_unwritable(what: str, fix: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StartupError(f"PolicyBot cannot write {what}: {_reason(exc)}; {fix}.") from None


def _probe_write(directory: Path) -> None:
    """Create and remove a file: the honest test (``os.access`` answers yes to root even
    on a read-only file system)."""
    probe = directory / f".policybot-write-check-{os.getpid()}"
    os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    probe.unlink()


def _reason(exc: OSError) -> str:
    return (exc.strerror or str(exc)).lower()


def _fix(path: Path) -> str:
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows
        return f"give the user PolicyBot runs as write access to {path.resolve()}"
    uid = os.getuid()
    return (f"give the user PolicyBot runs as (uid {uid}) write access, e.g. "
            f"`chown -R {uid} {path.resolve()}` (in a container, the volume mounted there "
            f"must belong to uid {uid})")


def _warn_if_others_can_read(path: Path, what: str, fix: str) -> None:
    with contextlib.suppress(OSError):
        mode = path.stat().st_mode & 0o777
        if mode & 0o044:
            log.warning("%s %s can be read by other users of this machine (mode %03o): "
                        "%s %s", what, path.resolve(), mode, fix, path.resolve())


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("policybot")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree, not installed
        return "unknown (not installed)"


def platforms_configured(settings: Settings) -> list[str]:
    """The chat platforms whose tokens are set (:mod:`bot.platforms.registry`)."""
    from bot.platforms import registry

    return [plugin.name for plugin in registry.configured(settings)]


def warn_without_platforms(settings: Settings) -> None:
    if not platforms_configured(settings):
        log.warning("No platform token is set (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN): serving "
                    "/healthz only; nothing anyone is sent can be delivered until a platform "
                    "is configured.")


def starting_line(settings: Settings, schools: Sequence[str], platforms: Sequence[str]) -> str:
    """The one line a start logs: version, config, schools, database kind, platforms."""
    kind = "SQLite" if settings.uses_default_sqlite else "PostgreSQL"
    return (f"PolicyBot {installed_version()} starting: config {settings.config_path} "
            f"({len(schools)} school{'s' if len(schools) != 1 else ''}: {', '.join(schools)}), "
            f"database {kind}, platforms: {', '.join(platforms) or 'none'}")
