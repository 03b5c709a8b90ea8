"""/report and /friendrequest: private forms, started anywhere, always completed in private;
and /cancel, /back and /skip for whatever form is open.

In a group the only reply is a neutral pointer; every step of the form is whispered.
The draft lives in ``storage.conversations`` (kind ``report``), so any worker can
continue it and a restart loses nothing. Buttons and typed answers do the same thing.
A message that is clearly not an answer (a question typed at a short step) is
answered as a question, and the draft is recalled rather than fed it. Someone the
bot doesn't know who has a worry is told how to reach the school and who its DSL is.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import headteacher_list, report_evidence, report_retention, report_thread
from handlers import report_drafts as drafts
from handlers import report_flow as flow
from handlers.context import Services
from handlers.errors import UserError
from handlers.events import Event
from handlers.policy import answer_question
from handlers.replies import Reply, only_you, open_form, open_private, say, whisper
from handlers.report_answers import answered
from handlers.report_form import form_of, submitted
from handlers.report_prompts import NOTE, busy_note, forget_prompt
from handlers.report_readers import dsl_sentence, school_contact
from handlers.report_routing import FRIEND_REQUEST, INCIDENT
from handlers.report_submit import submit
from handlers.router import Handler, Router, Where
from storage import conversations, directory
from storage.roles import STAFF_ROLES, Role

KIND = flow.DRAFT
POINTER = "I've sent you a private message."
COMMANDS = {FRIEND_REQUEST: "friendrequest", INCIDENT: "report"}
ANYONE_KNOWN = frozenset(Role)
UNCONFIGURED = ("This chat isn't set up for me yet, so /report isn't available here. Ask your "
                "school's PolicyBot admin to add it (send /whoami for its id), or send me "
                "/report in a private chat.")
NOTHING_OPEN = "You have no form open, so there's nothing to {verb}."


def register(router: Router) -> None:
    @router.command("friendrequest", roles=STAFF_ROLES,
                    summary="privately log a friend request from a pupil or parent")
    async def friend_request(services: Services, event: Event) -> list[Reply]:
        return await start(services, event, FRIEND_REQUEST)

    @router.command("report", summary="privately report a concern or incident")
    async def report(services: Services, event: Event) -> list[Reply]:
        if not event.sender.known or event.in_unknown_group:  # least privilege there
            return [await worry(services, event)]
        return await start(services, event, INCIDENT)

    for verb, summary in (("cancel", "drop the form you have open"),
                          ("back", "go back a step in the form you have open"),
                          ("skip", "skip an optional step of the form you have open")):
        router.command(verb, roles=ANYONE_KNOWN, where=Where.PRIVATE, summary=summary,
                       offered=_never)(_form_command(verb))  # the form itself offers them

    @router.action(flow.PREFIX)
    async def pressed(services: Services, event: Event) -> list[Reply]:
        pressed_action = event.action
        if event.form is not None and event.sender.known and pressed_action is not None:
            return await submitted(services, event, pressed_action.arg(0))
        if not event.sender.known or pressed_action is None or len(pressed_action.args) < 2:
            return [whisper(drafts.STALE)]
        verb, value = flow.verb_and_value(pressed_action)
        return await step(services, event, verb, value, token=pressed_action.arg(0))

    @router.conversation(KIND)
    async def typed(services: Services, event: Event) -> list[Reply]:
        return await step(services, event, "", event.text, token=None)

    report_evidence.register(router)
    report_thread.register(router)
    report_retention.register(router)
    headteacher_list.register(router)


def _never(services: Services, event: Event) -> bool:
    return False


def _form_command(verb: str) -> Handler:
    async def command(services: Services, event: Event) -> list[Reply]:
        async with services.db.session() as session:
            row = await conversations.current(session=session, person_id=_person(event))
            kind = row.kind if row is not None else None
        if kind == KIND:
            return await step(services, event, verb, "", token=None, typed=False)
        if kind == NOTE and verb == "cancel":
            return await forget_prompt(services, event)
        return [whisper(NOTHING_OPEN.format(verb="cancel" if verb == "cancel" else
                                            f"go {verb}" if verb == "back" else verb))]
    return command


async def worry(services: Services, event: Event) -> Reply:
    """For someone not in the config, or in a chat no school has set up: how to raise a
    worry without the bot."""
    if event.in_unknown_group:
        lead, tail = UNCONFIGURED, ""
    else:
        lead = "I don't know who you are yet, so I can't take a report from you here."
        tail = (" (To use /report here, ask your school's PolicyBot admin to add you: send "
                "/whoami for the id they need.)")
    text = f"{lead} {await worry_text(services, event)}{tail}"
    return say(text) if event.chat.is_private else only_you(text)


async def worry_text(services: Services, event: Event) -> str:
    """Who to tell instead: the school's contact line, its DSL, and 999."""
    dsl = ""
    if event.school is not None:
        async with services.db.session() as session:
            people = await directory.people_of_school(session=session,
                                                      school_id=event.school.id)
        dsl = dsl_sentence(people)
    contact = (f"tell {school_contact(services, event.school)}" if event.school is not None
               else "contact the school directly")
    return (f"If you're worried about a child, please don't wait: {contact}. "
            f"{dsl + ' ' if dsl else ''}If a child is in immediate danger, call 999.")


