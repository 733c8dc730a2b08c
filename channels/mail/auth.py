"""How an e-mail's sender was authenticated: the DKIM, SPF and DMARC results, and whether they
prove the From address (`authenticated`).

The From domain is proven, as DMARC counts it (RFC 7489), by a passing DKIM signature whose
d= domain is aligned with it, or a passing SPF check of an aligned MAIL FROM domain: aligned
means the same organizational domain (relaxed, the default), or the very same domain where
the domain's DMARC record asks for strict alignment. The results are either the gateway's own
(channels/mail/verify.py) or read from an `Authentication-Results` header stamped by a trusted
upstream (Google, say), named by its authserv-id; a header with any other authserv-id is
ignored, since anyone can write one."""

from __future__ import annotations

import email.parser
import email.policy
import functools
from dataclasses import asdict, dataclass, field
from typing import Any

import authres
from publicsuffixlist import PublicSuffixList

UNKNOWN = "none"
MAX_RESULTS_HEADERS = 20  # Authentication-Results fields read, from the top


@dataclass(frozen=True)
class SenderAuth:
    dkim: str = UNKNOWN  # pass, fail, none, neutral, temperror, permerror (RFC 8601 words)
    spf: str = UNKNOWN
    dmarc: str = UNKNOWN
    by: str = "gateway"  # who checked: "gateway", or the trusted upstream's authserv-id
    from_domain: str = ""
    dkim_domains: tuple[str, ...] = ()  # the d= domain of every passing signature
    spf_domain: str = ""  # the MAIL FROM (else HELO) domain SPF checked
    strict: tuple[bool, bool] = (False, False)  # DMARC's adkim=s, aspf=s
    authenticated: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "authenticated", self._proven())

    def _proven(self) -> bool:
        if self.dmarc == "pass":
            return True
        if self.dmarc == "fail" or not self.from_domain:
            return False
        by_dkim = self.dkim == "pass" and any(
            aligned(d, self.from_domain, strict=self.strict[0]) for d in self.dkim_domains
        )
        by_spf = self.spf == "pass" and aligned(
            self.spf_domain, self.from_domain, strict=self.strict[1]
        )
        return by_dkim or by_spf

    def evidence(self) -> dict[str, Any]:
        """For the contact's record (`Contact.raw["sender_auth"]`): domains, no addresses."""
        found = asdict(self)
        found.pop("strict")
        found["dkim_domains"] = list(self.dkim_domains)
        return found


@functools.cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package ships: nothing fetched at run time


def org_domain(domain: str) -> str:
    """The organizational domain (example.co.uk for mail.example.co.uk)."""
    domain = domain.strip().rstrip(".").lower()
    return _suffixes().privatesuffix(domain) or domain


def aligned(domain: str, from_domain: str, *, strict: bool = False) -> bool:
    domain, from_domain = domain.strip().rstrip(".").lower(), from_domain.strip().lower()
    if not domain or not from_domain:
        return False
    if strict or domain == from_domain:
        return domain == from_domain
    return org_domain(domain) == org_domain(from_domain)


def domain_of(address: str | None) -> str:
    return (address or "").strip().strip("<>").rpartition("@")[2].rstrip(".").lower()


def results_headers(raw: bytes) -> list[str]:
    """The Authentication-Results fields, top first (the last hop's own comes first)."""
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    values = parser.parsebytes(raw).get_all("Authentication-Results") or []
    return [str(v) for v in values[:MAX_RESULTS_HEADERS]]


def from_upstream(raw: bytes, trusted: list[str], from_domain: str) -> SenderAuth | None:
    """The results of the first Authentication-Results field whose authserv-id is trusted;
    None when there is none (untrusted ones are ignored, unreadable ones skipped)."""
    wanted = {t.strip().lower() for t in trusted if t.strip()}
    if not wanted:
        return None
    for value in results_headers(raw):
        try:
            header = authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
        except Exception:  # authres raises its own SyntaxError, or worse, on junk
            continue
        by = str(header.authserv_id or "").lower()
        if by in wanted:
            return _read(header, by, from_domain)
    return None


def _read(header: Any, by: str, from_domain: str) -> SenderAuth:
    found: dict[str, str] = {}
    dkim_domains: list[str] = []
    spf_domain = ""
    for result in header.results:
        method, outcome = str(result.method).lower(), str(result.result).lower()
        props = {f"{p.type}.{p.name}".lower(): str(p.value) for p in result.properties}
        if method == "dkim":
            if outcome == "pass":
                signer = props.get("header.d") or domain_of(props.get("header.i"))
                dkim_domains.append(signer.lower())
            if found.get("dkim") != "pass":
                found["dkim"] = outcome
        elif method == "spf" and "spf" not in found:
            found["spf"] = outcome
            spf_domain = domain_of(props.get("smtp.mailfrom") or props.get("smtp.helo"))
        elif method == "dmarc" and "dmarc" not in found:
            # only a verdict on this message's own From domain
            if props.get("header.from", from_domain).lower() == from_domain:
                found["dmarc"] = outcome
    return SenderAuth(
        dkim=found.get("dkim", UNKNOWN), spf=found.get("spf", UNKNOWN),
        dmarc=found.get("dmarc", UNKNOWN), by=by, from_domain=from_domain,
        dkim_domains=tuple(d for d in dkim_domains if d), spf_domain=spf_domain,
    )  # fmt: skip
