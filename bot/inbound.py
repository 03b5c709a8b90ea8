"""The one inbound pipeline, for every platform.

An adapter turns what its platform sent into an :class:`Inbound` and hands it to
:meth:`Pipeline.handle`, which, in **one transaction**:

1. records the delivery (:func:`storage.updates.record`): a delivery seen before
   changes nothing (:attr:`Outcome.DUPLICATE`);
2. identifies the person, chat and school (:func:`handlers.identity.identify`, from
   the directory index read at start) and builds the neutral :class:`Event`;
3. dispatches it (:meth:`handlers.router.Router.handle`); everything the handler
   writes joins this transaction (see :mod:`storage.db`);
4. queues the replies in the outbox, addressed on this platform and already claimed
   by this worker, and commits.

So a worker killed at any point either committed nothing (the redelivered update is
handled afresh) or committed the state change together with the record of the
delivery and the replies (the redelivery changes nothing, and the replies are sent
by whichever worker finds them once their claim expires). A handler that fails is
rolled back; the delivery is then recorded with the apology as its only reply.

Then the adapter shows what must be shown while it holds the request
(:attr:`Handled.immediate`: a button's pop-up, a form to open, a form's errors) and
the replies are sent: :meth:`Pipeline.deliver` at once (polling, the console), or
:meth:`Pipeline.deliver_soon` in the background (webhooks: the platform gets its
answer as soon as the transaction commits, and flood control never holds it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.delivery import Address, Deliverer, DeliveryReport, Parcel
from handlers import outbox_keys
from handlers.actions import Action
from handlers.events import Attachment, ChatKind, ChatRef, Event, EventKind, FormSubmission
from handlers.identity import identify, school_ref, sender_of
from handlers.parsing import clean_text, parse_command
from handlers.replies import OPEN_PRIVATE, Message, Reply, Visibility, open_private
from handlers.router import START_FIRST
from storage import outbox, updates
from storage.models import OutboxMessage

__all__ = ["Capabilities", "Handled", "Inbound", "Outcome", "Pipeline"]

log = logging.getLogger(__name__)
PRUNE_EVERY = dt.timedelta(hours=1)


class Outcome(enum.Enum):
    """What became of one delivery."""

    HANDLED = "handled"
    DUPLICATE = "duplicate"  # seen before: nothing changed
    IGNORED = "ignored"  # not for the bot (an adapter's verdict; never recorded)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a platform can show, beyond messages in a chat and in private."""

    notices: bool = False  # a pop-up for a button press (Telegram)
    ephemeral: bool = False  # a message in a chat only its reader sees (Slack)
    forms: bool = False  # a form filled in at once (Slack modals)


@dataclass(frozen=True, slots=True)
class Inbound:
    """What an adapter hands the pipeline: one delivery from its platform, converted,
    before anyone is looked up. ``key`` is unique per delivery on the platform (a
    Telegram update id, a Slack event id); a retry of the same delivery has the same."""

    platform: str
    key: str
    user_id: str
    display_name: str
    chat_id: str
    chat_kind: ChatKind
    text: str = ""
    action: str | None = None
    form: FormSubmission | None = None
    opened_home: bool = False
    mentions_bot: bool = False
    thread: str | None = None
    attachments: tuple[Attachment, ...] = ()
    bot_username: str | None = None
    workspace: str | None = None  # the platform's workspace or team (Slack), if any
    quiet: bool = False  # answers in a group only for the person (a Slack slash command)


@dataclass(frozen=True)
class Handled:
    """What the pipeline did with a delivery: the replies the adapter shows at once
    (:attr:`immediate`), and the outbox rows holding the rest, to send."""

    outcome: Outcome
    immediate: tuple[Reply, ...] = ()
    queued: tuple[OutboxMessage, ...] = ()  # as written, already claimed by this worker
    event: Event | None = None


class _HandlerFailed(Exception):
    def __init__(self, event: Event, replies: list[Reply]) -> None:
        super().__init__("handler failed")
        self.event, self.replies = event, replies


