"""Renders a decision's notice for one channel from config/templates/notices/, so a landlord
can reword every notice without touching code. Lookup order for a notice key K on channel C:
`K.C.txt`, `K.txt`, `restricted.C.txt`, `restricted.txt`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2

from gateway.settings import Organisation
from policy_core.models import Channel, Notice

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "config" / "templates"
LONDON_FORMAT = "%A %-d %B %Y"


def _long_date(value: Any) -> str:
    """'2027-03-14' -> 'Sunday 14 March 2027'; '2026-11-24T10:00:00+00:00' -> with the time."""
    if isinstance(value, str):
        try:
            value = (
                dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
            )
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%A %-d %B %Y at %H:%M").replace(" at 00:00", "")
    if isinstance(value, dt.date):
        return value.strftime(LONDON_FORMAT)
    return str(value)


class NoticeRenderer:
    def __init__(self, organisation: Organisation, templates_dir: Path = TEMPLATES_DIR) -> None:
        self.organisation = organisation
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir / "notices"),
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            undefined=jinja2.ChainableUndefined,
        )
        self.env.filters["long_date"] = _long_date

    def render(self, notice: Notice, channel: Channel) -> str:
        names = [
            f"{notice.key}.{channel.value}.txt",
            f"{notice.key}.txt",
            f"restricted.{channel.value}.txt",
            "restricted.txt",
        ]
        template = self.env.select_template(names)
        text = template.render(
            **notice.facts, notice=notice.key, channel=channel.value, org=self.organisation
        )
        # Templates are written for people; whitespace runs are collapsed for the wire.
        paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
        return "\n\n".join(p for p in paragraphs if p)
