"""The delivered-ledger: which message (its identity, channels/mail/identity.py) went to which
recipient, so that a retransmission reaches each recipient once, while a second transaction
carrying the same message to another recipient is still delivered to it. An entry is fsynced
before the spool file of the message it records is removed.

One line per recipient: `<identity key> <recipient digest> <unix time>`. The recipient is kept
as a hash (addresses are personal data), lower-cased first, as mail servers deliver. Lines of
an earlier version (`<Message-ID hash> <unix time>`, a Message-ID alone) are ignored and
dropped at start: honouring them would drop a reused Message-ID's new message, or a second
transaction's recipients, which is the loss this format ends."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from channels.mail.identity import MessageIdentity
from gateway.api import GroupCommit, all_or_nothing, append_durably, io_thread

LEDGER_DAYS = 14
_IDENTITY = re.compile(r"[0-9a-f]{32}")
_RECIPIENT = re.compile(r"[0-9a-f]{16}")


def recipient_digest(address: str) -> str:
    normal = address.strip().strip("<>").strip().lower()
    return hashlib.sha256(normal.encode("utf-8", "replace")).hexdigest()[:16]


class Ledger:
    """(message, recipient) pairs delivered in the last LEDGER_DAYS days, fsynced."""

    def __init__(
        self,
        path: Path,
        io: ThreadPoolExecutor | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`io`: the spool's thread, to share (then the spool closes it); by default its own.
        `clock`: seconds since the epoch, for the entries' age."""
        self.path = path
        self.clock = clock
        self.seen: dict[tuple[str, str], float] = {}
        self._own_io = io is None
        self.io = io or io_thread("spool-ledger")
        self._appends: GroupCommit[tuple[str, Path | None], None]
        self._appends = GroupCommit(all_or_nothing(self._append), self.io)

    def open(self) -> None:
        horizon = self.clock() - LEDGER_DAYS * 86400
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            fields = line.split(" ")
            if len(fields) != 3 or not _IDENTITY.fullmatch(fields[0]):
                continue  # an earlier version's line, or one torn by a crash
            if not _RECIPIENT.fullmatch(fields[1]):
                continue
            try:
                stamp = float(fields[2])
            except ValueError:
                continue
            if stamp >= horizon:
                self.seen[fields[0], fields[1]] = stamp
        if len(self.seen) < len(lines):
            tmp = self.path.with_suffix(".tmp")
            text = "".join(f"{m} {r} {t:.0f}\n" for (m, r), t in self.seen.items())
            tmp.write_text(text, "utf-8")
            os.replace(tmp, self.path)

    def undelivered(
        self, identity: MessageIdentity | None, recipients: Iterable[str]
    ) -> tuple[str, ...]:
        """The recipients this message has not reached yet, in this transaction or another
        (all of them for a message without an identity: see channels/mail/identity.py)."""
        if identity is None:
            return tuple(recipients)
        return tuple(r for r in recipients if (identity.key, recipient_digest(r)) not in self.seen)

    async def add(
        self,
        identity: MessageIdentity,
        recipients: Iterable[str],
        *,
        then_remove: Path | None = None,
    ) -> None:
        """Returns once every recipient is durably recorded (one fsync for all added
        meanwhile), and then `then_remove` (the spool file of the message delivered) is gone:
        in the same batch, so a delivered message costs one hand-off to the I/O thread."""
        now = self.clock()
        lines = []
        for recipient in recipients:
            key = (identity.key, recipient_digest(recipient))
            self.seen[key] = now
            lines.append(f"{key[0]} {key[1]} {now:.0f}\n")
        await self._appends.submit(("".join(lines), then_remove))

    def _append(self, items: list[tuple[str, Path | None]]) -> None:
        text = "".join(lines for lines, _ in items)
        if text:
            append_durably(self.path, text.encode("ascii"))
        for _, path in items:  # only once the ledger knows: a crash before this resends none
            if path is not None:
                path.unlink(missing_ok=True)

    def close(self) -> None:
        if self._own_io:
            self.io.shutdown(wait=False)
