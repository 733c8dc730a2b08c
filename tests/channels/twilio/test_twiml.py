"""Whatever a sender writes, the TwiML the gateway answers with is well-formed XML that carries
the text exactly (less the few control characters XML cannot hold)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from channels.twilio import twiml

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
text = st.text(st.characters(codec="utf-8"))


@given(body=text, to=text)
def test_a_forwarded_text_survives_any_characters(body: str, to: str) -> None:
    root = ET.fromstring(twiml.response(twiml.message(body, to=to or None)).encode())
    (message,) = root
    assert message.tag == "Message"
    assert (message.text or "") == NOT_XML.sub("", body)
    assert message.get("to") == (NOT_XML.sub("", to) if to else None)


@given(notice=text, voice=text)
def test_a_spoken_notice_survives_any_characters(notice: str, voice: str) -> None:
    root = ET.fromstring(twiml.response(twiml.say(notice, voice, "en-GB"), twiml.HANGUP))
    say, hangup = root
    assert (say.text or "") == NOT_XML.sub("", notice)
    assert say.get("voice") == NOT_XML.sub("", voice)
    assert hangup.tag == "Hangup"


def test_the_empty_answer_says_nothing() -> None:
    root = ET.fromstring(twiml.EMPTY)
    assert root.tag == "Response"
    assert list(root) == []
