"""The ``policybot`` command line (Typer). Builds Settings once and passes them down.

Imports beyond Typer happen inside the commands, so ``policybot ask`` starts fast.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli_faq import faq_app

if TYPE_CHECKING:
    from bot.config import SchoolConfig, SchoolsConfig
    from bot.settings import Settings

T = TypeVar("T")

app = typer.Typer(add_completion=False, no_args_is_help=True)
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
reminders_app = typer.Typer(no_args_is_help=True, help="Acknowledgement and review reminders.")
config_app = typer.Typer(no_args_is_help=True, help="The school config file.")
reports_app = typer.Typer(no_args_is_help=True, help="Private reports and the friend-request list.")
app.add_typer(db_app, name="db")
app.add_typer(reminders_app, name="reminders")
app.add_typer(config_app, name="config")
keys_app = typer.Typer(no_args_is_help=True, help="The encryption key.")
app.add_typer(reports_app, name="reports")
app.add_typer(faq_app, name="faq")
app.add_typer(keys_app, name="keys")


def _show_version(value: bool) -> None:
    if value:
        from bot.startup import installed_version

        typer.echo(f"policybot {installed_version()}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                          help="Print the installed version and exit.")] = False,
) -> None:
    """PolicyBot: your school's social media policy, in your staff and PTA chats."""


def _settings(*, quiet: bool = False) -> Settings:
    """The settings from the environment, and logging set up from them (at WARNING when
    ``quiet``: interactive commands print what matters themselves)."""
    from bot import logs
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail("The environment is not valid:\n" + "\n".join(exc.problems)) from None
    logs.configure(settings, quiet=quiet)
    return settings


def _fail(message: str) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code=2)


