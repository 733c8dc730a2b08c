"""The fail-open journal: contacts that arrived while the store was unreachable, appended
durably (fsync) as JSON lines, replayed into the store when it is back."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

from gateway.durable import append_durably
from policy_core.models import Contact


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def append(self, contact: Contact) -> None:
        line = contact.model_dump_json() + "\n"
        async with self._lock:
            await asyncio.to_thread(self._append_sync, line)

    def _append_sync(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        append_durably(self.path, line.encode("utf-8"))

    def pending(self) -> int:
        try:
            with self.path.open("rb") as handle:
                return sum(1 for line in handle if line.strip())
        except FileNotFoundError:
            return 0

    async def replay(self, record: Callable[[Contact], Awaitable[None]]) -> int:
        """Feeds each journalled contact to `record`, oldest first. A contact is removed only
        once recorded; if `record` fails, it and those after it stay for the next replay."""
        async with self._lock:
            try:
                lines = self.path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                return 0
            contacts = [Contact.model_validate_json(line) for line in lines if line.strip()]
            done = 0
            try:
                for contact in contacts:
                    await record(contact)
                    done += 1
            finally:
                rest = contacts[done:]
                tmp = self.path.with_suffix(".tmp")
                tmp.write_text("".join(c.model_dump_json() + "\n" for c in rest), "utf-8")
                os.replace(tmp, self.path)
            return done
