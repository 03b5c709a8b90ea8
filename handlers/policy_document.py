"""``/readpolicy``: the school's policy itself, sent privately as the file the school
gave (what staff are asked to confirm they have read), and the "Read the policy"
button that goes with every request to acknowledge it."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from handlers.actions import encode
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.replies import Button, Document, Reply, whisper
from handlers.router import Router

__all__ = ["READ_ACTION", "read_button", "register"]

READ_ACTION = "readpolicy"
MAX_FILE = 20 * 1024 * 1024  # larger than any policy; the platforms' own limit is near


def read_button() -> Button:
    return Button("Read the policy", encode(READ_ACTION))


def register(router: Router) -> None:
    @router.command(READ_ACTION, summary="the social media policy itself, sent to you "
                    "privately to read", offered=lambda services, event: event.school
                    is not None)
    async def read(services: Services, event: Event) -> list[Reply]:
        return policy_files(services, event)

    @router.action(READ_ACTION)
    async def pressed(services: Services, event: Event) -> list[Reply]:
        return policy_files(services, event)


def policy_files(services: Services, event: Event) -> list[Reply]:
    if event.school is None:
        raise UserError("I don't know which school you're at yet, so I can't send its policy. "
                        "Ask your school's PolicyBot admin to add you (send /whoami).")
    config = services.config.school(event.school.slug)
    if config is None:
        raise UserError("Your school isn't in my configuration any more.")
    replies = [_file(path, event.school.name) for path in config.policies]
    return [r for r in replies if r is not None] or [whisper(
        "I can't read the policy file just now. Please ask the school office for a copy.")]


def _file(path: Path, school: str) -> Reply | None:
    try:
        content = path.read_bytes()
    except OSError:
        return None
    if len(content) > MAX_FILE:
        return None
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return whisper(f"{school}'s social media policy, to read:",
                   document=Document(path.name, content, kind))
