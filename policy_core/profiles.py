"""A policy profile: one version of the policy as data (config/policies/NAME.toml).
Reading the files is the gateway's job (gateway/profiles.py); this module only parses text."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from policy_core.calendar import WorkingDays, supported_regions


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VolumeThresholds(Strict):
    """Contacts from one customer, all channels together, that raise `excessive_volume`."""

    hour: int = Field(gt=0)
    day: int = Field(gt=0)
    week: int = Field(gt=0)

    @model_validator(mode="after")
    def _widening(self) -> VolumeThresholds:
        if not self.hour <= self.day <= self.week:
            raise ValueError("must satisfy hour <= day <= week")
        return self


class ScattergunThreshold(Strict):
    channels: int = Field(ge=2)
    window_minutes: int = Field(gt=0)


class RepeatedComplaintThreshold(Strict):
    similarity: float = Field(gt=0, le=100)  # rapidfuzz score, 0-100
    days: int = Field(gt=0)
    min_length: int = Field(default=40, ge=0)


class Thresholds(Strict):
    volume: VolumeThresholds
    scattergun: ScattergunThreshold
    repeated_complaint: RepeatedComplaintThreshold


class Profile(Strict):
    name: str
    title: str
    appeal_request_working_days: int = Field(gt=0)
    appeal_decision_working_days: int = Field(gt=0)
    reviewer: str
    restriction_months: int = Field(default=12, gt=0)
    bank_holiday_country: str = "GB"
    bank_holiday_region: str = "ENG"
    thresholds: Thresholds
    safety_words: tuple[str, ...] = Field(min_length=1)
    abusive_words: tuple[str, ...] = ()
    protected_destinations: tuple[str, ...] = ()
    retention_days: int = Field(gt=0)
    notices_per_sender_per_day: int = Field(default=1, ge=0)

    @property
    def working_days(self) -> WorkingDays:
        """The working-day calendar of the profile's bank-holiday region."""
        return WorkingDays(self.bank_holiday_country, self.bank_holiday_region)

    @field_validator("safety_words", "abusive_words", "protected_destinations")
    @classmethod
    def _lower(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(w.strip().lower() for w in words)
        if any(not w for w in cleaned):
            raise ValueError("an entry is empty")
        return cleaned

    @field_validator("bank_holiday_country")
    @classmethod
    def _known_country(cls, country: str) -> str:
        if supported_regions(country) is None:
            raise ValueError(f"no bank-holiday calendar for country {country!r} (e.g. 'GB')")
        return country

    @field_validator("bank_holiday_region")
    @classmethod
    def _known_region(cls, region: str, info: ValidationInfo) -> str:
        regions = supported_regions(info.data.get("bank_holiday_country", ""))
        if regions is not None and region not in (*regions, ""):
            raise ValueError(f"unknown region {region!r}; known: {', '.join(regions)}")
        return region


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the key."""


def word_list(text: str) -> tuple[str, ...]:
    """One word or phrase a line; blank lines and `#` comments ignored; lower-cased."""
    lines = (line.strip() for line in text.splitlines())
    return tuple(line.lower() for line in lines if line and not line.startswith("#"))


WORD_KEYS = ("safety_words", "abusive_words")


def word_file_names(data: Mapping[str, Any]) -> dict[str, str]:
    """The word lists a parsed profile takes from files: {key: NAME} for `key = "file:NAME"`."""
    return {
        key: value[len("file:") :]
        for key in WORD_KEYS
        if isinstance(value := data.get(key), str) and value.startswith("file:")
    }


def parse_profile(text: str, *, source: str, word_files: Mapping[str, str]) -> Profile:
    """Reads a profile's TOML. A word list is given inline or as `file:NAME`, NAME being a
    key of `word_files` (the texts of config/words/, read by the caller). Every error names
    `source` and the key, e.g. `derby.toml: thresholds.volume.hour: ...`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML: {exc}") from exc
    for key, name in word_file_names(data).items():
        if name not in word_files:
            raise ProfileError(f"{source}: {key}: no word list named {name!r}")
        data[key] = word_list(word_files[name])
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(p) for p in error["loc"]) or "(top level)"
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "extra_forbidden":
                message = "unknown key"
            problems.append(f"{key}: {message}")
        raise ProfileError(f"{source}: " + "; ".join(problems)) from exc
