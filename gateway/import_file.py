"""The import file's format (`contact-gateway import FILE.json`), checked whole by pydantic:

    {"customers": [{"ref": "C-1001", "name": "...", "identities": [{"kind": "email", "value": ...}],
                    "representatives": [...], "adjustments": [{"channel": "phone", "note": ...}]}],
     "cases": [{"id": "K-1", "customer_ref": "C-1001", "officer": {...}, "reason": "...",
                "warned_on": "2026-09-01", "restricted_on": "2026-10-01",
                "restrictions": [{"kind": "letter_only"}], "appeal_lodged_on": null}]}

A case is built through the lifecycle (actor "import"), so it has its events, dates and
review deadline as if each step had been taken in the gateway."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import Field, ValidationError

from gateway.inputs import CustomerIn, InputError, Loc, RestrictionIn, Strict, problems_of
from gateway.inputs import restrictions as restrictions_in
from policy_core import lifecycle
from policy_core.cases import Case
from policy_core.models import Officer
from policy_core.profiles import Profile

ACTOR = "import"


class CaseIn(Strict):
    """A case as it stands in the landlord's old system: the dates of the steps taken."""

    id: str = Field(min_length=1)
    customer_ref: str = Field(min_length=1)
    officer: Officer | None = None
    reason: str = "concern recorded before import"
    concern_on: dt.date | None = None
    warned_on: dt.date | None = None
    warning_reason: str = "warning sent before import"
    restricted_on: dt.date | None = None
    restriction_reason: str = "restrictions imposed before import"
    skip_warning_reason: str | None = None
    restrictions: list[RestrictionIn] = Field(default_factory=list)
    appeal_lodged_on: dt.date | None = None
    appeal_reason: str = "appeal lodged before import"

    def build(self, profile: Profile) -> Case:
        """The case through the lifecycle; InputError (at this row) when a step cannot be."""
        dates = [d for d in (self.concern_on, self.warned_on, self.restricted_on) if d]
        if not dates:
            raise InputError(
                [(("concern_on",), "a case needs concern_on, warned_on or restricted_on")]
            )
        if self.restrictions and self.restricted_on is None:
            raise InputError([(("restricted_on",), "restrictions are given without restricted_on")])
        try:
            case = lifecycle.record_concern(
                self.id, self.customer_ref, ACTOR, min(dates), self.reason, self.officer
            )
            if self.warned_on:
                case = lifecycle.warn(case, ACTOR, self.warned_on, self.warning_reason)
            if self.restricted_on:
                imposed = restrictions_in(self.restrictions, self.restricted_on, "restrictions")
                case = lifecycle.restrict(
                    case,
                    ACTOR,
                    self.restricted_on,
                    self.restriction_reason,
                    imposed,
                    self.skip_warning_reason,
                    profile=profile,
                )
            if self.appeal_lodged_on:
                case = lifecycle.lodge_appeal(
                    case, ACTOR, self.appeal_lodged_on, self.appeal_reason, profile=profile
                )
        except lifecycle.TransitionError as exc:
            raise InputError([((), str(exc))]) from exc
        return case


class Rows(Strict):
    customers: list[Any] = Field(default_factory=list)
    cases: list[Any] = Field(default_factory=list)


@dataclass
class ImportFile:
    """The rows that could be read, each with its position in the file, and the problems of
    those that could not (checked row by row, so that one bad row hides no other problem)."""

    customers: list[tuple[int, CustomerIn]] = field(default_factory=list)
    cases: list[tuple[int, CaseIn]] = field(default_factory=list)
    problems: list[tuple[Loc, str]] = field(default_factory=list)
    unread_refs: set[str] = field(default_factory=set)  # refs of customer rows not read


def parse(text: str) -> ImportFile:
    """The file's structure; InputError when it is not an import file at all."""
    try:
        rows = Rows.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise InputError([((), f"not valid JSON: {exc}")]) from exc
    except ValidationError as exc:
        raise InputError(problems_of(exc)) from exc
    out = ImportFile()
    for n, row in enumerate(rows.customers):
        try:
            out.customers.append((n, CustomerIn.model_validate(row)))
        except ValidationError as exc:
            out.problems += problems_of(exc, "customers", n)
            if isinstance(row, dict) and isinstance(row.get("ref"), str):
                out.unread_refs.add(row["ref"])
    for n, row in enumerate(rows.cases):
        try:
            out.cases.append((n, CaseIn.model_validate(row)))
        except ValidationError as exc:
            out.problems += problems_of(exc, "cases", n)
    return out
