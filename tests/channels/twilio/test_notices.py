"""Every notice the Twilio channel can send fits its medium: an SMS in two GSM-7 segments
(306 characters, no character that would force UCS-2), a spoken notice and the emergency
option together in under 30 seconds (about 75 words)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from gateway.notices import TEMPLATES_DIR, NoticeRenderer
from gateway.settings import load_settings
from policy_core.chain import CHAIN
from policy_core.models import RESTRICTION_KINDS, Channel, Notice

ROOT = Path(__file__).resolve().parents[3]
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")  # two septets each
SMS_LIMIT = 306
SPOKEN_WORDS = 75


def notice_keys() -> list[str]:
    """Every key the policy refuses with, and every key a landlord has a template for."""
    keys = {link.notice or link.rule.name for link in CHAIN} | {"restricted"}
    names = (p.name.split(".")[0] for p in (TEMPLATES_DIR / "notices").glob("*.txt"))
    return sorted(keys | set(names) - {"emergency_prompt"})


def all_facts() -> list[dict[str, object]]:
    """The longest facts each kind of refusal can carry."""
    base = {
        "ends_on": "2027-09-30",
        "officer_name": "Josephine Fitzgerald-Smythe",
        "next_window": "2026-11-25T10:00:00+00:00",
        "representatives": [{"name": "Alexandra Richardson", "role": "solicitor"}],
        "postal_address": "Derby Homes, Council House, Corporation Street, Derby DE1 2FS",
    }
    return [
        {**base, "kind": kind, "kinds": [kind], "appeal_open": appeal}
        for kind, appeal in itertools.product(RESTRICTION_KINDS, (False, True))
    ]


@pytest.fixture(scope="module")
def renderer() -> NoticeRenderer:
    return NoticeRenderer(load_settings(ROOT / "config" / "demo.toml").organisation)


def septets(text: str) -> int:
    return sum(2 if c in GSM7_EXTENDED else 1 for c in text)


@pytest.mark.parametrize("key", notice_keys())
def test_every_sms_notice_fits_two_gsm7_segments(renderer: NoticeRenderer, key: str) -> None:
    for facts in all_facts():
        text = renderer.render(Notice(key=key, facts=facts), Channel.sms)
        assert set(text) <= GSM7 | GSM7_EXTENDED, set(text) - GSM7 - GSM7_EXTENDED
        assert septets(text) <= SMS_LIMIT, (len(text), text)
        assert "+441332000999" in text, "the emergency number is always given"


@pytest.mark.parametrize("key", notice_keys())
def test_every_spoken_notice_lasts_under_30_seconds(renderer: NoticeRenderer, key: str) -> None:
    prompt = renderer.render(Notice(key="emergency_prompt"), Channel.phone)
    assert "press 1" in prompt
    for facts in all_facts():
        text = renderer.render(Notice(key=key, facts=facts), Channel.phone)
        words = len(text.split()) + len(prompt.split())
        assert words <= SPOKEN_WORDS, (words, text)
        assert "appeal" in text
