"""What the [smtp] and [imap] sections say about sender authentication, and the one call the
mail channels make: `Authenticator.check` (a trusted upstream's results, else the gateway's
own)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator

from channels.mail.auth import SenderAuth, domain_of, from_upstream

if TYPE_CHECKING:
    from channels.mail.verify import Seen, Verifier


class SenderAuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The authserv-ids whose Authentication-Results header is believed (the first word of
    # the header, as the upstream stamps it: "mx.google.com" for Google). Any other is ignored.
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    # HOST or HOST:PORT of the DNS servers the gateway's own checks ask; empty: the system's.
    dns_servers: list[str] = Field(default_factory=list)
    dns_timeout_seconds: float = Field(default=5.0, gt=0)

    @field_validator("dns_servers")
    @classmethod
    def _readable(cls, value: list[str]) -> list[str]:
        if len({port for _, port in map(split_server, value)}) > 1:
            raise ValueError("dns_servers: give every server the same port")
        return value

    def nameservers(self) -> tuple[list[str], int]:
        """The DNS servers' addresses and their one port (53 unless given)."""
        servers = [split_server(s) for s in self.dns_servers]
        return [host for host, _ in servers], servers[0][1] if servers else 53


def split_server(server: str) -> tuple[str, int]:
    """HOST, HOST:PORT, or [IPv6]:PORT, as (host, port)."""
    server = server.strip()
    if server.startswith("["):
        host, _, port = server[1:].partition("]")
        port = port.removeprefix(":")
    elif server.count(":") == 1:
        host, _, port = server.partition(":")
    else:
        host, port = server, ""
    if not host or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        raise ValueError(f"dns_servers: {server!r} is not HOST, HOST:PORT or [IPv6]:PORT")
    return host, int(port or 53)


class Authenticator:
    def __init__(self, settings: SenderAuthSettings) -> None:
        from channels.mail.verify import Verifier  # pyspf is loaded only by a mail channel

        self.settings = settings
        self.verifier: Verifier = Verifier(settings)

    async def check(self, raw: bytes, from_address: str | None, seen: Seen) -> SenderAuth:
        trusted = self.settings.trusted_authserv_ids
        upstream = from_upstream(raw, trusted, domain_of(from_address))
        if upstream is not None:
            return upstream
        return await self.verifier.verify(raw, from_address, seen)
