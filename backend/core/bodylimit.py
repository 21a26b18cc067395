"""A request body over its limit is refused before anything reads it whole (pure ASGI).

The limit is checked twice: on a declared ``Content-Length`` before the app runs at all, and on
the bytes as they arrive, for bodies sent in chunks without a length. Either way the answer is
a 413 problem and the app never sees the rest of the body: no row is written, no file stored.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import ProblemCode, problem_response

LimitFor = Callable[[Scope], int]


class BodyTooLarge(HTTPException):
    """Raised from ``receive``; an HTTPException so that FastAPI's body parsing passes it on
    (anything else it turns into a 400) and the app's handler answers it as a problem."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit))


def too_large_detail(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # the server refuses a malformed length; the count below still applies


class BodySizeLimit:
    def __init__(self, app: ASGIApp, limit_for: LimitFor) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await problem_response(413, ProblemCode.too_large, too_large_detail(limit))(
                scope, receive, send
            )
            return
        received = 0
        started = False

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_noting_start)
        except BodyTooLarge:
            # Read outside the app's handlers (they answer it themselves when they read it).
            if started:
                raise
            await problem_response(413, ProblemCode.too_large, too_large_detail(limit))(
                scope, receive, send
            )
