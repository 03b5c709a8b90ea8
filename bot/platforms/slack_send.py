"""Neutral messages, forms and home views → Slack Block Kit (pure: no I/O).

- Text goes in ``plain_text`` sections, so policy text with ``*``, ``_``, ``<`` or ``&``
  arrives exactly as written and never mentions anyone; long text is split over
  several sections (Slack allows 3,000 characters each) and the message's ``text``
  (what notifications show) is its first lines.
- Buttons become an actions block; each button's ``value`` is our action string, so a
  press comes back to the router as it does on every platform.
- A :class:`~handlers.replies.Form` becomes a modal whose ``private_metadata`` holds the
  form's action and where it was opened; its fields become input blocks (block id =
  field name, so the router's field errors land beside the right field).
- A :class:`~handlers.replies.Home` becomes the App Home tab.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from handlers.replies import Button, FieldKind, Form, FormField, Home, Message

__all__ = ["FORM_CALLBACK", "MAX_SECTION", "blocks", "fallback_text", "form_values",
           "home_view", "modal", "modal_metadata"]

MAX_SECTION = 3000
MAX_BLOCKS = 50
MAX_BUTTON_TEXT = 75
MAX_TITLE = 24
MAX_FALLBACK = 3000
MAX_FILES = 10  # a file input's most
FORM_CALLBACK = "policybot-form"
VALUE = "value"  # every input's action id


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _pieces(text: str, limit: int = MAX_SECTION) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, line or word break."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut >= limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def fallback_text(message: Message) -> str:
    """The ``text`` Slack shows in notifications (and where blocks can't be shown)."""
    return message.text.strip()[:MAX_FALLBACK] or "PolicyBot"


def _buttons(buttons: Sequence[Button]) -> dict[str, Any]:
    return {"type": "actions", "elements": [
        {"type": "button", "text": _plain(b.label[:MAX_BUTTON_TEXT]), "value": b.action,
         "action_id": f"button-{number}"} for number, b in enumerate(buttons, start=1)]}


def blocks(message: Message) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{"type": "section", "text": _plain(piece)}
                                 for piece in _pieces(message.text)]
    out = out[:MAX_BLOCKS - 1]
    for start in range(0, len(message.buttons), 25):  # 25 elements per actions block
        out.append(_buttons(message.buttons[start:start + 25]))
    return out[:MAX_BLOCKS]


def modal_metadata(form: Form, origin: str) -> str:
    return json.dumps({"action": form.action, "origin": origin})


def modal(form: Form, origin: str) -> dict[str, Any]:
    """The modal for ``form``, opened from chat ``origin``."""
    body: list[dict[str, Any]] = []
    if form.intro:
        body += [{"type": "section", "text": _plain(p)} for p in _pieces(form.intro)]
    body += [_input(f) for f in form.fields]
    return {"type": "modal", "callback_id": FORM_CALLBACK,
            "private_metadata": modal_metadata(form, origin),
            "title": _plain(form.title[:MAX_TITLE]), "submit": _plain(form.submit[:MAX_TITLE]),
            "close": _plain("Cancel"), "blocks": body[:MAX_BLOCKS]}


def _input(field: FormField) -> dict[str, Any]:
    element: dict[str, Any]
    if field.kind is FieldKind.CHOICE:
        element = {"type": "static_select", "action_id": VALUE,
                   "options": [{"text": _plain(label[:MAX_BUTTON_TEXT]), "value": value}
                               for value, label in field.options]}
    elif field.kind is FieldKind.DATE:
        element = {"type": "datepicker", "action_id": VALUE}
    elif field.kind is FieldKind.FILES:
        element = {"type": "file_input", "action_id": VALUE, "max_files": MAX_FILES}
    else:
        element = {"type": "plain_text_input", "action_id": VALUE,
                   "multiline": field.kind is FieldKind.LONG_TEXT}
        if field.max_length is not None:
            element["max_length"] = field.max_length
    block: dict[str, Any] = {"type": "input", "block_id": field.name,
                             "label": _plain(field.label[:2000]), "element": element,
                             "optional": field.optional}
    if field.hint:
        block["hint"] = _plain(field.hint[:2000])
    return block


def form_files(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A submitted modal's uploaded files (Slack file objects), from its file inputs."""
    return [f for elements in state.values() if isinstance(elements, dict)
            for element in [elements.get(VALUE)] if isinstance(element, dict)
            for f in element.get("files") or () if isinstance(f, dict)]


def form_values(state: Mapping[str, Any]) -> dict[str, str]:
    """A submitted modal's ``view.state.values`` → field name → what was given."""
    values: dict[str, str] = {}
    for block_id, elements in state.items():
        element = elements.get(VALUE) if isinstance(elements, dict) else None
        if not isinstance(element, dict):
            continue
        chosen = element.get("selected_option")
        if isinstance(chosen, dict):
            values[block_id] = str(chosen.get("value", ""))
        elif element.get("selected_date"):
            values[block_id] = str(element["selected_date"])
        elif element.get("type") == "file_input":
            continue  # files come as the event's attachments (form_files)
        elif element.get("value") is not None:
            values[block_id] = str(element["value"])
    return values


def home_view(home: Home) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for section in home.sections:
        out.append({"type": "header", "text": _plain(section.title[:150])})
        out += [{"type": "section", "text": _plain(p)} for p in _pieces(section.text)]
        if section.buttons:
            out.append(_buttons(section.buttons))
        out.append({"type": "divider"})
    return {"type": "home", "blocks": out[:100]}
