"""A Dovecot IMAP server of our own for tests: its own configuration, base_dir and maildirs in
a fresh temporary directory, plain-text passwords, no TLS, on a free loopback port.

    with DovecotServer(users={"inbox@landlord.example": "secret"}) as imap:
        imap.append("inbox@landlord.example", raw_message)
        imap.messages("inbox@landlord.example", "Restricted")
        imap.stop(); imap.start()          # the same port and the same mail again

Dovecot refuses to give mail to uid 0, so under root the mail belongs to `nobody`; otherwise
everything runs as the current user. `make test` installs dovecot-imapd when missing."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

from tests.servers import free_port, wait_for_port

DOVECOT = Path("/usr/sbin/dovecot")

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def available() -> bool:
    return DOVECOT.exists()


class DovecotServer:
    def __init__(self, users: Mapping[str, str], port: int | None = None) -> None:
        self.users = dict(users)
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="cg-dovecot-"))
        self.process: subprocess.Popen[bytes] | None = None
        account = pwd.getpwnam("nobody") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self.uid, self.gid = account.pw_uid, account.pw_gid
        self.user, self.group = account.pw_name, grp.getgrgid(account.pw_gid).gr_name
        self._configure()

    def _configure(self) -> None:
        self.root.chmod(0o755)
        for name in ("run", "state", "mail", "home"):
            (self.root / name).mkdir(exist_ok=True)
        for name in ("mail", "home"):
            os.chown(self.root / name, self.uid, self.gid)
        passwd = "".join(
            f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self.users.items()
        )
        (self.root / "passwd").write_text(passwd, encoding="utf-8")
        config = CONFIG.format(
            root=self.root, port=self.port, uid=self.uid, gid=self.gid,
            user=self.user, group=self.group,
        )  # fmt: skip
        (self.root / "dovecot.conf").write_text(config, encoding="utf-8")

    def start(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            return
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self.root / "dovecot.conf")],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends every child too
        )
        try:
            wait_for_port(self.port, timeout=timeout)
        except AssertionError as exc:
            self.stop()
            raise RuntimeError(f"dovecot did not start on port {self.port}:\n{self.log()}") from exc

    def stop(self) -> None:
        """Ends dovecot and every process it started, so each connection drops (a server
        restart); start() brings it back on the same port with the mail intact."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # the port is free again once the children are gone
            try:
                wait_for_port(self.port, timeout=0.1)
            except AssertionError:
                return
            time.sleep(0.05)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    @contextlib.contextmanager
    def client(self, user: str) -> Iterator[IMAPClient]:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        try:
            client.login(user, self.users[user])
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def append(self, user: str, message: bytes, folder: str = "INBOX") -> None:
        with self.client(user) as client:
            client.append(folder, message)

    def drop_unreadable(self, user: str, message: bytes) -> Path:
        """Puts a message straight into the user's INBOX maildir as a file the server cannot
        read (mode 000): on FETCH, Dovecot reports an internal error and drops the connection."""
        box = self.root / "mail" / user
        name = f"{time.time_ns()}.M1P{os.getpid()}.unreadable"
        (box / "tmp").mkdir(parents=True, exist_ok=True)
        temporary = box / "tmp" / name
        temporary.write_bytes(message)
        os.chown(temporary, self.uid, self.gid)
        temporary.chmod(0)
        os.replace(temporary, box / "new" / name)
        with self.client(user) as client:  # the server sees it now, so it gets the next UID
            client.select_folder("INBOX", readonly=True)
        return box / "new" / name

    def make_readable(self, user: str) -> None:
        for path in (self.root / "mail" / user).glob("*/*.unreadable*"):
            path.chmod(0o600)

    def folders(self, user: str) -> set[str]:
        with self.client(user) as client:
            return {name for _, _, name in client.list_folders()}

    def messages(self, user: str, folder: str = "INBOX") -> list[tuple[bytes, tuple[bytes, ...]]]:
        """Every message in a folder (empty when the folder does not exist) with its flags,
        read without marking anything \\Seen."""
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            if not uids:
                return []
            found = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])
            return [(found[uid][b"BODY[]"], found[uid][b"FLAGS"]) for uid in sorted(found)]

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> DovecotServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
