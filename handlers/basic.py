"""/help, /whoami and /start: what anyone can do, known to the bot or not."""

from __future__ import annotations

from dataclasses import replace

from handlers.context import Services
from handlers.events import Event
from handlers.replies import Reply, say, whisper
from handlers.router import Command, Group, Router, Where

ROLE_NAMES = {
    "headteacher": "Headteacher", "dsl": "Designated Safeguarding Lead",
    "chair_of_governors": "Chair of Governors", "staff": "staff", "governor": "governor",
    "parent": "parent / carer",
}


def register(router: Router) -> None:
    @router.command("help", summary="what I can do for you here")
    async def help_(services: Services, event: Event) -> list[Reply]:
        lines = [f"{services.bot_name} helps with {_school_name(event)}'s social media policy."]
        if not event.sender.known:
            lines.append("I don't know who you are yet, so I can only do a little for you. "
                         "Ask your school's PolicyBot admin to add you (send /whoami for "
                         "the id they need).")
        lines.append("Here you can use:")
        lines += _grouped(router.offered(services, event))
        return [say("\n".join(lines))]

    @router.command("whoami", summary="who I think you are, and where we are")
    async def whoami(services: Services, event: Event) -> list[Reply]:
        return [say(_whoami_text(event))]

    @router.command("start", summary="start talking to me privately", where=Where.PRIVATE,
                    offered=lambda services, event: False)  # how Telegram opens a chat
    async def start(services: Services, event: Event) -> list[Reply]:
        resumed = _resumed(router, event)
        if resumed is not None:  # /start report: carry on with /report, here in private
            return await router.dispatch(services, resumed)
        greeting = f"Hello{', ' + event.sender.display_name if event.sender.known else ''}! "
        return [whisper(greeting + "I'm " + services.bot_name +
                        ". Anything you send me here stays between us. Send /help to see "
                        "what I can do.")]


def _grouped(commands: list[Command]) -> list[str]:
    """The commands, under a heading per group when there is more than one group."""
    groups = [g for g in Group if any(c.group is g for c in commands)]
    lines: list[str] = []
    for group in groups:
        if len(groups) > 1:
            lines.append(f"{group.value}:")
        lines += [f"/{c.name} — {c.summary}" for c in commands if c.group is group]
    return lines


def _resumed(router: Router, event: Event) -> Event | None:
    """``/start <command>`` (a deep link from a group, see handlers.replies.open_private)
    as the event for ``/<command>``; None for a plain /start or an unknown payload."""
    name = event.args.split(maxsplit=1)[0].lower() if event.args.strip() else ""
    if name in ("", "start") or name not in {c.name for c in router.commands}:
        return None
    return replace(event, command=name, args="", text=f"/{name}")


def _school_name(event: Event) -> str:
    return event.school.name if event.school is not None else "your school"


def _whoami_text(event: Event) -> str:
    sender = event.sender
    if sender.known:
        who = f"You are {sender.display_name} ({ROLE_NAMES.get(str(sender.role), sender.role)})"
        who += f" at {_school_name(event)}."
    else:
        who = (f"I don't know you yet. Your {event.platform} id is {sender.platform_user_id}: "
               "your school's PolicyBot admin adds it to the school config.")
    if event.chat.is_private:
        where = "We are in a private chat."
    elif event.chat.name is not None:
        where = f"This chat is {event.chat.name} ({event.chat.audience} chat)."
    else:
        where = (f"This chat isn't set up for me yet (its {event.platform} id is "
                 f"{event.chat.platform_chat_id}).")
    return f"{who}\n{where}"