def _run(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine; turn start-up problems a person can fix into a clear message."""
    import asyncio

    from sqlalchemy.exc import ArgumentError, OperationalError

    from bot.config import ConfigError
    from bot.startup import StartupError
    from policies.errors import PolicyError
    from storage.crypto import CipherError

    try:
        return asyncio.run(make())  # type: ignore[arg-type]
    except StartupError as exc:
        raise _fail(str(exc)) from None
    except ConfigError as exc:
        raise _fail("The school config is not valid:\n" + "\n".join(exc.problems)) from None
    except PolicyError as exc:
        raise _fail(f"A policy or FAQ file is not usable: {exc}") from None
    except CipherError as exc:
        raise _fail(str(exc)) from None
    except (OperationalError, ArgumentError, ValueError) as exc:
        raise _fail(_database_problem(exc)) from None


def _database_problem(exc: Exception) -> str:
    """One line for a database that is wrong or unreachable (never the password)."""
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError):
        detail = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        return f"Cannot reach the database (DATABASE_URL): {detail}"
    return f"DATABASE_URL is not usable: {exc}"


async def _async(function: Callable[..., T], *args: object) -> T:
    """Run a plain function under :func:`_run`, for its clear start-up error messages."""
    return function(*args)


try:  # the answer engine's command; see bot/cli_ask.py
    from bot.cli_ask import ask as _ask
    app.command("ask", help="Answer one question (or a batch with --jsonl) from a policy.")(_ask)
except ImportError:  # pragma: no cover
    pass


@app.command()
def chat(
    school: Annotated[str, typer.Option(help="the school's slug, e.g. croughton")],
    as_: Annotated[str | None, typer.Option("--as", help="speak as this person (handle)")] = None,
    in_: Annotated[str | None, typer.Option("--in", help="speak in this chat, or 'dm'")] = None,
) -> None:
    """The console platform: talk to the bot as anyone in the school, in any chat."""
    settings = _settings(quiet=True)
    config = _load(settings)
    school_config = config.school(school)
    if school_config is None:
        known = ", ".join(s.slug for s in config.schools)
        raise _fail(f"unknown school {school!r}; the config has: {known}")
    handle = as_ or _default_handle(school_config)
    chat_name = in_ or _default_chat(school_config)
    if school_config.person(handle) is None:
        raise _fail(f"no person {handle!r} at {school}; people: "
                    + ", ".join(p.handle for p in school_config.people))
    if chat_name != "dm" and school_config.chat(chat_name) is None:
        raise _fail(f"no chat {chat_name!r} at {school}; chats: "
                    + ", ".join([c.name for c in school_config.chats] + ["dm"]))
    try:
        _run(lambda: _chat(settings, school, handle, chat_name))
    except KeyboardInterrupt:  # Ctrl-C: a person leaving, not an error
        typer.echo("", err=True)
        raise typer.Exit(code=130) from None


async def _chat(settings: Settings, school: str, handle: str, chat_name: str) -> None:
    from bot.app import build_app
    from bot.platforms.console import Console, ConsoleState

    application = await build_app(settings)
    try:
        console = Console(application, ConsoleState(school, handle, chat_name),
                          out=sys.stdout, err=sys.stderr)
        typing = sys.stdin.isatty()
        if typing:
            console.note(f"{school}: you are {handle} in {chat_name}. Type /help, or "
                         ":as HANDLE, :in CHAT, :in dm, :quit (or Ctrl-C)")
        await console.run(sys.stdin, prompt=typing)
    finally:
        await application.close()


def _default_handle(school: SchoolConfig) -> str:
    staff = [p.handle for p in school.people if p.role == "staff"]
    return staff[0] if staff else school.people[0].handle


def _default_chat(school: SchoolConfig) -> str:
    staff = [c.name for c in school.chats if c.audience == "staff"]
    return staff[0] if staff else (school.chats[0].name if school.chats else "dm")


def _load(settings: Settings) -> SchoolsConfig:
    from bot.config import ConfigError, load_config

    try:
        return load_config(settings.config_path)
    except ConfigError as exc:
        raise _fail("The school config is not valid:\n" + "\n".join(exc.problems)) from None


@app.command()
def run(
    school: Annotated[str | None, typer.Option(help="console only: the school to start in")] = None,
) -> None:
    """Run the bot on each platform whose token is set; with none set, the console platform."""
    settings = _settings()
    from bot.runner import configured_plugins

    if not configured_plugins(settings):
        config = _load(settings)
        first = school or config.schools[0].slug
        typer.echo("No platform tokens set: starting the console platform.", err=True)
        chat(school=first, as_=None, in_=None)
        return
    from bot.runner import run_platforms
    _run(lambda: run_platforms(settings))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "0.0.0.0",
    port: Annotated[int | None, typer.Option(
        help="port to listen on (default: $PORT, else 8080)", show_default=False)] = None,
) -> None:
    """HTTP mode for production: POST /telegram (Telegram webhook), POST /slack/events
    (Slack events, commands and interactivity), GET /healthz."""
    settings = _settings()
    from bot.server import serve_forever
    from bot.startup import warn_without_platforms

    warn_without_platforms(settings)
    _run(lambda: serve_forever(settings, host=host,
                               port=port if port is not None else settings.port))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every database migration (one worker at a time: safe to run from several)."""
    settings = _settings()
    from bot.startup import check_files
    from storage.db import Upgrade, upgrade

    async def migrate() -> Upgrade:
        check_files(settings)
        return upgrade(settings.resolved_database_url)

    typer.echo(_run(migrate).describe())


@config_app.command("check")
def config_check() -> None:
    """Validate the school config, its policies and FAQs exactly as start-up does; warn
    about set-ups that would strand people."""
    settings = _settings(quiet=True)
    from bot.config_check import check_config

    result = check_config(settings.config_path)
    for line in result.summaries:
        typer.echo(line)
    for warning in result.warnings:
        typer.echo(f"warning: {warning}")
    if result.errors:
        raise _fail(f"{settings.config_path} is not valid:\n" + "\n".join(result.errors))
    warned = f" ({len(result.warnings)} warning{'s' if len(result.warnings) != 1 else ''})"
    typer.echo(f"{settings.config_path}: OK" + (warned if result.warnings else ""))


@reminders_app.command("run-due")
def reminders_run_due(
    now: Annotated[str | None, typer.Option(help="the moment to run at (ISO-8601)")] = None,
) -> None:
    """Send every reminder due at that moment, once, then exit (cron-friendly)."""
    settings = _settings()
    from bot.reminders_cli import run_due
    _run(lambda: run_due(settings, now))


@reports_app.command("purge")
def reports_purge(
    now: Annotated[str | None, typer.Option(help="the moment to purge at (ISO-8601)")] = None,
) -> None:
    """Apply each record type's retention: delete, or flag for review (all audited)."""
    settings = _settings()
    from bot.reports_cli import moment, purge

    for slug, run in _run(lambda: purge(settings, moment(now))).items():
        typer.echo(f"{slug}: {run.summary()}")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt everything stored under the first key of POLICYBOT_ENCRYPTION_KEY, so the
    others can be retired."""
    settings = _settings()
    from bot.keys import RotationReport, rotate

    async def rotation() -> RotationReport:
        from bot.app import build_app

        application = await build_app(settings, with_answers=False)
        try:
            return await rotate(application.services.db, application.services.cipher)
        finally:
            await application.close()

    typer.echo(_run(rotation).describe())


def main() -> None:
    app()
