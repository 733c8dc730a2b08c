"""The webhooks read a form body exactly as the standard library's `parse_qsl` does, and refuse
one that is not UTF-8 or has too many fields."""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.twilio.webhooks import MAX_FIELDS, Rejected, parse_form

text = st.text(st.characters(codec="utf-8"), max_size=12)
raw = st.text(st.sampled_from("ab=&+%25 %e2%82%ac%zz%4"), max_size=30)


def standard(body: bytes) -> list[tuple[str, str]] | None:
    try:
        return parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS,
            errors="strict",
        )  # fmt: skip
    except ValueError:
        return None


def ours(body: bytes) -> list[tuple[str, str]] | None:
    try:
        return parse_form(body)
    except Rejected:
        return None


@settings(max_examples=300)
@given(st.lists(st.tuples(text, text), max_size=8))
def test_reads_encoded_fields_as_parse_qsl(fields: list[tuple[str, str]]) -> None:
    for body in (urlencode(fields).encode(), urlencode(fields, quote_via=quote).encode()):
        assert ours(body) == standard(body) == [(n, v) for n, v in fields]


@settings(max_examples=500)
@given(st.one_of(raw.map(str.encode), st.binary(max_size=30)))
def test_reads_any_body_as_parse_qsl(body: bytes) -> None:
    assert ours(body) == standard(body)


@pytest.mark.parametrize("fields", [MAX_FIELDS - 1, MAX_FIELDS, MAX_FIELDS + 1])
def test_refuses_too_many_fields_as_parse_qsl(fields: int) -> None:
    body = "&".join(["a=1"] * fields).encode()
    assert ours(body) == standard(body)
    assert (ours(body) is None) == (fields > MAX_FIELDS)
