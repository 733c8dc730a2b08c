"""The delivered-ledger: which Message-IDs were delivered, so a resubmission is delivered once.
An entry is fsynced before the spool file of the message it records is removed."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gateway.group_commit import GroupCommit, all_or_nothing, io_thread

LEDGER_DAYS = 14


class Ledger:
    """Message-ID hashes delivered in the last LEDGER_DAYS days, one line each, fsynced."""

    def __init__(self, path: Path, io: ThreadPoolExecutor | None = None) -> None:
        """`io`: the spool's thread, to share (then the spool closes it); by default its own."""
        self.path = path
        self.seen: dict[str, float] = {}
        self._own_io = io is None
        self.io = io or io_thread("spool-ledger")
        self._appends: GroupCommit[tuple[str, Path | None], None]
        self._appends = GroupCommit(all_or_nothing(self._append), self.io)

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
        if self._own_io:
            self.io.shutdown(wait=False)
