"""The gateway's own check of a message's sender: DKIM (dkimpy), SPF (pyspf, when the client's
IP address is known: SMTP, not IMAP) and DMARC alignment of the two with the From domain
(channels/mail/auth.py). DNS goes through one resolver the settings name (`dns_servers`), or
the system's; a DNS failure gives temperror, which proves nothing."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from dataclasses import dataclass

import dkim
import dns.exception
import dns.resolver
import spf

from channels.mail.auth import UNKNOWN, SenderAuth, aligned, domain_of, org_domain
from channels.mail.auth_settings import SenderAuthSettings

log = logging.getLogger("contact_gateway.mail")
MAX_SIGNATURES = 5  # DKIM signatures tried per message
_RESOLVER: contextvars.ContextVar[dns.resolver.Resolver] = contextvars.ContextVar("resolver")


def resolver_for(settings: SenderAuthSettings) -> dns.resolver.Resolver:
    if not settings.dns_servers:
        resolver = dns.resolver.Resolver()  # the system's (/etc/resolv.conf)
    else:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = settings.nameservers()
    resolver.lifetime = resolver.timeout = settings.dns_timeout_seconds
    return resolver


def _txt(name: bytes | str, timeout: float = 5) -> bytes | None:
    """dkimpy's dnsfunc: the first TXT record of `name`, through the configured resolver."""
    resolver = _RESOLVER.get()
    qname = name.decode("ascii", "replace") if isinstance(name, bytes) else name
    try:
        answer = resolver.resolve(qname, "TXT", raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoNameservers):
        return None
    except dns.exception.Timeout as exc:
        raise dkim.DnsTimeoutError(str(exc)) from exc
    except (dns.exception.DNSException, ValueError):  # not a name DNS can hold: no record
        return None
    for rrset in answer.response.answer:
        for item in rrset:
            return b"".join(getattr(item, "strings", ()))
    return None


def _spf_lookup(
    name: str, qtype: str, strict: object = True, timeout: float = 20
) -> list[tuple[tuple[str, str], object]]:
    """pyspf's DNS hook, answered through the configured resolver (as pyspf's own does)."""
    found: list[tuple[tuple[str, str], object]] = []
    try:
        for item in _RESOLVER.get().resolve(name, qtype):
            if qtype in ("A", "AAAA"):
                found.append(((name, qtype), item.address))
            elif qtype == "MX":
                found.append(((name, qtype), (item.preference, item.exchange)))
            elif qtype == "PTR":
                found.append(((name, qtype), item.target.to_text(True)))
            elif qtype in ("TXT", "SPF"):
                found.append(((name, qtype), item.strings))
    except (dns.resolver.NoAnswer, dns.resolver.NXDOMAIN):
        pass
    except (dns.exception.Timeout, dns.resolver.NoNameservers) as exc:
        raise spf.TempError(f"DNS {exc}") from exc
    except (dns.exception.DNSException, ValueError):  # not a name DNS can hold: no records
        pass
    return found


spf.DNSLookup = _spf_lookup  # pyspf's one module-level DNS hook (it swaps pydns and dnspython)


@dataclass(frozen=True)
class Seen:
    """What the gateway saw of the message's transport."""

    mail_from: str | None  # the envelope sender ("" or None for a bounce)
    peer: str | None = None  # the SMTP client's IP address
    helo: str | None = None


class Verifier:
    def __init__(self, settings: SenderAuthSettings) -> None:
        self.resolver = resolver_for(settings)

    async def verify(self, raw: bytes, from_address: str | None, seen: Seen) -> SenderAuth:
        return await asyncio.to_thread(self._verify, raw, domain_of(from_address), seen)

    def _verify(self, raw: bytes, from_domain: str, seen: Seen) -> SenderAuth:
        _RESOLVER.set(self.resolver)  # this thread's own context (asyncio.to_thread copies it)
        dkim_result, dkim_domains = self._dkim(raw)
        spf_result, spf_domain = self._spf(seen)
        dmarc, strict = self._dmarc(from_domain, dkim_domains, spf_result, spf_domain)
        return SenderAuth(
            dkim=dkim_result, spf=spf_result, dmarc=dmarc, from_domain=from_domain,
            dkim_domains=dkim_domains, spf_domain=spf_domain, strict=strict,
        )  # fmt: skip

    def _dkim(self, raw: bytes) -> tuple[str, tuple[str, ...]]:
        try:
            checker = dkim.DKIM(raw)
            count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
        except Exception:  # a message dkimpy cannot read has no signature it can check
            return UNKNOWN, ()
        if count == 0:
            return UNKNOWN, ()
        result, passed = "fail", []
        for index in range(min(count, MAX_SIGNATURES)):
            try:
                if checker.verify(idx=index, dnsfunc=_txt):
                    passed.append(checker.domain.decode("ascii", "replace").lower())
            except dkim.DnsTimeoutError:
                result = "temperror" if not passed else result
            except Exception:  # dkim.DKIMException and parse errors: that signature fails
                continue
        return ("pass" if passed else result), tuple(passed)

    def _spf(self, seen: Seen) -> tuple[str, str]:
        if not seen.peer:
            return UNKNOWN, ""
        helo = seen.helo or ""
        domain = domain_of(seen.mail_from) or helo.lower()
        try:
            result, _ = spf.check2(i=seen.peer, s=seen.mail_from or "", h=helo, querytime=10)
        except Exception:  # an address or name pyspf cannot take
            return "permerror", domain
        return str(result), domain

    def _dmarc(
        self, from_domain: str, dkim_domains: tuple[str, ...], spf_result: str, spf_domain: str
    ) -> tuple[str, tuple[bool, bool]]:
        """The DMARC result (none without a record) and its strict-alignment choices."""
        if not from_domain:
            return "permerror", (False, False)
        record = None
        for domain in dict.fromkeys((from_domain, org_domain(from_domain))):
            try:
                text = _txt(f"_dmarc.{domain}")
            except dkim.DnsTimeoutError:
                return "temperror", (False, False)
            if text is not None and text.startswith(b"v=DMARC1"):
                record = text.decode("ascii", "replace")
                break
        if record is None:
            return UNKNOWN, (False, False)
        tags = dict(part.strip().partition("=")[::2] for part in record.split(";") if "=" in part)
        strict = (tags.get("adkim", "r").strip() == "s", tags.get("aspf", "r").strip() == "s")
        by_dkim = any(aligned(d, from_domain, strict=strict[0]) for d in dkim_domains)
        by_spf = spf_result == "pass" and aligned(spf_domain, from_domain, strict=strict[1])
        return ("pass" if by_dkim or by_spf else "fail"), strict
