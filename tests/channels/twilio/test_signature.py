"""The gateway's own signature check says exactly what the twilio library's validator says."""

from __future__ import annotations

import base64

from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator, get_signature_algorithm

from channels.twilio.signature import SignatureCheck, algorithm_of, url_variants

TOKEN = "0123456789abcdef0123456789abcdef"
URL = "https://gateway.landlord.example/webhooks/twilio/sms"
SMS = [
    ("AccountSid", "AC" + "1" * 32),
    ("MessageSid", "SM" + "2" * 32),
    ("From", "+447700900123"),
    ("To", "+441332000000"),
    ("Body", "My boiler is broken & there's no hot water <again>"),
]

text = st.text(st.characters(codec="utf-8"), max_size=24)
names = st.one_of(st.sampled_from(["From", "To", "Body", "CallSid", "Digits", "a", "A", ""]), text)
pairs = st.lists(st.tuples(names, text), max_size=8)
algorithms = st.sampled_from([None, "HMAC_SHA1", "HMAC_SHA256", "hmac_sha256", "HMAC_MD5", ""])


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTPS"]))
    host = draw(st.sampled_from(["127.0.0.1", "gw.example.org", "Contact.Landlord.example"]))
    port = draw(st.none() | st.sampled_from([80, 443, 8080]) | st.integers(1, 65535))
    path = draw(st.sampled_from(["", "/", "/webhooks/twilio/sms", "/a b/ü", "/x;p"]))
    query = draw(st.sampled_from(["", "?", "?a=1&b=2", "?bodySHA256=abc", "#frag"]))
    return f"{scheme}://{host}{'' if port is None else f':{port}'}{path}{query}"


def library(url: str, params: list[tuple[str, str]], signature: str, algorithm: str | None) -> bool:
    multi = ImmutableMultiDict(params)
    return bool(RequestValidator(TOKEN).validate(url, multi, signature, algorithm))


@st.composite
def signed(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], str, str | None]:
    url, params, algorithm = draw(urls()), draw(pairs), draw(algorithms)
    signer = RequestValidator(draw(st.sampled_from([TOKEN, TOKEN.upper()])))
    how = draw(st.sampled_from(["as is", "variant", "tampered", "junk", "other algorithm"]))
    signing_url = draw(st.sampled_from([url, *url_variants(url)]))
    try:
        signature = signer.compute_signature(
            signing_url, ImmutableMultiDict(params), algorithm or "HMAC_SHA1"
        )
    except ValueError:  # an algorithm the library does not know
        signature = base64.b64encode(b"x" * 20).decode()
    if how == "tampered" and signature:
        i = draw(st.integers(0, len(signature) - 1))
        signature = signature[:i] + ("A" if signature[i] != "A" else "B") + signature[i + 1 :]
    elif how == "junk":
        signature = draw(text)
    elif how == "other algorithm":
        other = "HMAC_SHA1" if (algorithm or "").upper() == "HMAC_SHA256" else "HMAC_SHA256"
        signature = signer.compute_signature(signing_url, ImmutableMultiDict(params), other)
    return url, params, signature, algorithm


@settings(max_examples=400, deadline=None)
@given(signed())
def test_agrees_with_the_library_validator(
    case: tuple[str, list[tuple[str, str]], str, str | None],
) -> None:
    url, params, signature, algorithm = case
    ours = SignatureCheck(TOKEN, url).valid(params, signature, algorithm or "HMAC_SHA1")
    assert ours == library(url, params, signature, algorithm)


@given(st.one_of(text, st.sampled_from(["key=k1,algorithm=HMAC_SHA256", "algorithm=", ""])))
def test_reads_the_algorithm_as_the_library_does(header: str) -> None:
    assert algorithm_of(header) == get_signature_algorithm(header).upper()


def test_a_real_looking_sms_is_accepted_signed_with_or_without_the_port() -> None:
    signer = RequestValidator(TOKEN)
    check = SignatureCheck(TOKEN, URL)
    assert check.valid(SMS, signer.compute_signature(URL, dict(SMS)))
    with_port = URL.replace(".example/", ".example:443/")
    assert check.valid(SMS, signer.compute_signature(with_port, dict(SMS)))


def test_any_change_to_the_request_is_refused() -> None:
    signature = RequestValidator(TOKEN).compute_signature(URL, dict(SMS))
    check = SignatureCheck(TOKEN, URL)
    assert not check.valid([*SMS[:-1], ("Body", "something else")], signature)
    assert not SignatureCheck(TOKEN, URL.replace("sms", "voice")).valid(SMS, signature)
    assert not SignatureCheck("another-token", URL).valid(SMS, signature)
    assert not check.valid(SMS, "")
    assert not check.valid(SMS, None)
    assert not check.valid(SMS, signature, "HMAC_MD5")