@dataclass
class Pipeline:
    """One platform's way in. Build one per adapter, with that platform's deliverer."""

    app: App
    deliverer: Deliverer
    capabilities: Capabilities = field(default_factory=Capabilities)
    wake: Callable[[], None] | None = None  # the outbox pump, when a handler queued mail
    home_platforms: tuple[str, ...] = ()  # running platforms that show home views
    _pruned_at: dt.datetime | None = None
    _sending: set[asyncio.Task[DeliveryReport]] = field(default_factory=set)

    async def handle(self, inbound: Inbound) -> Handled:
        """Handle one delivery, once. Raises only when the database could not be used:
        nothing was recorded then, and the platform should deliver it again."""
        metrics = self.app.metrics
        with metrics.timed(metrics.update_seconds, inbound.platform):
            try:
                handled = await self._handle(inbound)
            except Exception:
                metrics.errors.labels("pipeline").inc()
                metrics.updates.labels(inbound.platform, "unknown", "failed").inc()
                raise
        kind = handled.event.kind.value if handled.event is not None else "unknown"
        metrics.updates.labels(inbound.platform, kind, handled.outcome.value).inc()
        return handled

    async def _handle(self, inbound: Inbound) -> Handled:
        services = self.app.services
        try:
            async with services.db.session() as session:
                if not await updates.record(session=session, platform=inbound.platform,
                                            key=inbound.key, now=services.now()):
                    log.info("%s delivery %s was already handled", inbound.platform,
                             inbound.key)
                    return Handled(Outcome.DUPLICATE)
                event = await self._event(session, inbound)
                dispatched = await self.app.router.handle(services, event)
                if dispatched.failed:
                    raise _HandlerFailed(event, dispatched.replies)
                handled = await self._queue(session, inbound, event, dispatched.replies)
                await self._refresh_homes(session, event)
                mail = bool(session.info.pop(outbox.QUEUED, False))
                await self._prune(session)
        except _HandlerFailed as failed:  # rolled back: record the delivery and the apology
            self.app.metrics.errors.labels("handler").inc()
            async with services.db.session() as session:
                await updates.record(session=session, platform=inbound.platform,
                                     key=inbound.key, now=services.now())
                handled = await self._queue(session, inbound, failed.event, failed.replies)
            mail = False
        if mail and self.wake is not None:
            self.wake()
        return handled

    async def deliver(self, handled: Handled) -> DeliveryReport:
        """Send the replies now (what is left unsent is retried by the outbox)."""
        return await self.deliverer.deliver_held(handled.queued)

    def deliver_soon(self, handled: Handled) -> None:
        """Send the replies in the background (see :meth:`settled`)."""
        if not handled.queued:
            return
        task = asyncio.create_task(self.deliver(handled), name="deliver-replies")
        self._sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task[DeliveryReport]) -> None:
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("sending replies failed (they are retried from the outbox): %s",
                        type(task.exception()).__name__)

    async def settled(self) -> None:
        """Wait until every reply being sent in the background has been sent (or given
        back to the outbox)."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    # -- the steps ---------------------------------------------------------------
    async def _event(self, session: AsyncSession, inbound: Inbound) -> Event:
        services = self.app.services
        identity = await identify(
            session=session, index=services.directory, platform=inbound.platform,
            user_id=inbound.user_id, display_name=inbound.display_name,
            chat_kind=inbound.chat_kind, platform_chat_id=inbound.chat_id, now=services.now())
        text = clean_text(inbound.text)
        typed = inbound.action is None and not inbound.opened_home
        command = parse_command(text, bot_username=inbound.bot_username) if typed else None
        return Event(
            platform=inbound.platform, school=identity.school, sender=identity.sender,
            chat=identity.chat, text=text, command=command[0] if command else None,
            args=command[1] if command else "",
            action=Action.parse(inbound.action) if inbound.action is not None else None,
            form=inbound.form, opened_home=inbound.opened_home,
            mentions_bot=inbound.mentions_bot, attachments=inbound.attachments,
            update_key=f"{inbound.platform}:{inbound.key}", received_at=services.now())

    async def _queue(self, session: AsyncSession, inbound: Inbound, event: Event,
                     replies: Sequence[Reply]) -> Handled:
        replies = [shown for r in replies for shown in self._expanded(r)]
        immediate = tuple(r for r in replies if self._immediate(r))
        rest = [self._shown(inbound, r) for r in replies if not self._immediate(r)]
        fallback = self._fallback(inbound, event, rest)
        rows: list[OutboxMessage] = []
        services = self.app.services
        for index, reply in enumerate(rest):
            address = self._address(inbound, reply)
            parcel = Parcel(reply.message, address,
                            fallback if reply.private and fallback is not None else None)
            fallback = None if reply.private else fallback  # one note is enough
            key = outbox_keys.reply(inbound.platform, inbound.key, index)
            queued = await outbox.enqueue_row(
                session=session, key=key, school_id=event.school.id if event.school else None,
                platform=inbound.platform, payload=services.cipher.encrypt(parcel.to_json()),
                claimed_by=self.deliverer.worker_id, lease=self.deliverer.lease,
                now=services.now())
            if queued is not None:
                rows.append(queued)
        return Handled(Outcome.HANDLED, immediate, tuple(rows), event)

    def _expanded(self, reply: Reply) -> tuple[Reply, ...]:
        """A form where this platform has none: what to show instead."""
        if reply.form is not None and not self.capabilities.forms:
            return reply.instead
        return (reply,)

    def _immediate(self, reply: Reply) -> bool:
        caps = self.capabilities
        return ((reply.form is not None and caps.forms) or reply.errors is not None
                or (reply.visibility is Visibility.NOTICE and caps.notices))

    def _shown(self, inbound: Inbound, reply: Reply) -> Reply:
        """The reply as this platform shows it: a notice it can't pop up is a message
        for the person in the chat; an ephemeral message where there are none, a
        message in the chat; a quiet delivery's group answer, only for the person."""
        visibility = reply.visibility
        group = inbound.chat_kind is ChatKind.GROUP
        if visibility is Visibility.NOTICE or (
                inbound.quiet and group and visibility is Visibility.CHAT):
            visibility = Visibility.EPHEMERAL
        if visibility is Visibility.EPHEMERAL and not self.capabilities.ephemeral:
            visibility = Visibility.CHAT
        return Reply(reply.message, visibility)

    def _address(self, inbound: Inbound, reply: Reply) -> Address:
        private_chat = inbound.chat_kind is ChatKind.PRIVATE
        if reply.private and not private_chat:  # from a group, to the person's private chat
            return Address(chat=inbound.user_id, user=inbound.user_id,
                           visibility=Visibility.PRIVATE, private=True,
                           workspace=inbound.workspace)
        return Address(chat=inbound.chat_id, user=inbound.user_id, visibility=reply.visibility,
                       private=private_chat, thread=inbound.thread, workspace=inbound.workspace)

    def _fallback(self, inbound: Inbound, event: Event,
                  replies: Sequence[Reply]) -> tuple[Address, Message] | None:
        """The note for the group if a private reply to someone there can't be delivered,
        unless the group is already given a button to the private chat."""
        if inbound.chat_kind is ChatKind.PRIVATE or not any(r.private for r in replies):
            return None
        if any(not r.private and _points_private(r) for r in replies):
            return None
        name = event.sender.display_name.split(" ")[0] or "Hello"
        note = Message(START_FIRST.format(name=name), (open_private("Start a chat with me", ""),))
        return Address(chat=inbound.chat_id, user=inbound.user_id, thread=inbound.thread,
                       workspace=inbound.workspace), note

    async def _refresh_homes(self, session: AsyncSession, event: Event) -> None:
        """Republish the home views this delivery may have changed: of everyone it sent
        mail to, and of the person who acted if they pressed a button or sent a form
        (a home view is also rebuilt whenever its owner opens it)."""
        if not self.home_platforms:
            return
        people: set[int] = set(session.info.pop(outbox.NOTIFIED, set()))
        if event.sender.person_id is not None and event.kind in (EventKind.ACTION,
                                                                  EventKind.FORM):
            people.add(event.sender.person_id)
        services = self.app.services
        for person_id in sorted(people):
            viewer = self._viewer(person_id)
            if viewer is None:
                continue
            for reply in (await self.app.router.handle(services, viewer)).replies:
                if reply.message.home is not None:
                    await outbox.enqueue(
                        session=session, key=outbox_keys.home(person_id, services.now()),
                        school_id=viewer.school.id if viewer.school else None,
                        person_id=person_id,
                        payload=services.cipher.encrypt(reply.message.to_json()))

    def _viewer(self, person_id: int) -> Event | None:
        """The event of ``person_id`` opening their home view, if a platform here shows
        them one."""
        index = self.app.services.directory
        person = index.people.get(person_id)
        platform = next((p for p in self.home_platforms
                         if index.person_id_on(person_id, p) is not None), None)
        school = index.schools.get(person.school_id) if person is not None else None
        if person is None or platform is None or school is None or not person.active:
            return None
        user = index.person_id_on(person_id, platform) or ""
        return Event(platform=platform, school=school_ref(school),
                     sender=sender_of(person, platform_user_id=user, display_name=person.name),
                     chat=ChatRef(ChatKind.PRIVATE, user), opened_home=True)

    async def _prune(self, session: AsyncSession) -> None:
        now = self.app.services.now()
        if self._pruned_at is None or now - self._pruned_at > PRUNE_EVERY:
            await updates.prune(session=session, before=now - updates.KEEP)
            self._pruned_at = now


def _points_private(reply: Reply) -> bool:
    return any(Action.parse(b.action).kind == OPEN_PRIVATE for b in reply.message.buttons)
