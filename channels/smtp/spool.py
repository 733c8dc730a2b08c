"""The durable spool: a message is answered 250 only once it is here, fsynced. One file per
message (a JSON line with the envelope, then the message as received); written to tmp/,
fsynced, renamed into queue/, directory fsynced. Refused and held messages are kept whole in
held/, messages a server refused for good in failed/: nothing accepted is ever deleted unsent.
The ledger remembers which Message-IDs were delivered, so a resubmission is delivered once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from channels.smtp.batch import GroupCommit

MAGIC = b"CGSPOOL1 "
LEDGER_DAYS = 14


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


def new_id() -> str:
    return f"{time.time_ns():020d}-{secrets.token_hex(4)}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Spool:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.queue, self.tmp = root / "queue", root / "tmp"
        self.held, self.failed = root / "held", root / "failed"
        self._puts = GroupCommit(self._put_batch, "spool-put")
        self._removals = GroupCommit(self._remove_batch, "spool-done")

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
        _fsync_dir(self.queue)

    def _write(self, folder: Path, entry: Entry, raw: bytes) -> None:
        self._write_files(folder, [(entry, raw)])
        _fsync_dir(folder)

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
        _fsync_dir(target)

    async def copy_to_failed(self, entry: Entry, raw: bytes) -> None:
        await asyncio.to_thread(self._write, self.failed, entry, raw)

    def close(self) -> None:
        self._puts.close()
        self._removals.close()


class Ledger:
    """Message-ID hashes delivered in the last LEDGER_DAYS days, one line each, fsynced."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[str, float] = {}
        self._appends: GroupCommit[tuple[str, Path | None]] = GroupCommit(
            self._append, "spool-ledger"
        )

    def open(self) -> None:
        horizon = time.time() - LEDGER_DAYS * 86400
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            key, _, stamp = line.partition(" ")
            try:
                if float(stamp) >= horizon:
                    self.seen[key] = float(stamp)
            except ValueError:
                continue  # a line torn by a crash
        if len(self.seen) < len(lines):
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text("".join(f"{k} {t:.0f}\n" for k, t in self.seen.items()), "utf-8")
            os.replace(tmp, self.path)

    def __contains__(self, key: object) -> bool:
        return key in self.seen

    async def add(self, key: str, *, then_remove: Path | None = None) -> None:
        """Returns once the key is durably recorded (one fsync for all added meanwhile), and
        then `then_remove` (the spool file of the message delivered) is gone: in the same
        batch, so a delivered message costs one hand-off to the I/O thread, not two."""
        now = time.time()
        self.seen[key] = now
        await self._appends.submit((f"{key} {now:.0f}\n", then_remove))

    def _append(self, items: list[tuple[str, Path | None]]) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, "".join(line for line, _ in items).encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        for _, path in items:  # only once the ledger knows: a crash before this resends none
            if path is not None:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        self._appends.close()
