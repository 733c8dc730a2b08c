"""Whatever reaches `/slack/events`, signed or not, the gateway answers 4xx (or 200 for an event
it ignores), never 5xx, keeps the connection open, logs no traceback, and records nothing it
cannot read. One `serve` for the module; each example costs one request."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.channels.slack.slack_api import SlackApi
from tests.clock import NOW, TODAY
from tests.fuzz import FUZZ, Connection, json_values, still_healthy
from tests.serve import GatewayServer

SECRET = "test-signing-secret-0123456789abcdef"
PATH = "/slack/events"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
EVENT_IDS = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    directory: Path = tmp_path_factory.mktemp("slack-bad-input")
    with SlackApi() as api:
        slack = {
            "signing_secret": SECRET, "bot_token": "xoxb-test-bot-token-0123456789abcdefghij",
            "api_url": api.url, "officer_channel": "C0OFFICERS",
        }  # fmt: skip
        gateway = GatewayServer(directory, extra={"slack": slack})
        data = directory / "people.json"
        people = {
            "customers": [{"ref": "C-1", "name": "Dave",
                           "identities": [{"kind": "slack", "value": "T0TEAM/U0DAVE"}]}],
            "cases": [{"id": "K-1", "customer_ref": "C-1", "officer": {"name": "Sam Officer"},
                       "warned_on": TODAY.isoformat(), "restricted_on": TODAY.isoformat(),
                       "restrictions": [{"kind": "social_media", "level": "restricted"}]}],
        }  # fmt: skip
        data.write_text(json.dumps(people), encoding="utf-8")
        assert gateway.cli("import", str(data)).returncode == 0
        with gateway:
            yield gateway
            still_healthy(gateway)


@pytest.fixture(scope="module")
def connection(server: GatewayServer) -> Iterator[Connection]:
    connection = Connection(server)
    yield connection
    connection.close()


def post(
    connection: Connection, body: bytes, content_type: str = JSON, *, sign: bool = True, **more: str
) -> int:
    headers = {"Content-Type": content_type, **more}
    if sign:
        headers = {**signed(body), **headers}
    status, _ = connection.post(PATH, body, headers)
    return status


def signed(body: bytes) -> dict[str, str]:
    """Slack's headers for `body`, signed over its bytes as sent (UTF-8 or not)."""
    ts = str(int(time.time()))  # wall clock ok: Slack signs with the time it sends
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def message(**event: Any) -> bytes:
    fields = {"type": "message", "user": "U0DAVE", "team": "T0TEAM", "channel": "C0COMMUNITY",
              "text": "hello", "ts": f"{NOW.timestamp():.6f}", **event}  # fmt: skip
    body = {
        "type": "event_callback",
        "team_id": "T0TEAM",
        "event_id": f"Ev0BAD{next(EVENT_IDS)}",
        "event": fields,
    }
    return json.dumps(body).encode()


def held(server: GatewayServer) -> list[Any]:
    with server.client("manager") as api:
        response = api.get("/api/v1/held")
        assert response.status_code == 200
        items: list[Any] = response.json()
        return items


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{", b"not json", b"null", b"[1, 2]", b"", b'{"type": "event_callback"'],
)
def test_an_unsigned_body_of_any_kind_is_401(connection: Connection, body: bytes) -> None:
    assert post(connection, body, sign=False) == 401
    stale = {"X-Slack-Request-Timestamp": "x", "X-Slack-Signature": "v0=00"}
    assert post(connection, body, sign=False, **stale) == 401
    assert post(connection, body, sign=False, **{"X-Slack-Signature": "v0=\u00e9"}) == 401


@pytest.mark.parametrize(
    "body",
    [b"\xff\xfe{", b"not json", b"null", b"[1, 2]", b'"text"', b'{"a": 1'],
)
def test_a_signed_body_that_is_not_an_event_is_400(connection: Connection, body: bytes) -> None:
    assert post(connection, body) == 400
    assert post(connection, b"payload=" + body, FORM) == 400


@pytest.mark.parametrize(
    "event",
    [{"ts": "inf"}, {"ts": "nan"}, {"ts": "1e999"}, {"ts": None}, {"ts": 5}, {"text": {"a": 1}},
     {"subtype": ["x"]}, {"user": None}, {"team": 7}, {"channel": 7}],
)  # fmt: skip
def test_a_signed_message_with_odd_fields_is_ignored(
    server: GatewayServer, connection: Connection, event: dict[str, Any]
) -> None:
    before = len(held(server))
    assert post(connection, message(**event)) in (200, 400)
    assert len(held(server)) == before  # not a contact: nothing recorded


@pytest.mark.parametrize("user", [5, ["U0DAVE"], 1.5, True])
def test_a_signed_body_with_a_user_that_is_not_an_object_is_refused(
    server: GatewayServer, connection: Connection, user: Any
) -> None:
    body = json.dumps({"type": "block_actions", "user": user, "actions": []}).encode()
    assert post(connection, body) == 400
    assert post(connection, urlencode({"payload": body.decode()}).encode(), FORM) == 400
    assert post(connection, message(user=user)) == 400


def test_a_good_event_after_bad_ones_is_a_contact(
    server: GatewayServer, connection: Connection
) -> None:
    before = len(held(server))
    assert post(connection, message(event_ts="1")) == 200
    assert len(held(server)) == before + 1
    still_healthy(server)


bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(
        st.sampled_from(["type", "user", "team", "channel", "ts", "text", "subtype", "bot_id",
                         "channel_type", "user_team", "event_ts", "files", "thread_ts"]),
        json_values, max_size=8,
    ).map(lambda event: message(**event)),
    st.builds(
        lambda top: json.dumps(top).encode(),
        st.dictionaries(
            st.sampled_from(["type", "user", "team", "channel", "event", "actions", "payload",
                             "challenge", "container", "message", "enterprise", "view",
                             "authorizations", "is_enterprise_install", "token", "team_id"]),
            json_values, max_size=8,
        ),
    ),
)  # fmt: skip


@FUZZ
@given(body=bodies, as_form=st.booleans(), sign=st.booleans())
def test_no_body_breaks_the_route(
    connection: Connection, body: bytes, as_form: bool, sign: bool
) -> None:
    if as_form:
        body = b"payload=" + body
    status = post(connection, body, FORM if as_form else JSON, sign=sign)
    assert status in (200, 400, 401, 404) if sign else status == 401
