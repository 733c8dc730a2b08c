"""What every flag notifier (Slack, e-mail) tells the case officer about one flag: the
customer, the case and its officer, a link to the case page, and the evidence as counts,
channels and rule hits. Message bodies never leave the gateway in a flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from gateway.store.base import StoredFlag
from policy_core.cases import Case, CaseState
from policy_core.models import Action, Channel, FlagKind, Officer

if TYPE_CHECKING:
    from gateway.runtime import Gateway

FLAG_TITLES: Mapping[FlagKind, str] = {
    FlagKind.excessive_volume: "Excessive volume of contact",
    FlagKind.scattergun: "Scattergun contact on several channels",
    FlagKind.repeated_complaint: "Repeated complaint",
    FlagKind.abusive_language: "Abusive or threatening language",
    FlagKind.restriction_breach: "Contact on a refused channel",
    FlagKind.emergency_override: "Emergency route used by a restricted customer",
}
# Words a flag's evidence may show as they are: channels, actions, kinds, windows.
_WORDS = frozenset({"hour", "day", "week"}).union(Channel, Action, FlagKind)
# Keys whose short values are labels (rule names, ids), not anything a customer wrote.
_TEXT_KEYS = frozenset(
    {"window", "rule", "rules", "overridden_rule", "channel", "channels", "kind", "action",
     "instead_of", "restriction_id", "threshold"}
)  # fmt: skip
MAX_TEXT = 80


@dataclass(frozen=True)
class FlagReport:
    flag: StoredFlag
    case: Case | None
    case_url: str | None
    evidence: tuple[tuple[str, str], ...]
    rule_hits: tuple[str, ...]

    @property
    def title(self) -> str:
        return FLAG_TITLES.get(self.flag.kind, self.flag.kind.value.replace("_", " ").capitalize())

    @property
    def officer(self) -> Officer | None:
        return self.case.officer if self.case is not None else None

    @property
    def customer_ref(self) -> str:
        return self.flag.customer_key

    @property
    def raised_on(self) -> str:
        return self.flag.on.strftime("%A %-d %B %Y")


async def describe_flag(gateway: Gateway, flag: StoredFlag) -> FlagReport:
    """The report for one flag, read from the store (off the hot path)."""
    case = current_case(await gateway.store.list_cases(customer_ref=flag.customer_key))
    url = None
    if case is not None:
        base = gateway.settings.http.public_url.rstrip("/")
        url = f"{base}/cases/{quote(case.id, safe='')}"
    hits: tuple[str, ...] = ()
    if flag.contact_id is not None:
        for stored in await gateway.store.contacts(flag.customer_key, limit=100):
            if flag.contact_id in (stored.contact_id, stored.id):
                hits = tuple(_hit(r.rule, r.action, r.detail) for r in stored.decision.reasons)
                break
    return FlagReport(flag, case, url, safe_evidence(flag.flag.evidence), hits)


def current_case(cases: list[Case]) -> Case | None:
    """The customer's open case (the latest one when several are open), else the latest."""

    def latest(case: Case) -> dt.date:
        return case.restricted_on or case.warned_on or dt.date.min

    open_cases = [c for c in cases if c.state is not CaseState.closed]
    pool = open_cases or cases
    return max(pool, key=latest) if pool else None


def safe_evidence(evidence: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """Counts, channel names and short labels only; any free text (which could quote a
    message) is left out."""
    lines: list[tuple[str, str]] = []
    for key, value in sorted(evidence.items()):
        shown = _shown(key, value)
        if shown is not None:
            lines.append((key.replace("_", " "), shown))
    return tuple(lines)


def _shown(key: str, value: Any) -> str | None:
    if isinstance(value, bool | int | float):
        return str(value)
    if isinstance(value, str):
        if value in _WORDS or (key in _TEXT_KEYS and len(value) <= MAX_TEXT and "\n" not in value):
            return value
        return None
    if isinstance(value, list | tuple | set | frozenset):
        items = [str(v) for v in value]
        if items and all(i in _WORDS or _number(i) for i in items):
            return ", ".join(sorted(items))
        return None
    if isinstance(value, Mapping):
        parts = [f"{k}: {v}" for k, v in sorted(value.items()) if isinstance(v, int | float)]
        return ", ".join(parts) if parts and len(parts) == len(value) else None
    return None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _hit(rule: str, action: Any, detail: str) -> str:
    text = rule if action is None else f"{rule} ({action})"
    if detail and len(detail) <= MAX_TEXT and "\n" not in detail:
        text += f": {detail}"
    return text
