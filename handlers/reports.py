"""/report and /friendrequest: private forms, started anywhere, always completed in private.

In a group the only reply is a neutral pointer; every step of the form is whispered.
The draft lives in ``storage.conversations`` (kind ``report``), so any worker can
continue it and a restart loses nothing. Buttons and typed answers do the same thing.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from handlers import headteacher_list, report_thread
from handlers import report_flow as flow
from handlers.context import Services
from handlers.events import Event
from handlers.replies import Reply, form_errors, open_form, open_private, say, whisper
from handlers.report_form import form_of, read_form
from handlers.report_routing import FRIEND_REQUEST, INCIDENT
from handlers.report_submit import submit, summary
from handlers.router import Router
from storage import conversations, reports
from storage.roles import STAFF_ROLES, Role

KIND = flow.DRAFT
POINTER = "I've sent you a private message."
COMMANDS = {FRIEND_REQUEST: "friendrequest", INCIDENT: "report"}
REPORTER_ROLES = frozenset(Role)
STALE = "That form is no longer open. Send /report or /friendrequest to start again."


def register(router: Router) -> None:
    @router.command("friendrequest", roles=STAFF_ROLES,
                    summary="privately log a friend request from a pupil or parent")
    async def friend_request(services: Services, event: Event) -> list[Reply]:
        return await start(services, event, FRIEND_REQUEST)

    @router.command("report", roles=REPORTER_ROLES,
                    summary="privately report a concern or incident")
    async def report(services: Services, event: Event) -> list[Reply]:
        return await start(services, event, INCIDENT)

    @router.action(flow.PREFIX)
    async def pressed(services: Services, event: Event) -> list[Reply]:
        pressed_action = event.action
        if event.form is not None and event.sender.known and pressed_action is not None:
            return await submitted(services, event, pressed_action.arg(0))
        if not event.sender.known or pressed_action is None or len(pressed_action.args) < 2:
            return [whisper(STALE)]
        verb, value = flow.verb_and_value(pressed_action)
        return await step(services, event, verb, value, token=pressed_action.arg(0))

    @router.conversation(KIND)
    async def typed(services: Services, event: Event) -> list[Reply]:
        return await step(services, event, "", event.text, token=None)

    report_thread.register(router)
    headteacher_list.register(router)


async def start(services: Services, event: Event, kind: str) -> list[Reply]:
    """Open the form privately; in a group, answer only with the pointer."""
    person_id = _person(event)
    async with services.db.session() as session:
        row = await conversations.current(session=session, person_id=person_id)
        draft = dict(row.state) if row is not None and row.kind == KIND else None
        if row is not None and row.kind == report_thread.NOTE and row.state.get("pending"):
            first = whisper(report_thread.waiting(row))  # never replace a typed outcome
        elif draft is not None and not flow.is_untouched(draft):  # ask before discarding it
            state = {**draft, "asking": kind}
            first = whisper(_abandon_question(event, draft, kind), *flow.buttons(state))
            await _save(session, services, person_id, state)
        else:  # a new form, or the same empty one again (e.g. from the group's pointer)
            same = draft is not None and draft["flow"] == kind
            state = draft if same and draft is not None else flow.new_state(kind, services.now())
            first = await _ask(session, services, event, state,
                               f"{flow.INTROS[kind]} {flow.PRIVACY}")
            await _save(session, services, person_id, state)
            if event.chat.is_private:
                return [open_form(form_of(state), first)]
            return [open_form(form_of(state), _pointer(kind), first)]
    if event.chat.is_private:
        return [first]
    return [_pointer(kind), first]


def _pointer(kind: str) -> Reply:
    return say(POINTER, open_private("Open private chat", COMMANDS[kind]))


async def step(services: Services, event: Event, verb: str, value: str,
               token: str | None) -> list[Reply]:
    """One answer, typed (``token`` None) or pressed, to the person's draft."""
    person_id = _person(event)
    async with services.db.session() as session:
        state = await _draft(session, person_id)
        if state is None or (token is not None and token != state["token"]):
            return [whisper(await _stale(session, event, token))]
        if token is None:
            verb, value = flow.typed(state, value)
        reply, new_state = await _apply(session, services, event, state, verb, value)
        if new_state is None:
            await conversations.clear(session=session, person_id=person_id)
        elif new_state != state:
            await _save(session, services, person_id, new_state)
    return [reply]


async def submitted(services: Services, event: Event, token: str) -> list[Reply]:
    """A whole form sent at once (a Slack modal): send the draft, or show what is wrong."""
    assert event.form is not None
    person_id = _person(event)
    async with services.db.session() as session:
        state = await _draft(session, person_id)
        if state is None or token != state["token"]:
            return [whisper(await _stale(session, event, token))]
        ready, problems = read_form(services, event, state, event.form.values)
        if problems:
            return [form_errors(problems)]
        text = await submit(session, services, event, ready)
        await conversations.clear(session=session, person_id=person_id)
    return [whisper(text)]


