"""A tiny test-only feature, registered beside the real ones, that uses every kind of
neutral reply the real features use: a multi-step private flow with buttons that
notifies the Headteacher through the outbox, a document, a group command that points
to the private chat, long text and markup-heavy text. The Telegram tests depend on
it, not on the other features' progress."""

from __future__ import annotations

from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.outbox import notify_person
from handlers.replies import Button, Document, Message, Reply, open_private, say, whisper
from handlers.router import Router, Where
from storage import conversations, directory
from storage.roles import Role

FLOW = "tflow"
STAFF = (Role.STAFF, Role.HEADTEACHER, Role.DSL)
POINTER = "I've sent you a private message so we can carry on there."
KINDS = (Button("Friend request", f"{FLOW}:kind:friend"), Button("Other", f"{FLOW}:kind:other"))
CSV = b"name,kind\nAlice Ames,friend\n"
MARKUP = "Use *bold*, _italics_, <b>tags</b> & `code`: 2 > 1 < 3 [link](http://x)"
PARAGRAPH = "This clause of the policy is long and it goes on. " * 20  # ~1,000 characters
LONG = "\n\n".join(f"{n}. {PARAGRAPH}" for n in range(1, 10))  # ~9,000 characters


def register(router: Router) -> None:
    router.command(FLOW, summary="test: report something privately", roles=STAFF)(start_flow)
    router.action(FLOW)(choose_kind)
    router.conversation(FLOW)(finish_flow)

    @router.command("texport", summary="test: a document", roles=STAFF)
    async def export(services: Services, event: Event) -> list[Reply]:
        return [whisper("Your export is attached.", document=Document("list.csv", CSV))]

    @router.command("tlong", summary="test: long text")
    async def long(services: Services, event: Event) -> list[Reply]:
        return [say(LONG)]

    @router.text
    async def echo(services: Services, event: Event) -> list[Reply]:
        return [say(f"You said: {event.text}")]

    @router.command("tmarkup", summary="test: markup-heavy text", where=Where.GROUPS)
    async def markup(services: Services, event: Event) -> list[Reply]:
        return [say(MARKUP)]


async def start_flow(services: Services, event: Event) -> list[Reply]:
    assert event.sender.person_id is not None
    async with services.db.session() as session:
        await conversations.save(session=session, person_id=event.sender.person_id, kind=FLOW,
                                 state={"step": "kind"}, now=services.now())
    question = whisper("Which kind of thing is it?", *KINDS)
    if event.chat.is_private:
        return [question]
    return [say(POINTER, open_private("Continue privately", FLOW)), question]


async def choose_kind(services: Services, event: Event) -> list[Reply]:
    assert event.action is not None
    assert event.sender.person_id is not None
    async with services.db.session() as session:
        flow = await conversations.current(session=session, person_id=event.sender.person_id)
        if flow is None or flow.kind != FLOW or flow.state.get("step") != "kind":
            raise UserError("That question has expired. Send /tflow to start again.")
        kind = event.action.arg(-1)
        await conversations.save(session=session, person_id=event.sender.person_id, kind=FLOW,
                                 state={"step": "details", "kind": kind}, now=services.now())
    return [whisper("Tell me what happened, in one message.")]


async def finish_flow(services: Services, event: Event) -> list[Reply]:
    assert event.sender.person_id is not None
    assert event.school is not None
    async with services.db.session() as session:
        flow = await conversations.current(session=session, person_id=event.sender.person_id)
        assert flow is not None
        heads = await directory.people_with_role(session=session, school_id=event.school.id,
                                                 role=Role.HEADTEACHER.value)
        for head in heads:
            assert head.id is not None
            text = (f"New report from {event.sender.display_name} ({flow.state['kind']}): "
                    f"{event.text}")
            await notify_person(session=session, cipher=services.cipher,
                                key=f"{FLOW}:{event.update_key}:{head.id}",
                                school_id=event.school.id, person_id=head.id,
                                message=Message(text, (Button("I have read it", "tread:1"),)))
        await conversations.clear(session=session, person_id=event.sender.person_id)
    return [whisper("Thank you. I've sent it to the Headteacher.")]
