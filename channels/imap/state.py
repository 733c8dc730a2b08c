"""Which messages of a mailbox are done, surviving restarts: the folder's UIDVALIDITY and the
highest UID handled, in a small JSON file written atomically with fsync."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from channels.imap.settings import Mailbox
from gateway.api import replace_durably


@dataclass
class MailboxState:
    path: Path
    uidvalidity: int | None = None
    last_uid: int = 0

    @classmethod
    def for_mailbox(cls, data_dir: Path, mailbox: Mailbox) -> MailboxState:
        """One file per mailbox and folder; the name is a hash, not the address."""
        key = f"{mailbox.host}:{mailbox.port}/{mailbox.username}/{mailbox.folder}"
        name = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        state = cls(path=data_dir / "imap" / f"{name}.json")
        try:
            data = json.loads(state.path.read_text(encoding="utf-8"))
            state.uidvalidity, state.last_uid = int(data["uidvalidity"]), int(data["last_uid"])
        except FileNotFoundError:
            pass
        return state

    @property
    def known(self) -> bool:
        return self.uidvalidity is not None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"uidvalidity": self.uidvalidity, "last_uid": self.last_uid})
        replace_durably(self.path, data.encode("ascii"))
