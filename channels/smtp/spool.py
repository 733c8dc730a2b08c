"""The durable spool: a message is answered 250 only once it is here, fsynced. One file per
message (a JSON line with the envelope, then the message as received); written to tmp/,
fsynced, renamed into queue/, directory fsynced. Refused and held messages are kept whole in
held/, messages a server refused for good in failed/: nothing accepted is ever deleted unsent.
The ledger (channels/smtp/ledger.py) remembers which message went to which recipient."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.api import GroupCommit, all_or_nothing, fsync_dir, io_thread

MAGIC = b"CGSPOOL1 "


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str  # "inbound": dispatch then apply; "relay": send as it is (an auto-reply)
    mail_from: str
    rcpt_tos: tuple[str, ...]
    received_at: dt.datetime
    target: str = "downstream"  # relay entries: "downstream" or "outbound"
    extra: dict[str, Any] = field(default_factory=dict)

    def meta(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "mail_from": self.mail_from,
            "rcpt_tos": list(self.rcpt_tos), "received_at": self.received_at.isoformat(),
            "target": self.target, "extra": self.extra,
        }  # fmt: skip

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Entry:
        return cls(
            id=meta["id"], kind=meta["kind"], mail_from=meta["mail_from"],
            rcpt_tos=tuple(meta["rcpt_tos"]),
            received_at=dt.datetime.fromisoformat(meta["received_at"]),
            target=meta.get("target", "downstream"), extra=meta.get("extra", {}),
        )  # fmt: skip


# Unique without a getrandom call per message: the counter within this process, the start
# (random) and the clock across processes; the clock first, so names sort oldest first.
_SERIAL = itertools.count(secrets.randbits(32))


def new_id() -> str:
    return f"{time.time_ns():020d}-{next(_SERIAL) & 0xFFFFFFFF:08x}"


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.queue, self.tmp = root / "queue", root / "tmp"
        self.held, self.failed = root / "held", root / "failed"
        self.io = io_thread("spool-io")  # the ledger may share it: see Ledger
        self._puts = GroupCommit(all_or_nothing(self._put_batch), self.io)
        self._removals = GroupCommit(all_or_nothing(self._remove_batch), self.io)

    def open(self) -> list[Path]:
        """Creates the folders, clears half-written files; returns the queue, oldest first."""
        for folder in (self.queue, self.tmp, self.held, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        for stale in self.tmp.iterdir():
            stale.unlink(missing_ok=True)
        return sorted(self.queue.glob("*.msg"))

    async def put(self, entry: Entry, raw: bytes) -> None:
        """Returns once the entry is durably in the queue (file and directory fsynced)."""
        await self._puts.submit((entry, raw))

    def _put_batch(self, batch: list[tuple[Entry, bytes]]) -> None:
        latest = {entry.id: (entry, raw) for entry, raw in batch}  # a rewrite twice: the last
        self._write_files(self.queue, list(latest.values()))
        fsync_dir(self.queue)

    def _write(self, folder: Path, entry: Entry, raw: bytes) -> None:
        self._write_files(folder, [(entry, raw)])
        fsync_dir(folder)

    def _write_files(self, folder: Path, items: list[tuple[Entry, bytes]]) -> None:
        """Writes every file of a batch before fsyncing any: on a journalling file system the
        first fsync then commits them all and the others find little left to do. Each file is
        still fsynced before it is renamed into `folder`, so `folder` never holds a torn one."""
        opened: list[tuple[int, Path, Path]] = []
        try:
            for entry, raw in items:
                tmp = self.tmp / f"{entry.id}.msg"
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                opened.append((fd, tmp, folder / f"{entry.id}.msg"))
                os.write(fd, MAGIC + json.dumps(entry.meta()).encode("utf-8") + b"\n")
                view = memoryview(raw)
                while view:
                    view = view[os.write(fd, view) :]
            for fd, _, _ in opened:
                os.fsync(fd)
        finally:
            for fd, _, _ in opened:
                os.close(fd)
        for _, tmp, final in opened:
            os.replace(tmp, final)

    async def read(self, path: Path) -> tuple[Entry, bytes]:
        data = await asyncio.to_thread(path.read_bytes)
        if not data.startswith(MAGIC):
            raise ValueError(f"{path.name}: not a spool file")
        head, _, raw = data.partition(b"\n")
        return Entry.from_meta(json.loads(head[len(MAGIC) :])), raw

    async def rewrite(self, entry: Entry, raw: bytes) -> None:
        """Replaces an entry's envelope (fewer recipients left to try)."""
        await self.put(entry, raw)

    def path_of(self, entry: Entry) -> Path:
        return self.queue / f"{entry.id}.msg"

    async def done(self, entry: Entry) -> None:
        """Off the queue. Not fsynced: if a crash undoes it, the ledger knows it was sent."""
        await self._removals.submit(self.path_of(entry))

    def _remove_batch(self, paths: list[Path]) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    async def keep(self, entry: Entry, folder: str) -> None:
        """Moves an entry to held/ or failed/, out of the queue but never deleted."""
        target = self.held if folder == "held" else self.failed
        await asyncio.to_thread(self._move, entry, target)

    def _move(self, entry: Entry, target: Path) -> None:
        os.replace(self.queue / f"{entry.id}.msg", target / f"{entry.id}.msg")
        fsync_dir(target)

    async def copy_to_failed(self, entry: Entry, raw: bytes) -> None:
        await asyncio.to_thread(self._write, self.failed, entry, raw)

    def close(self) -> None:
        self.io.shutdown(wait=False)
