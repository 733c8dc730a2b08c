"""With the store unreachable, a caller still reaches a person and a text is still passed on:
the gateway fails open, and the emergency option still dials the emergency line."""

from __future__ import annotations

from pathlib import Path

from tests.channels.twilio.conftest import (
    CONTACT_CENTRE,
    EMERGENCY_LINE,
    Twilio,
    gateway_server,
    serving,
    twiml,
    verbs,
)
from tests.servers import RedisServer


def test_calls_and_texts_get_through_while_the_store_is_down(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as redis:
        server = gateway_server(tmp_path / "gw", store_url=redis.url)
        with serving(server, tmp_path):
            twilio = Twilio(server)
            assert verbs(twiml(twilio.call("07700 900101")[1])) == ["Say", "Gather", "Hangup"]
            redis.kill()

            sid, response = twilio.call("07700 900101")
            root = twiml(response)
            assert verbs(root) == ["Dial"] and root[0].text == CONTACT_CENTRE
            root = twiml(twilio.press(sid, "07700 900101", "1"))
            assert verbs(root) == ["Dial"] and root[0].text == EMERGENCY_LINE
            root = twiml(twilio.text("07700 900101", "Is anyone there?")[1])
            assert verbs(root) == ["Message"]
            assert root[0].get("to") == CONTACT_CENTRE
            assert root[0].text == "From +447700900101: Is anyone there?"
            twilio.http.close()
