"""What people send: customers, identities, representatives, adjustments and restrictions as
typed into an import file or an API request. Structure is checked by pydantic; addresses are
normalized afterwards with the configured phone region (`to_customer(region)` and friends),
and every problem keeps its position (`customers[2].identities[0].value: not a phone number`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from policy_core.identities import Identity, IdentityError, IdentityKind
from policy_core.models import (
    Adjustment,
    ContactWindow,
    Customer,
    Officer,
    Representative,
    RepresentativeRole,
    Restriction,
)

Loc = tuple[str | int, ...]


class InputError(ValueError):
    """One or more problems, each at a position in what was sent."""

    def __init__(self, problems: Sequence[tuple[Loc, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{where(loc)}: {msg}" for loc, msg in self.problems))

    def within(self, *prefix: str | int) -> InputError:
        return InputError([((*prefix, *loc), msg) for loc, msg in self.problems])


def where(loc: Iterable[str | int]) -> str:
    """("customers", 2, "identities", 0, "value") -> "customers[2].identities[0].value"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def problems_of(exc: ValidationError, *prefix: str | int) -> list[tuple[Loc, str]]:
    """pydantic's errors as (position, message), without pydantic's own prefixes."""
    out = []
    for error in exc.errors():
        msg = str(error["msg"]).removeprefix("Value error, ")
        out.append(((*prefix, *error["loc"]), msg))
    return out


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityIn(Strict):
    kind: IdentityKind
    value: str = Field(min_length=1, examples=["07700 900123"])

    def to_identity(self, region: str) -> Identity:
        try:
            return Identity.of(self.kind, self.value, region)
        except (IdentityError, ValidationError) as exc:
            message = str(exc) if isinstance(exc, IdentityError) else problems_of(exc)[0][1]
            raise InputError([(("value",), message)]) from exc


def identities(
    items: Sequence[IdentityIn], region: str, *prefix: str | int
) -> tuple[Identity, ...]:
    found: list[Identity] = []
    problems: list[tuple[Loc, str]] = []
    for n, item in enumerate(items):
        try:
            found.append(item.to_identity(region))
        except InputError as exc:
            problems += exc.within(*prefix, n).problems
    if problems:
        raise InputError(problems)
    return tuple(found)


class RepresentativeIn(Strict):
    name: str = Field(min_length=1)
    role: RepresentativeRole = RepresentativeRole.other
    identities: list[IdentityIn] = Field(default_factory=list)

    def to_representative(self, region: str) -> Representative:
        found = identities(self.identities, region, "identities")
        return Representative(name=self.name, role=self.role, identities=found)


class CustomerIn(Strict):
    ref: str = Field(min_length=1, examples=["C-1001"])
    name: str = ""
    identities: list[IdentityIn] = Field(default_factory=list)
    representatives: list[RepresentativeIn] = Field(default_factory=list)
    adjustments: list[Adjustment] = Field(default_factory=list)
    vulnerability_notes: list[str] = Field(default_factory=list)

    def to_customer(self, region: str) -> Customer:
        problems: list[tuple[Loc, str]] = []
        own: tuple[Identity, ...] = ()
        representatives: list[Representative] = []
        try:
            own = identities(self.identities, region, "identities")
        except InputError as exc:
            problems += exc.problems
        for n, item in enumerate(self.representatives):
            try:
                representatives.append(item.to_representative(region))
            except InputError as exc:
                problems += exc.within("representatives", n).problems
        if problems:
            raise InputError(problems)
        return Customer(
            ref=self.ref,
            name=self.name,
            identities=_unique(own),
            representatives=tuple(representatives),
            adjustments=tuple(self.adjustments),
            vulnerability_notes=tuple(self.vulnerability_notes),
        )


def _unique(found: Iterable[Identity]) -> tuple[Identity, ...]:
    return tuple(dict.fromkeys(found))


RESTRICTIONS: TypeAdapter[Restriction] = TypeAdapter(Restriction)


class RestrictionIn(Strict):
    """One restriction as asked for; the lifecycle dates it when it is imposed."""

    kind: Literal[
        "letter_only",
        "phone_via_third_party",
        "single_point_of_contact",
        "appointment_only",
        "witness_required",
        "social_media",
    ]
    officer: Officer | None = Field(default=None, description="single_point_of_contact only")
    windows: list[ContactWindow] | None = Field(
        default=None, description="single_point_of_contact only"
    )
    office: str | None = Field(default=None, description="appointment_only only")
    level: Literal["restricted", "denied"] | None = Field(
        default=None, description="social_media only"
    )
    service_areas: list[str] = Field(default_factory=list)

    def to_restriction(self, starts_on: Any) -> Restriction:
        data = self.model_dump(exclude_none=True)
        try:
            return RESTRICTIONS.validate_python({**data, "starts_on": starts_on})
        except ValidationError as exc:
            # Drop the union's tag ("single_point_of_contact") from each position.
            raise InputError([(loc[1:], msg) for loc, msg in problems_of(exc)]) from exc


def restrictions(
    items: Sequence[RestrictionIn], starts_on: Any, *prefix: str | int
) -> list[Restriction]:
    found: list[Restriction] = []
    problems: list[tuple[Loc, str]] = []
    for n, item in enumerate(items):
        try:
            found.append(item.to_restriction(starts_on))
        except InputError as exc:
            problems += exc.within(*prefix, n).problems
    if problems:
        raise InputError(problems)
    return found