async def start(services: Services, event: Event, kind: str) -> list[Reply]:
    """Open the form privately; in a group, answer only with the pointer."""
    person_id = _person(event)
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=person_id)
        draft = dict(row.state) if row is not None and row.kind == KIND else None
        waiting = busy_note(row)
        if waiting is not None:
            first = whisper(waiting)  # never replace a typed outcome
        elif draft is not None and not flow.is_untouched(draft):  # ask before discarding it
            state = {**draft, "asking": kind}
            first = whisper(_abandon_question(event, draft, kind), *flow.buttons(state))
            await drafts.save(session, services, person_id, state)
        else:  # a new form, or the same empty one again (e.g. from the group's pointer)
            same = draft is not None and draft["flow"] == kind
            state = draft if same and draft is not None else flow.new_state(kind, services.now())
            first = await drafts.ask(session, services, event, state,
                                     f"{flow.INTROS[kind]} {flow.PRIVACY}")
            await drafts.save(session, services, person_id, state)
            if event.chat.is_private:
                return [open_form(form_of(state), first)]
            return [open_form(form_of(state), _pointer(kind), first)]
    if event.chat.is_private:
        return [first]
    return [_pointer(kind), first]


def _pointer(kind: str) -> Reply:
    return say(POINTER, open_private("Open private chat", COMMANDS[kind]))


async def step(services: Services, event: Event, verb: str, value: str,
               token: str | None, *, typed: bool = True) -> list[Reply]:
    """One answer, typed (``token`` None) or pressed, to the person's draft."""
    person_id = _person(event)
    async with services.db.session() as session:
        state = await drafts.load(session, person_id)
        if state is None or (token is not None and token != state["token"]):
            return [whisper(await drafts.stale(session, event, token))]
        if token is None and typed:
            verb, value = flow.typed(state, value)
            if verb == "text" and state["asking"] is None and drafts.unrelated(state, value):
                return await _answer_instead(services, event, state)
        reply, new_state = await _apply(session, services, event, state, verb, value)
        if new_state is None:
            await conversations.clear(session=session, person_id=person_id)
        elif new_state != state:
            await drafts.save(session, services, person_id, new_state)
    return [reply]


async def _answer_instead(services: Services, event: Event, state: flow.State) -> list[Reply]:
    """A question typed while the draft waits for a short answer: answer it, then recall
    the draft (unchanged)."""
    try:
        answered = await answer_question(services, event, event.text)
    except UserError as exc:
        answered = [whisper(exc.message)]
    async with services.db.session() as session:
        recalled = await drafts.ask(session, services, event, state, drafts.reminder(state))
    return [*answered, recalled]


async def _apply(session: AsyncSession, services: Services, event: Event, state: flow.State,
                 verb: str, value: str) -> tuple[Reply, flow.State | None]:
    """The reply to one answer, and the draft's next state (None: the draft is done)."""
    if verb == "cancel":
        await drafts.discard(session, _person(event), state)
        return whisper("Cancelled. Nothing was recorded."), None
    if state["asking"] is not None:
        return await _resolve_abandon(session, services, event, state, verb)
    if verb == "back":
        if not state["history"] and not state.get("naming"):
            return await drafts.ask(session, services, event, state,
                                    "This is the first step: there's nothing to go back to."), state
        state = flow.back(state)
    elif verb == "send" and flow.current_step(state) is None:
        return whisper(await submit(session, services, event, state)), None
    elif verb in ("a", "skip", "text"):
        state, problem = answered(services, _today(services, event), state, verb, value)
        if problem is not None:
            return await drafts.ask(session, services, event, state, problem), state
    return await drafts.ask(session, services, event, state), state


async def _resolve_abandon(session: AsyncSession, services: Services, event: Event,
                           state: flow.State, verb: str) -> tuple[Reply, flow.State | None]:
    if verb == "discard":
        await drafts.discard(session, _person(event), state)
        fresh = flow.new_state(state["asking"], services.now())
        lead = f"Discarded. {flow.INTROS[fresh['flow']]} {flow.PRIVACY}"
        return await drafts.ask(session, services, event, fresh, lead), fresh
    if verb == "resume":
        resumed = {**state, "asking": None}
        return await drafts.ask(session, services, event, resumed, "Carrying on."), resumed
    return whisper("Please choose: continue the unsent one, or discard it.",
                   *flow.buttons(state)), state


def _abandon_question(event: Event, draft: flow.State, kind: str) -> str:
    new = "friend request" if kind == FRIEND_REQUEST else "report"
    return (f"You have a {drafts.what(draft)} you started on {drafts.started_text(event, draft)}"
            f" and haven't sent. Continue it, or discard it and start a new {new}?")


def _person(event: Event) -> int:
    assert event.sender.person_id is not None, "the router only lets known people in"
    return event.sender.person_id


def _today(services: Services, event: Event) -> dt.date:
    zone = ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")
    return services.now().astimezone(zone).date()


__all__ = ["POINTER", "register", "start", "step", "worry"]
