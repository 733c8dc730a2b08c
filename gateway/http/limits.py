"""One bound on every request body, before any route reads it: `http.max_body_bytes`
(`http.max_webhook_body_bytes` on the channels' webhooks). A declared Content-Length over the
limit gets 413 without a byte of the body being read; a chunked body is counted as it streams
and answered 413 as soon as it passes the limit, whatever the route was doing with it."""

from __future__ import annotations

from collections.abc import Collection

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CLOSE = (b"connection", b"close")


class BodyTooLarge(Exception):
    """Raised into the app from `receive` once a streamed body passes the limit."""


async def too_large(send: Send, limit: int) -> None:
    body = f"Request body too large: at most {limit} bytes.\n".encode("ascii")
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
                CLOSE,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdecimal() else None
    return None


class BodyLimit:
    """Pure ASGI middleware: 413 for a body over the limit of its path."""

    def __init__(
        self, app: ASGIApp, *, limit: int, webhook_limit: int, webhook_paths: Collection[str]
    ) -> None:
        self.app = app
        self.limit = limit
        self.webhook_limit = webhook_limit
        self.webhook_paths = frozenset(webhook_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.webhook_limit if scope["path"] in self.webhook_paths else self.limit
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await too_large(send, limit)
            return
        received = 0
        overflowed = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, overflowed
            if overflowed:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    overflowed = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if overflowed:
                return  # the route's answer to a body it could not read: ours goes instead
            if message["type"] == "http.response.start":
                started = True
                if message["status"] == 413:  # a route's own limit: the rest is not wanted
                    message = {**message, "headers": [*message.get("headers", []), CLOSE]}
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not overflowed:
                raise
        if overflowed and not started:
            await too_large(send, limit)
