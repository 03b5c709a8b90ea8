"""A fake Telegram Bot API server: real HTTP on 127.0.0.1 (a random port), so the real
python-telegram-bot talks to it exactly as it would to Telegram.

Point the bot at :attr:`FakeTelegram.api_url` (TELEGRAM_API_URL). Every call is
recorded (:attr:`FakeTelegram.calls`); tests await a call with :meth:`wait_for`
instead of sleeping. It can be told to answer a method with a 429 (flood control,
with ``retry_after``) or to refuse a chat with a 403 ("bot can't initiate
conversation with a user"), to hold a method's answers until the test lets them go
(:meth:`hold`: a request in flight, for as long as a test needs), and it serves
``getUpdates`` long polls from :meth:`queue_update`, and ``getFile`` with the file
download path ``/file/bot{token}/{file_path}`` from the files :meth:`add_file` gave it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token"
BOT_ID = 123456
BOT_USERNAME = "PolicyTestBot"
LONG_POLL_CAP = 1.0  # seconds a getUpdates long poll is held at most
FORBIDDEN = "Forbidden: bot can't initiate conversation with a user"
SENDS = frozenset({"sendMessage", "sendDocument"})


@dataclass(frozen=True)
class Call:
    """One Bot API call as the fake received it: parameters as sent (strings; objects
    JSON-encoded) and uploaded files by field name as (filename, bytes)."""

    method: str
    params: dict[str, str]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    status: int = 200  # what the fake answered

    def json(self, name: str) -> Any:
        return json.loads(self.params[name])

    @property
    def chat_id(self) -> str | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return self.params.get("text", self.params.get("caption", ""))

    @property
    def buttons(self) -> list[dict[str, str]]:
        """The inline keyboard's buttons, row after row."""
        if "reply_markup" not in self.params:
            return []
        return [b for row in self.json("reply_markup")["inline_keyboard"] for b in row]


@dataclass(frozen=True)
class Failure:
    status: int
    description: str
    retry_after: int | None = None

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def flood(retry_after: int) -> Failure:
    return Failure(429, f"Too Many Requests: retry after {retry_after}", retry_after)


