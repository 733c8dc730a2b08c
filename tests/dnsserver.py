"""A stand-in for the internet's DNS: a small UDP server on a free loopback port, answering
from a table the test fills (TXT records: DKIM keys, SPF and DMARC policies), NXDOMAIN for
anything else. Built on dnspython's own message code.

    with DnsServer() as dns:
        dns.txt("sel._domainkey.example.org", "v=DKIM1; k=rsa; p=...")
        section["dns_servers"] = [dns.address]          # 127.0.0.1:PORT

Every `serve` a test starts with an [smtp] or [imap] section asks `shared()` (empty) unless
the test names its own, so no test's mail reaches the real DNS."""

from __future__ import annotations

import socket
import threading
from types import TracebackType

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class DnsServer:
    def __init__(self) -> None:
        self.records: dict[tuple[str, str], list[str]] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.address = f"127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def txt(self, name: str, *values: str) -> None:
        self.records[(name.lower().rstrip("."), "TXT")] = list(values)

    def start(self) -> DnsServer:
        self._thread = threading.Thread(target=self._serve, name="dns-stand-in", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.sock.close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _serve(self) -> None:
        while True:
            try:
                data, client = self.sock.recvfrom(4096)
            except OSError:
                return  # closed
            try:
                self.sock.sendto(self._answer(data), client)
            except Exception:  # a query we cannot read: no answer, as a real server may
                continue

    def _answer(self, data: bytes) -> bytes:
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        kind = dns.rdatatype.to_text(question.rdtype)
        values = self.records.get((name, kind))
        if values:
            quoted = [_quoted(v) for v in values]
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", kind, *quoted))
        elif not any(n == name for n, _ in self.records):
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _quoted(value: str) -> str:
    """A TXT value as zone text: strings of at most 255 characters, each quoted."""
    parts = [value[i : i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in parts)


_SHARED: DnsServer | None = None
_LOCK = threading.Lock()


def shared() -> DnsServer:
    """One empty stand-in for the whole test run: every name is unknown."""
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            _SHARED = DnsServer().start()
        return _SHARED
