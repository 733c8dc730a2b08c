"""The screen pop: while an agent has /agent open, every incoming call shows the caller's
banner there, with the number and what the gateway decided (Server-Sent Events).

One hub per app follows `Gateway.watch()` and renders each call's banner once, whatever
the number of open pages. Each event has an id; a browser that reconnects (EventSource does so
by itself) sends the last id it saw and gets the calls it missed in the last minute. A stream
ends after STREAM_SECONDS so that a server shutting down is never held open by a page."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from gateway.banner.load import load_banner
from gateway.banner.wording import CHANNEL_WORDS, display_phone, local_time, view
from gateway.http import pages
from gateway.http.auth import Principal, gateway_of
from gateway.outcome import Dispatched
from gateway.runtime import Gateway
from gateway.settings import Role
from gateway.store.base import StoreError
from policy_core.models import Action, Channel

log = logging.getLogger("contact_gateway.http")
router = APIRouter(tags=["pages"], include_in_schema=False)
Agent = Annotated[Principal, Depends(pages.require_page_role(Role.agent))]

KEEP_SECONDS = 60.0
STREAM_SECONDS = 25.0
HEARTBEAT_SECONDS = 10.0
DECISION_WORDS = {
    Action.deliver: "put the call through",
    Action.redirect: "transferred the call to {destination}",
    Action.refuse: "refused the call with a spoken notice",
    Action.hold: "held the call for the officer",
}


@dataclass(frozen=True)
class Pop:
    seq: int
    at: float
    event: str  # the whole SSE event, ready to send


class Hub:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.epoch = secrets.token_hex(4)
        self.seq = 0
        self.recent: deque[Pop] = deque(maxlen=50)
        self.listeners: set[asyncio.Queue[Pop]] = set()
        self.task: asyncio.Task[None] | None = None
        self.rendering: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self.run(), name="screen-pop")

    async def run(self) -> None:
        """Takes every decision off the gateway's queue at once; renders calls aside."""
        async with self.gateway.watch() as decisions:
            while True:
                dispatched = await decisions.get()
                if dispatched.contact.channel is Channel.phone:
                    task = asyncio.create_task(self.pop(dispatched))
                    self.rendering.add(task)
                    task.add_done_callback(self.rendering.discard)

    async def pop(self, dispatched: Dispatched) -> None:
        try:
            self.publish(await self.render(dispatched))
        except Exception:
            log.exception("screen pop failed for contact %s", dispatched.contact_id)

    async def render(self, dispatched: Dispatched) -> str:
        gateway, contact, decision = self.gateway, dispatched.contact, dispatched.decision
        shown = None
        try:
            banner = await load_banner(gateway.store, gateway.profile, gateway.routes,
                                       gateway.clock.now(), address=contact.sender)  # fmt: skip
            shown = view(banner, gateway.settings.organisation) if banner else None
        except StoreError:
            log.warning("screen pop without a banner: the store is unreachable")
        words = DECISION_WORDS[decision.action].format(destination=decision.destination or "")
        self.seq += 1
        html = pages.TEMPLATES.get_template("_call.html").render(
            number=contact.sender.value, national=display_phone(contact.sender.value),
            at=local_time(contact.received_at), decision_words=words, v=shown,
            bid=f"call-{self.epoch}-{self.seq}", channel_words=CHANNEL_WORDS,
        )  # fmt: skip
        number = display_phone(contact.sender.value)
        # What a screen reader says when the call shows (the page's status region).
        said = f"Incoming call from {number}"
        if shown is not None:
            said += f": {shown.severity_words}"
            said += f". {shown.headline}." if shown.headline != shown.severity_words else "."
        else:
            said += "."
        data = {"number": number, "action": decision.action.value, "said": said, "html": html}
        return f"id: {self.epoch}-{self.seq}\nevent: call\ndata: {json.dumps(data)}\n\n"

    def publish(self, event: str) -> None:
        pop = Pop(seq=self.seq, at=time.monotonic(), event=event)
        self.recent.append(pop)
        for listener in self.listeners:
            with contextlib.suppress(asyncio.QueueFull):
                listener.put_nowait(pop)

    def missed(self, last_event_id: str | None) -> list[Pop]:
        epoch, _, seq = (last_event_id or "").partition("-")
        if epoch != self.epoch or not seq.isdigit():
            return []
        fresh = time.monotonic() - KEEP_SECONDS
        return [p for p in self.recent if p.seq > int(seq) and p.at > fresh]

    @contextlib.contextmanager
    def listen(self) -> Iterator[asyncio.Queue[Pop]]:
        queue: asyncio.Queue[Pop] = asyncio.Queue(maxsize=20)
        self.listeners.add(queue)
        try:
            yield queue
        finally:
            self.listeners.discard(queue)


def hub_of(request: Request) -> Hub:
    hub: Hub | None = getattr(request.app.state, "screen_pop", None)
    if hub is None:
        hub = request.app.state.screen_pop = Hub(gateway_of(request))
    hub.start()
    return hub


async def stream(hub: Hub, last_event_id: str | None) -> AsyncIterator[str]:
    with hub.listen() as queue:
        current, missed = hub.seq, hub.missed(last_event_id)
        yield "retry: 1000\n\n"
        for pop in missed:
            yield pop.event
        # Sets the browser's last event id, so a reconnection asks for what came after now.
        yield f"id: {hub.epoch}-{current}\n: connected\n\n"
        deadline = time.monotonic() + STREAM_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                pop = await asyncio.wait_for(queue.get(), min(left, HEARTBEAT_SECONDS))
            except TimeoutError:
                yield ": still here\n\n"
                continue
            yield pop.event


@router.get("/agent/events")
async def events(request: Request, principal: Agent) -> StreamingResponse:
    hub = hub_of(request)
    return StreamingResponse(
        stream(hub, request.headers.get("last-event-id")),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
