"""A work-around for slack-bolt's request parsing (1.30).

bolt reads any form-encoded body containing the text "payload" as an interactivity
payload, so a slash command such as ``/policy what does the payload mean?`` arrives
as an empty body and goes unanswered. :func:`reparsed` parses such a body as the form
it is and rebuilds the request's context.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

__all__ = ["reparsed"]

FORM = "application/x-www-form-urlencoded"


def reparsed(request: AsyncBoltRequest) -> AsyncBoltRequest:
    if request.body or request.content_type != FORM or not request.raw_body:
        return request
    fields = dict(parse_qsl(request.raw_body, keep_blank_values=True))
    if "payload" in fields:  # really interactivity: bolt failed on something else
        return request
    request.body = fields
    request.context = build_async_context(AsyncBoltContext({}), request.body)
    return request