class FakeTelegram:
    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.forbidden_chats: set[str] = set()
        self._failures: dict[str, list[Failure]] = {}
        self._held: dict[str, asyncio.Event] = {}
        self._updates: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}  # file_id → content
        self.downloads: list[str] = []  # file paths downloaded, in order
        self._changed = asyncio.Condition()
        self._message_ids = itertools.count(1)
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ---------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._endpoint)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        self._closing = True
        for gate in self._held.values():
            gate.set()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- what tests tell it --------------------------------------------------------
    def fail_next(self, method: str, failure: Failure, *, times: int = 1) -> None:
        self._failures.setdefault(method, []).extend([failure] * times)

    def hold(self, method: str) -> asyncio.Event:
        """Record calls of ``method`` as they arrive but answer them only once the
        returned event is set."""
        gate = self._held.setdefault(method, asyncio.Event())
        gate.clear()
        return gate

    def forbid(self, chat_id: int | str) -> None:
        """Answer every message to this chat with 403 (the user never started the bot)."""
        self.forbidden_chats.add(str(chat_id))

    def add_file(self, file_id: str, content: bytes) -> None:
        """What ``getFile`` and the download give for ``file_id`` (else: 400, not found)."""
        self.files[file_id] = content

    async def queue_update(self, update: dict[str, Any]) -> None:
        """Make an update available to ``getUpdates``."""
        async with self._changed:
            self._updates.append(update)
            self._changed.notify_all()

    # -- what tests read -----------------------------------------------------------
    def calls_to(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        return [c for c in self.calls if c.method == method
                and (chat_id is None or c.chat_id == str(chat_id))]

    def sent(self, chat_id: int | str | None = None) -> list[Call]:
        """Messages and documents delivered (not refused), in order."""
        return [c for c in self.calls if c.method in SENDS and c.status == 200
                and (chat_id is None or c.chat_id == str(chat_id))]

    async def wait_for(self, method: str, *, count: int = 1, chat_id: int | str | None = None,
                       within: float = 10.0) -> list[Call]:
        """Wait until ``count`` calls of ``method`` (to ``chat_id``) have arrived."""
        def arrived() -> bool:
            return len(self.calls_to(method, chat_id)) >= count
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(arrived), within)
        return self.calls_to(method, chat_id)

    # -- the API -----------------------------------------------------------------
    async def _endpoint(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        params, files = await self._read(request)
        failure = self._failure_for(method, params.get("chat_id"))
        call = Call(method, params, files, 200 if failure is None else failure.status)
        await self._record(call)
        if method in self._held:
            await self._held[method].wait()
        if failure is not None:
            return web.json_response(failure.body(), status=failure.status)
        if method == "getUpdates":
            return _ok(await self._updates_after(call))
        if method == "getFile":
            return self._file(call)
        answer = self._answers().get(method)
        if answer is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found: method not found"}, status=404)
        return _ok(answer(call))

    def _file(self, call: Call) -> web.Response:
        file_id = call.params.get("file_id", "")
        if file_id not in self.files:
            return web.json_response({"ok": False, "error_code": 400,
                                      "description": "Bad Request: invalid file_id"}, status=400)
        return _ok({"file_id": file_id, "file_unique_id": f"u{file_id}",
                    "file_size": len(self.files[file_id]), "file_path": f"files/{file_id}"})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        path = request.match_info["path"]
        file_id = path.removeprefix("files/")
        if file_id not in self.files:
            return web.Response(status=404)
        self.downloads.append(path)
        return web.Response(body=self.files[file_id])

    async def _read(self, request: web.Request) -> tuple[dict[str, str],
                                                         dict[str, tuple[str, bytes]]]:
        params: dict[str, str] = {}
        files: dict[str, tuple[str, bytes]] = {}
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                files[name] = (value.filename, value.file.read())
            else:
                params[name] = str(value)
        return params, files

    def _failure_for(self, method: str, chat_id: str | None) -> Failure | None:
        queued = self._failures.get(method)
        if queued:
            return queued.pop(0)
        if method in SENDS and chat_id in self.forbidden_chats:
            return Failure(403, FORBIDDEN)
        return None

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _updates_after(self, call: Call) -> list[dict[str, Any]]:
        offset = int(call.params.get("offset", "0"))
        wait = min(float(call.params.get("timeout", "0")), LONG_POLL_CAP)

        def pending() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: bool(pending()) or self._closing), wait)
            return pending()

    def _answers(self) -> dict[str, Callable[[Call], Any]]:
        return {
            "getMe": lambda _: self.me(),
            "sendMessage": self._message,
            "sendDocument": self._message,
            "answerCallbackQuery": lambda _: True,
            "editMessageReplyMarkup": lambda _: True,
            "setMyCommands": lambda _: True,
            "deleteMyCommands": lambda _: True,
            "setWebhook": lambda _: True,
            "deleteWebhook": lambda _: True,
        }

    def me(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "PolicyBot",
                "username": BOT_USERNAME, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _message(self, call: Call) -> dict[str, Any]:
        chat_id = int(call.params["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._message_ids), "date": int(time.time()), "from": self.me(),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}}
        if "text" in call.params:
            message["text"] = call.params["text"]
        if "document" in call.files:
            message["document"] = {"file_id": f"doc{message['message_id']}",
                                   "file_unique_id": f"u{message['message_id']}",
                                   "file_name": call.files["document"][0]}
        return message


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


class Updates:
    """Builds the updates Telegram would send, numbered in order."""

    def __init__(self, first: int = 1000) -> None:
        self._ids = itertools.count(first)
        self._message_ids = itertools.count(5000)

    def message(self, *, user: int, chat: int, text: str, name: str = "Alice Ames",
                reply_to_bot: bool = False, thread: int | None = None) -> dict[str, Any]:
        message = self._message(user, chat, name, text)
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": 1, "date": int(time.time()), "text": "earlier",
                "chat": message["chat"], "from": {"id": BOT_ID, "is_bot": True,
                                                  "first_name": "PolicyBot"}}
        if thread is not None:
            message |= {"message_thread_id": thread, "is_topic_message": True}
        return {"update_id": next(self._ids), "message": message}

    def media(self, *, user: int, chat: int, kind: str = "photo", caption: str | None = None,
              name: str = "Alice Ames", reply_to_bot: bool = False,
              size: int | None = None) -> dict[str, Any]:
        """A photo, document (a file), voice note or sticker, with or without a caption;
        its file id is ``f<message id>`` (give :meth:`FakeTelegram.add_file` its bytes)."""
        update = self.message(user=user, chat=chat, text="", name=name,
                              reply_to_bot=reply_to_bot)
        message = update["message"]
        del message["text"]
        file: dict[str, Any] = {"file_id": f"f{message['message_id']}",
                                "file_unique_id": f"u{message['message_id']}"}
        if size is not None:
            file["file_size"] = size
        message[kind] = {
            "photo": [{**file, "width": 1280, "height": 720}],
            "document": {**file, "file_name": "screenshot.pdf"},
            "voice": {**file, "duration": 4},
            "sticker": {**file, "type": "regular", "width": 1, "height": 1,
                        "is_animated": False, "is_video": False},
        }[kind]
        if caption is not None:
            message["caption"] = caption
        return update

    def press(self, *, user: int, chat: int, data: str, name: str = "Alice Ames",
              message_id: int = 1) -> dict[str, Any]:
        pressed = self._message(BOT_ID, chat, "PolicyBot", "a message with buttons")
        pressed["message_id"] = message_id
        query = {"id": f"cb{next(self._message_ids)}", "from": _user(user, name),
                 "chat_instance": f"ci{chat}", "data": data, "message": pressed}
        return {"update_id": next(self._ids), "callback_query": query}

    def _message(self, user: int, chat: int, name: str, text: str) -> dict[str, Any]:
        kind = "private" if chat > 0 else "supergroup"
        chat_object: dict[str, Any] = {"id": chat, "type": kind}
        if kind == "private":
            chat_object["first_name"] = name.split(" ")[0]
        else:
            chat_object["title"] = "A school group"
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": chat_object, "from": _user(user, name), "text": text}


def _user(user: int, name: str) -> dict[str, Any]:
    first, _, last = name.partition(" ")
    data: dict[str, Any] = {"id": user, "is_bot": user == BOT_ID, "first_name": first}
    if last:
        data["last_name"] = last
    return data
