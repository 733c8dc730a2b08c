"""Who a contact is from, normalized so that every way of writing one address matches:
e-mail lower-cased with an IDNA domain, phone numbers in E.164, Slack users as TEAM/USER."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import phonenumbers
from pydantic import BaseModel, ConfigDict, model_validator

DEFAULT_REGION = "GB"


class IdentityKind(StrEnum):
    email = "email"
    phone = "phone"
    slack = "slack"


class IdentityError(ValueError):
    """An address that cannot be read as the kind it claims to be."""


def normalize_email(raw: str) -> str:
    text = raw.strip().strip("<>").strip()
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain or " " in text:
        raise IdentityError(f"not an e-mail address: {raw!r}")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise IdentityError(f"not an e-mail domain: {domain!r}") from exc
    return f"{local.lower()}@{ascii_domain.lower()}"


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    text = raw.strip()
    digits = text.lstrip("+")
    # "447700900123" (no plus) is how some systems write an international number.
    if not text.startswith(("+", "0")) and digits.isdigit() and len(digits) > 10:
        text = "+" + digits
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise IdentityError(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise IdentityError(f"not a possible phone number: {raw!r}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_slack(raw: str) -> str:
    text = raw.strip()
    if text.startswith("slack:"):
        text = text[len("slack:") :]
    team, slash, user = text.partition("/")
    if not slash or not team or not user or " " in text:
        raise IdentityError(f"not a Slack identity (TEAM/USER): {raw!r}")
    return f"{team.upper()}/{user.upper()}"


class Identity(BaseModel):
    """One normalized address. `key` ("phone:+447700900123") is how stores index it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: IdentityKind
    value: str

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        if isinstance(data, str):
            kind, sep, value = data.partition(":")
            if not sep:
                raise IdentityError(f"an identity is written KIND:VALUE, not {data!r}")
            data = {"kind": kind, "value": value}
        if isinstance(data, dict) and "kind" in data and "value" in data:
            kind = IdentityKind(data["kind"])
            region = data.get("region", DEFAULT_REGION)
            data = {"kind": kind, "value": normalize(kind, str(data["value"]), region)}
        return data

    @classmethod
    def of(cls, kind: IdentityKind | str, value: str, region: str = DEFAULT_REGION) -> Identity:
        return cls.model_validate({"kind": kind, "value": value, "region": region})

    @classmethod
    def guess(cls, text: str, region: str = DEFAULT_REGION) -> Identity:
        """Reads an address typed by a person: `kind:value`, an e-mail, or a phone number."""
        text = text.strip()
        head, sep, _ = text.partition(":")
        if sep and head in IdentityKind.__members__:
            return cls.model_validate(text)
        if "@" in text:
            return cls.of(IdentityKind.email, text)
        return cls.of(IdentityKind.phone, text, region)

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.value}"

    def __str__(self) -> str:
        return self.key


def normalize(kind: IdentityKind, raw: str, region: str = DEFAULT_REGION) -> str:
    if kind is IdentityKind.email:
        return normalize_email(raw)
    if kind is IdentityKind.phone:
        return normalize_phone(raw, region)
    return normalize_slack(raw)