async def _apply(session: AsyncSession, services: Services, event: Event, state: flow.State,
                 verb: str, value: str) -> tuple[Reply, flow.State | None]:
    """The reply to one answer, and the draft's next state (None: the draft is done)."""
    if verb == "cancel":
        return whisper("Cancelled. Nothing was recorded."), None
    if state["asking"] is not None:
        return await _resolve_abandon(session, services, event, state, verb)
    if verb == "back":
        state = flow.back(state)
    elif verb == "send" and flow.current_step(state) is None:
        return whisper(await submit(session, services, event, state)), None
    elif verb in ("a", "skip", "text"):
        state, problem = _answered(services, event, state, verb, value)
        if problem is not None:
            return await _ask(session, services, event, state, problem), state
    return await _ask(session, services, event, state), state


def _answered(services: Services, event: Event, state: flow.State, verb: str,
              value: str) -> tuple[flow.State, str | None]:
    """Apply an answer to the current step, or say what is wrong with it."""
    step_ = flow.current_step(state)
    if step_ is None:
        return state, "Press Send to send it, Back to change something, or Cancel."
    if verb == "skip" and step_.optional:
        return flow.answer(state, None), None
    if step_.date and verb in ("a", "text"):
        day = (flow.relative_date(value, today=_today(services, event)) if verb == "a"
               else flow.parse_date(value, today=_today(services, event)))
        if day is None:
            return state, (flow.date_problem(value, today=_today(services, event))
                           or "I couldn't read that as a date (not in the future), "
                              "e.g. 03/03/2026.")
        return flow.answer(state, day.isoformat()), None
    if verb == "a" and value in dict(step_.options):
        return flow.answer(state, value), None
    if verb == "text" and step_.free_text and value:
        return flow.answer(state, services.cipher.encrypt(value)), None
    return state, "Please choose one of the options below (or type its number)."


async def _resolve_abandon(session: AsyncSession, services: Services, event: Event,
                           state: flow.State, verb: str) -> tuple[Reply, flow.State | None]:
    if verb == "discard":
        fresh = flow.new_state(state["asking"], services.now())
        lead = f"Discarded. {flow.INTROS[fresh['flow']]} {flow.PRIVACY}"
        return await _ask(session, services, event, fresh, lead), fresh
    if verb == "resume":
        resumed = {**state, "asking": None}
        return await _ask(session, services, event, resumed, "Carrying on."), resumed
    return whisper("Please choose: continue the unsent one, or discard it.",
                   *flow.buttons(state)), state


async def _ask(session: AsyncSession, services: Services, event: Event, state: flow.State,
               lead: str | None = None) -> Reply:
    """The current step (or the summary to confirm), privately, with its buttons."""
    current = flow.current_step(state)
    if current is None:
        text = await summary(session, services, event, state)
    else:
        steps = flow.steps_of(state)
        number = [s.name for s in steps].index(current.name) + 1
        text = f"{current.prompt}\n(Step {number} of {len(steps)})"
    return whisper(f"{lead}\n\n{text}" if lead else text, *flow.buttons(state))


def _abandon_question(event: Event, draft: flow.State, kind: str) -> str:
    what = "friend request" if draft["flow"] == FRIEND_REQUEST else "report"
    zone = ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")
    started = dt.datetime.fromisoformat(draft["started"]).astimezone(zone)
    new = "friend request" if kind == FRIEND_REQUEST else "report"
    return (f"You have a {what} you started on {started:%d %b %Y at %H:%M} and haven't "
            f"sent. Continue it, or discard it and start a new {new}?")


async def _stale(session: AsyncSession, event: Event, token: str | None) -> str:
    if token and event.school is not None:
        sent = await reports.by_submission_key(session=session, school_id=event.school.id,
                                               submission_key=token)
        if sent is not None and sent.reporter_id == event.sender.person_id:
            return f"That was already sent as #{sent.reference}; nothing more to do."
    return STALE


async def _draft(session: AsyncSession, person_id: int) -> flow.State | None:
    row = await conversations.current(session=session, person_id=person_id)
    return dict(row.state) if row is not None and row.kind == KIND else None


async def _save(session: AsyncSession, services: Services, person_id: int,
                state: flow.State) -> None:
    await conversations.save(session=session, person_id=person_id, kind=KIND, state=state,
                             now=services.now())


def _person(event: Event) -> int:
    assert event.sender.person_id is not None, "the router only lets known people in"
    return event.sender.person_id


def _today(services: Services, event: Event) -> dt.date:
    zone = ZoneInfo(event.school.timezone if event.school is not None else "Europe/London")
    return services.now().astimezone(zone).date()


__all__ = ["POINTER", "register", "start", "step"]
