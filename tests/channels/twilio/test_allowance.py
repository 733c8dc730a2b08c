"""Texts get the policy profile's daily allowance of notices, the same as every channel: a
profile allowing two a day gives a sender two, whatever an old `[twilio] notices_per_day` still
says (such a configuration starts, with a warning), and a retried text spends nothing."""

from __future__ import annotations

from pathlib import Path

from gateway.profiles import CONFIG_DIR
from tests.channels.twilio.conftest import Twilio, gateway_server, serving, twiml, verbs

ANN = "07700 900101"  # C-LETTER


def test_texts_get_the_profiles_allowance_not_an_old_twilio_setting(tmp_path: Path) -> None:
    original = (CONFIG_DIR / "policies" / "derby-homes-2020.toml").read_text(encoding="utf-8")
    assert "notices_per_sender_per_day = 1\n" in original
    profile = tmp_path / "policies" / "derby-homes-2020.toml"  # a profile is named after its file
    profile.parent.mkdir()
    profile.write_text(
        original.replace("notices_per_sender_per_day = 1\n", "notices_per_sender_per_day = 2\n"),
        encoding="utf-8",
    )
    server = gateway_server(tmp_path / "gateway", profile=str(profile))
    server.config["twilio"]["notices_per_day"] = 1  # the SMS channel's own limit, once
    with serving(server, tmp_path):
        twilio = Twilio(server)
        first_sid, first = twilio.text(ANN, "one")
        again = twilio.text(ANN, "one", sid=first_sid)[1]
        second = twilio.text(ANN, "two")[1]
        third_sid, third = twilio.text(ANN, "three")
        third_again = twilio.text(ANN, "three", sid=third_sid)[1]
        twilio.http.close()
        log = server.log_path.read_text(encoding="utf-8")
    assert verbs(twiml(first)) == ["Message"] and again.content == first.content
    assert verbs(twiml(second)) == ["Message"]  # the retry did not spend the second
    assert verbs(twiml(third)) == [] and third_again.content == third.content
    assert "notices_per_day is no longer read" in log
    assert ANN.replace(" ", "")[1:] not in log  # no phone numbers in the log
