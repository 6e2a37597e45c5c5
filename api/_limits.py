"""A cap on request body size, enforced before the body is parsed."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api._errors import send_error


class BodySizeLimit:
    """Answers 413 to a body over `max_bytes`, by Content-Length or while streaming.

    Pure ASGI rather than BaseHTTPMiddleware, so a chunked body without a length is
    counted as it arrives and never buffered whole.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await send_error(send, 400, "malformed Content-Length header")
                    return
                if length > self.max_bytes:
                    await send_error(send, 413, self._message())
                    return
        received = 0
        started = False
        rejected = False

        async def counting_receive() -> Message:
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request" and not rejected:
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Answer now and tell the app the client left: whatever it sends after
                    # this (its own error for the cut body) is dropped below.
                    rejected = True
                    if not started:
                        await send_error(send, 413, self._message())
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)

    def _message(self) -> str:
        return f"request body too large: the limit is {self.max_bytes} bytes"
