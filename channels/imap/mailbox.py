"""One IMAP connection (imapclient, synchronous): the poller calls these through
asyncio.to_thread, so the gateway's event loop never blocks on the mail server."""

from __future__ import annotations

import contextlib
import socket
import ssl

from imapclient import IMAPClient

from channels.imap.settings import Mailbox

TIMEOUT = 30.0
BODY = b"BODY[]"


class MailboxConnection:
    def __init__(self, config: Mailbox) -> None:
        self.config = config
        self.client: IMAPClient | None = None
        self.uidvalidity = 0
        self.uidnext = 1
        self.can_idle = False
        self.can_move = False

    def connect(self) -> None:
        """Logs in, creates the decision folders when missing, selects the folder."""
        config = self.config
        context = ssl.create_default_context() if config.tls else None
        client = IMAPClient(
            config.host, port=config.port, ssl=config.tls, ssl_context=context, timeout=TIMEOUT
        )
        self.client = client
        client.login(config.username, config.password)
        for folder in (config.redirected_folder, config.restricted_folder):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        selected = client.select_folder(config.folder)
        self.uidvalidity = int(selected[b"UIDVALIDITY"])
        self.uidnext = int(selected.get(b"UIDNEXT", 1))
        capabilities = client.capabilities()
        self.can_idle = b"IDLE" in capabilities
        self.can_move = b"MOVE" in capabilities

    @property
    def _client(self) -> IMAPClient:
        if self.client is None:
            raise ConnectionError("not connected")
        return self.client

    def new_uids(self, after: int) -> list[int]:
        """UIDs above `after`, oldest first ("N:*" always matches the newest, even below N)."""
        found = self._client.search(["UID", f"{after + 1}:*"])
        return sorted(uid for uid in found if uid > after)

    def fetch(self, uid: int) -> bytes | None:
        """The whole message without setting \\Seen (BODY.PEEK); None if it is gone."""
        response = self._client.fetch([uid], ["BODY.PEEK[]"])
        data = response.get(uid, {})
        raw = data.get(BODY)
        return bytes(raw) if raw is not None else None

    def size(self, uid: int) -> int | None:
        response = self._client.fetch([uid], ["RFC822.SIZE"])
        size = response.get(uid, {}).get(b"RFC822.SIZE")
        return int(size) if size is not None else None

    def move(self, uid: int, folder: str) -> None:
        client = self._client
        if self.can_move:
            client.move([uid], folder)
            return
        client.copy([uid], folder)
        client.delete_messages([uid])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge([uid])
        else:
            client.expunge()

    def wait(self, seconds: float) -> None:
        """Returns when the folder changes (IDLE) or after `seconds`; without IDLE, a NOOP."""
        client = self._client
        if not self.can_idle:
            client.noop()
            return
        client.idle()
        try:
            client.idle_check(timeout=seconds)
        finally:
            client.idle_done()

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.logout()
            self.client = None

    def abort(self) -> None:
        """From another thread: breaks a blocking read (IDLE) so its thread can finish."""
        if self.client is not None:
            with contextlib.suppress(OSError):
                self.client.socket().shutdown(socket.SHUT_RDWR)
