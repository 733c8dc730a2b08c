"""The Slack channel against a real `serve` process: signed events from Slack become contacts,
restricted members are held silently (and hidden), denied members get one notice a day and are
removed from the public channels, and flags reach the case officer on Slack or by e-mail.
Slack's Web API is a local stand-in that records every call."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import pytest

from channels.slack.flags import OPEN_CASE
from gateway.store import open_store
from gateway.store.ports import Store
from policy_core.models import Action, Channel
from tests.channels.slack.slack_api import Call, SlackApi, signed_headers
from tests.clock import NOW, TODAY
from tests.mailsink import MailSink
from tests.serve import GatewayServer

T = TypeVar("T")
SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-bot-token-0123456789abcdefghij"
ADMIN_TOKEN = "xoxp-test-admin-token-0123456789abcdefghij"
TEAM = "T0TEAM"
COMMUNITY = "C0COMMUNITY"
NOTICEBOARD = "C0NOTICES"
OFFICERS = "C0OFFICERS"
BODY = "the repairs team are useless and I will keep posting until"
SEQUENCE = itertools.count(1)

# Carol and Hana are denied social media, Dave and Gus are restricted, Erin has no restriction,
# Fay and Hal are denied and their officer, Pat, takes flags by e-mail; Ivy is on letter only;
# Kim is denied and posts on two days; Lou is denied and Slack retries one of her events.
# The Bar customers
# are denied too: each one's first post raises a new flag, which tells a test that every
# earlier flag was handled.
MEMBERS: dict[str, tuple[str, str, str | None, dict[str, str] | None]] = {
    "C-1": ("Carol", "U0CAROL", "denied", {"name": "Jo Officer", "slack_id": "U0JO"}),
    "C-2": ("Dave", "U0DAVE", "restricted", {"name": "Sam Officer"}),
    "C-3": ("Erin", "U0ERIN", None, None),
    "C-4": ("Fay", "U0FAY", "denied", {"name": "Pat Officer", "email": "pat@landlord.example"}),
    "C-5": ("Gus", "U0GUS", "restricted", {"name": "Sam Officer"}),
    "C-6": ("Hana", "U0HANA", "denied", {"name": "Sam Officer"}),
    "C-7": ("Ivy", "U0IVY", "letter_only", {"name": "Sam Officer"}),
    "C-8": ("Hal", "U0HAL", "denied", {"name": "Pat Officer", "email": "pat@landlord.example"}),
    "C-10": ("Kim", "U0KIM", "denied", {"name": "Sam Officer"}),
    "C-11": ("Lou", "U0LOU", "denied", {"name": "Sam Officer"}),
}
BARRIERS = [(f"C-9{i:02d}", f"U0BAR{i}") for i in range(16)]
MEMBERS.update({ref: ("Bar", user, "denied", {"name": "Sam Officer"}) for ref, user in BARRIERS})
UNUSED_BARRIERS = list(BARRIERS)


def import_data() -> dict[str, Any]:
    today = TODAY
    customers, cases = [], []
    for ref, (name, user, level, officer) in MEMBERS.items():
        identity = {"kind": "slack", "value": f"{TEAM}/{user}"}
        customers.append({"ref": ref, "name": name, "identities": [identity]})
        if level is not None:
            cases.append({
                "id": ref.replace("C-", "K-"), "customer_ref": ref, "officer": officer,
                "warned_on": (today - dt.timedelta(days=60)).isoformat(),
                "restricted_on": (today - dt.timedelta(days=30)).isoformat(),
                "restrictions": [
                    {"kind": "letter_only"} if level == "letter_only"
                    else {"kind": "social_media", "level": level}
                ],
            })  # fmt: skip
    return {"customers": customers, "cases": cases}


@pytest.fixture(scope="module")
def slack_api() -> Iterator[SlackApi]:
    with SlackApi() as api:
        yield api


@pytest.fixture(scope="module")
def mail_sink() -> Iterator[MailSink]:
    with MailSink() as sink:
        yield sink


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, slack_api: SlackApi, mail_sink: MailSink
) -> Iterator[GatewayServer]:
    directory: Path = tmp_path_factory.mktemp("slack")
    slack = {
        "signing_secret": SECRET, "bot_token": BOT_TOKEN, "api_url": slack_api.url,
        "officer_channel": OFFICERS, "hide_messages": True, "admin_token": ADMIN_TOKEN,
        "remove_refused": True, "public_channels": [NOTICEBOARD],
    }  # fmt: skip
    flags = {
        "smtp": f"127.0.0.1:{mail_sink.port}", "email_from": "gateway@landlord.example",
        "email_officers": ["pat@landlord.example"],
    }  # fmt: skip
    gateway = GatewayServer(directory, extra={"slack": slack, "flags": flags})
    data = directory / "people.json"
    data.write_text(json.dumps(import_data()), encoding="utf-8")
    imported = gateway.cli("import", str(data))
    assert imported.returncode == 0, imported.stderr
    with gateway:
        yield gateway


def read(server: GatewayServer, query: Callable[[Store], Awaitable[T]]) -> T:
    """What the gateway recorded, read from its store by a second process (this one)."""

    async def run() -> T:
        store = open_store(server.store_url)
        await store.open()
        try:
            return await query(store)
        finally:
            await store.close()

    return asyncio.run(run())


def event(user: str, channel: str = COMMUNITY, text: str = BODY, **extra: Any) -> dict[str, Any]:
    n = next(SEQUENCE)
    message = {
        "type": "message", "user": user, "team": TEAM, "channel": channel,
        "channel_type": "im" if channel.startswith("D") else "channel", "text": text,
        "ts": f"{int(NOW.timestamp())}.{n:06d}",
    }  # fmt: skip
    return {
        "token": "unused", "team_id": TEAM, "api_app_id": "A0APP", "type": "event_callback",
        "event_id": f"Ev0TEST{n:06d}", "event_time": int(NOW.timestamp()), "event": message,
        **extra,
    }  # fmt: skip


def post(
    server: GatewayServer, body: str, content_type: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    signed = {**signed_headers(SECRET, body), "Content-Type": content_type, **(headers or {})}
    return httpx.post(f"{server.url}/slack/events", content=body, headers=signed, timeout=10)


def send(server: GatewayServer, payload: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = post(server, json.dumps(payload), "application/json", headers)
    assert response.status_code == 200, response.text
    return payload


def ts_of(payload: dict[str, Any]) -> str:
    return str(payload["event"]["ts"])


def flag_posts(api: SlackApi, customer: str | None = None) -> list[tuple[dict[str, Any], Call]]:
    """The flag messages posted so far, each with its Acknowledge button's value."""
    found = []
    for call in api.of("chat.postMessage"):
        for block in call.params.get("blocks") or []:
            for element in block.get("elements") or []:
                if element.get("action_id") == "flag_acknowledge":
                    value = json.loads(element["value"])
                    if customer is None or value["customer"] == customer:
                        found.append((value, call))
    return found


def barrier(server: GatewayServer, api: SlackApi) -> None:
    """Returns once every flag raised so far has been handled and every Slack call queued so far
    has been made: both are handled in order, and a fresh denied customer's first post raises
    one more flag and queues a notice and removals, the last from the notice board."""
    ref, user = UNUSED_BARRIERS.pop()
    send(server, event(user, text="barrier"))
    deadline = time.monotonic() + 10
    while not flag_posts(api, ref):
        assert time.monotonic() < deadline, f"no flag for {ref}: {api.calls}"
        time.sleep(0.05)
    api.wait_for("conversations.kick", lambda c: c.params == {"channel": NOTICEBOARD, "user": user})


def test_serve_starts_without_calling_slack(server: GatewayServer, slack_api: SlackApi) -> None:
    """bolt gets the bot token from an `authorize` function: no auth.test at start-up, so the
    gateway starts (and takes e-mail, calls and texts) while Slack is unreachable."""
    assert slack_api.calls == [] and slack_api.refused == []


def test_a_restricted_member_is_held_silently_and_hidden(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    text = f"held quietly: {BODY}"
    ts = ts_of(send(server, event("U0DAVE", text=text)))
    [delete] = slack_api.wait_for("chat.delete", lambda c: c.params.get("ts") == ts)
    assert delete.token == ADMIN_TOKEN and delete.params["channel"] == COMMUNITY
    barrier(server, slack_api)
    assert slack_api.of("chat.postEphemeral", lambda c: c.params.get("user") == "U0DAVE") == []
    assert slack_api.of("conversations.kick", lambda c: c.params.get("user") == "U0DAVE") == []
    held = [h for h in read(server, lambda s: s.held("C-2")) if h.contact.text == text]
    assert [(h.action, h.contact.channel, h.contact.destination) for h in held] == [
        (Action.hold, Channel.social, COMMUNITY)
    ]
    trail = read(server, lambda s: s.audit_trail("customer:C-2"))
    hidden = [e.detail for e in trail if e.action == "social.hidden"]
    assert {"channel": COMMUNITY, "contact_id": held[0].contact_id} in hidden


def test_a_denied_member_gets_one_notice_a_day_and_is_removed(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    first = ts_of(send(server, event("U0CAROL")))
    second = ts_of(send(server, event("U0CAROL", text="and again")))
    is_carol = lambda c: c.params.get("user") == "U0CAROL"  # noqa: E731
    [notice] = slack_api.wait_for("chat.postEphemeral", is_carol)
    kicks = slack_api.wait_for("conversations.kick", is_carol, count=2)
    slack_api.wait_for("chat.delete", lambda c: c.params.get("ts") == second)
    barrier(server, slack_api)
    assert notice.params["channel"] == COMMUNITY and notice.token == BOT_TOKEN
    text = notice.params["text"]
    assert "you cannot post in our social media spaces" in text  # what the restriction is
    assert "Test Homes, 1 High Street, Derby DE1 1AA" in text and "+441332000999" in text
    assert len(slack_api.of("chat.postEphemeral", is_carol)) == 1  # not one per post
    assert {k.params["channel"] for k in kicks} == {COMMUNITY, NOTICEBOARD}
    deleted = {c.params["ts"] for c in slack_api.of("chat.delete")}
    assert {first, second} <= deleted
    removals = [
        e for e in read(server, lambda s: s.audit_trail("customer:C-1"))
        if e.action == "social.removed"
    ]  # fmt: skip
    assert {e.detail["channel"] for e in removals} >= {COMMUNITY, NOTICEBOARD}
    held = read(server, lambda s: s.held("C-1"))
    mine = [h.action for h in held if h.contact.text in (BODY, "and again")]
    assert mine == [Action.refuse, Action.refuse]


def test_a_denied_member_is_told_again_on_another_day(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    earlier = event("U0KIM", text="a post two days ago")
    earlier["event"]["ts"] = f"{NOW.timestamp() - 2 * 86400:.6f}"
    send(server, earlier)
    send(server, event("U0KIM", text="a post today"))
    send(server, event("U0KIM", text="another post today"))
    is_kim = lambda c: c.params.get("user") == "U0KIM"  # noqa: E731
    slack_api.wait_for("chat.postEphemeral", is_kim, count=2)
    barrier(server, slack_api)
    assert len(slack_api.of("chat.postEphemeral", is_kim)) == 2  # one for each day
    breaches = [v for v, _ in flag_posts(slack_api, "C-10") if v["kind"] == "restriction_breach"]
    assert len(breaches) == 2  # the flag, too, reaches the officer once a day
    held = read(server, lambda s: s.held("C-10"))
    assert [h.action for h in held] == [Action.refuse] * 3


def test_a_retried_event_is_one_contact_with_one_notice(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    payload = send(server, event("U0LOU", text="a post Slack sends twice"))
    send(server, payload, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    send(server, event("U0LOU", text="a second post"))
    is_lou = lambda c: c.params.get("user") == "U0LOU"  # noqa: E731
    slack_api.wait_for("chat.postEphemeral", is_lou)
    barrier(server, slack_api)
    assert len(slack_api.of("chat.postEphemeral", is_lou)) == 1  # the profile's one a day
    held = read(server, lambda s: s.held("C-11"))
    assert sorted(h.contact.text for h in held) == ["a post Slack sends twice", "a second post"]


def test_letter_only_covers_slack_too(server: GatewayServer, slack_api: SlackApi) -> None:
    send(server, event("U0IVY"))
    [notice] = slack_api.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == "U0IVY")
    assert "Test Homes, 1 High Street" in notice.params["text"]
    assert "we can only accept contact from you by letter" in notice.params["text"]
    assert [h.action for h in read(server, lambda s: s.held("C-7"))] == [Action.refuse]


def test_a_denied_members_direct_message_is_refused_in_the_conversation(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    ts = ts_of(send(server, event("U0HANA", channel="D0HANA", text="a direct message")))
    is_hana = lambda c: c.params.get("user") == "U0HANA"  # noqa: E731
    [notice] = slack_api.wait_for("chat.postEphemeral", is_hana)
    assert notice.params["channel"] == "D0HANA"
    slack_api.wait_for("conversations.kick", is_hana)
    barrier(server, slack_api)
    # Removed from the public channels; a direct conversation is nobody's to hide or leave.
    assert [k.params["channel"] for k in slack_api.of("conversations.kick", is_hana)] == [
        NOTICEBOARD
    ]
    assert slack_api.of("chat.delete", lambda c: c.params.get("ts") == ts) == []
    held = read(server, lambda s: s.held("C-6"))
    assert [(h.action, h.contact.text, h.contact.destination) for h in held] == [
        (Action.refuse, "a direct message", "D0HANA")
    ]


def test_slack_can_verify_the_events_url(server: GatewayServer) -> None:
    challenge = {
        "token": "unused",
        "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY",
        "type": "url_verification",
    }
    response = post(server, json.dumps(challenge), "application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY"}


def test_a_member_without_restrictions_is_left_alone(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    ts = ts_of(send(server, event("U0ERIN")))
    stranger = ts_of(send(server, event("U0NOBODY")))
    barrier(server, slack_api)
    touched = [c for c in slack_api.calls if c.params.get("ts") in (ts, stranger)]
    assert touched == []
    assert [c for c in slack_api.calls if c.params.get("user") in ("U0ERIN", "U0NOBODY")] == []
    [contact] = read(server, lambda s: s.contacts("C-3"))
    assert contact.decision.action is Action.deliver and contact.channel is Channel.social
    assert read(server, lambda s: s.contacts("slack:T0TEAM/U0NOBODY")) == []


def test_a_retried_or_repeated_event_is_one_contact(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    payload = event("U0DAVE", text="one post, delivered three times")
    send(server, payload)
    send(server, payload, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    send(server, payload)
    slack_api.wait_for("chat.delete", lambda c: c.params.get("ts") == ts_of(payload))
    barrier(server, slack_api)
    assert len(slack_api.of("chat.delete", lambda c: c.params.get("ts") == ts_of(payload))) == 1
    held = read(server, lambda s: s.held("C-2"))
    assert [h.contact.text for h in held].count("one post, delivered three times") == 1


def test_a_badly_signed_request_is_refused(server: GatewayServer, slack_api: SlackApi) -> None:
    payload = event("U0DAVE", text="a forged post about number 12")
    body = json.dumps(payload)
    forged = {**signed_headers("not-the-secret-0123456789", body)}
    response = httpx.post(
        f"{server.url}/slack/events", content=body, timeout=10,
        headers={**forged, "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code == 401
    old = signed_headers(SECRET, body, timestamp=int(time.time()) - 600)  # wall clock ok
    stale = httpx.post(
        f"{server.url}/slack/events", content=body, timeout=10,
        headers={**old, "Content-Type": "application/json"},
    )  # fmt: skip
    assert stale.status_code == 401
    unsigned = httpx.post(f"{server.url}/slack/events", content=body, timeout=10)
    assert unsigned.status_code == 401
    barrier(server, slack_api)
    held = read(server, lambda s: s.held("C-2"))
    assert "a forged post about number 12" not in [h.contact.text for h in held]
    assert "number 12" not in server.log() and BODY not in server.log()  # no bodies logged


def test_the_officer_acknowledges_a_flag_on_slack(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    send(server, event("U0CAROL", text="a post that raises a flag"))
    deadline = time.monotonic() + 10
    while not flag_posts(slack_api, "C-1"):
        assert time.monotonic() < deadline, "no flag posted for C-1"
        time.sleep(0.05)
    value, posted = flag_posts(slack_api, "C-1")[0]
    assert posted.params["channel"] == "U0JO"  # the officer's own Slack id
    buttons = [e for b in posted.params["blocks"] for e in b.get("elements") or []]
    [open_case] = [b for b in buttons if b.get("action_id") == "flag_open_case"]
    assert open_case["url"] == f"{server.url}/cases/K-1"
    interaction = {
        "type": "block_actions", "api_app_id": "A0APP", "token": "unused",
        "team": {"id": TEAM, "domain": "tenants"}, "trigger_id": "1.2.3",
        "user": {"id": "U0JO", "username": "jo", "name": "jo", "team_id": TEAM},
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0JO"},
        "channel": {"id": "D0JO", "name": "directmessage"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": posted.params["text"],
                    "blocks": posted.params["blocks"]},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [{"type": "button", "action_id": "flag_acknowledge", "block_id": "flag_actions",
                     "value": json.dumps(value), "action_ts": "1700000001.000200"}],
    }  # fmt: skip
    body = urlencode({"payload": json.dumps(interaction)})
    response = post(server, body, "application/x-www-form-urlencoded")
    assert response.status_code == 200
    trail = read(server, lambda s: s.audit_trail(f"flag:{value['flag']}"))
    assert [(e.actor, e.action) for e in trail][-1] == ("Jo Officer", "flag.acknowledged")
    flags = read(server, lambda s: s.list_flags("C-1"))
    assert [f.acknowledged_by for f in flags if f.id == value["flag"]] == ["Jo Officer"]
    [update] = slack_api.wait_for("chat.update", lambda c: c.params.get("channel") == "D0JO")
    texts = json.dumps(update.params["blocks"])
    assert "Acknowledged by <@U0JO>" in texts and "flag_acknowledge" not in texts
    # Pressed again (a double click, an old copy of the message): recorded once.
    assert post(server, body, "application/x-www-form-urlencoded").status_code == 200
    # "Open case" is a link: Slack opens the page and the gateway only acknowledges the press.
    press = {"type": "button", "action_id": OPEN_CASE, "block_id": "flag_actions"}
    opened = {**interaction, "actions": [press]}
    opened_body = urlencode({"payload": json.dumps(opened)})
    assert post(server, opened_body, "application/x-www-form-urlencoded").status_code == 200
    slack_api.wait_for("chat.update", lambda c: c.params.get("channel") == "D0JO", count=2)
    trail = read(server, lambda s: s.audit_trail(f"flag:{value['flag']}"))
    assert [(e.actor, e.action) for e in trail] == [("Jo Officer", "flag.acknowledged")]
    assert trail[0].detail["slack_user"] == f"{TEAM}/U0JO"


def test_a_forged_acknowledge_is_refused(server: GatewayServer, slack_api: SlackApi) -> None:
    value = {"flag": "F-unknown", "customer": "C-1", "kind": "restriction_breach"}
    interaction = {
        "type": "block_actions", "team": {"id": TEAM}, "user": {"id": "U0MALLORY"},
        "actions": [{"type": "button", "action_id": "flag_acknowledge",
                     "block_id": "flag_actions", "value": json.dumps(value)}],
    }  # fmt: skip
    body = urlencode({"payload": json.dumps(interaction)})
    forged = signed_headers("not-the-secret-0123456789", body)
    response = httpx.post(
        f"{server.url}/slack/events", content=body, timeout=10,
        headers={**forged, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert response.status_code == 401
    flags = read(server, lambda s: s.list_flags("C-1"))
    assert all(f.acknowledged_by != "slack:U0MALLORY" for f in flags)


def test_flags_reach_the_officer_once_per_kind_a_day_with_no_message_bodies(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    for n in range(8):  # over the profile's 5 an hour, and each a near-duplicate
        send(server, event("U0GUS", text=f"{BODY} ({n})"))
    barrier(server, slack_api)
    posts = flag_posts(slack_api, "C-5")
    kinds = [value["kind"] for value, _ in posts]
    assert sorted(kinds) == sorted(set(kinds))  # one message per kind
    assert {"restriction_breach", "excessive_volume", "repeated_complaint"} <= set(kinds)
    assert {call.params["channel"] for _, call in posts} == {OFFICERS}  # Sam has no Slack id
    everything = json.dumps([call.params for _, call in posts])
    assert BODY not in everything and "C-5" in everything
    volume = next(call for value, call in posts if value["kind"] == "excessive_volume")
    assert "hour: 6" in json.dumps(volume.params["blocks"])  # the counts behind the flag


def test_an_officer_who_prefers_email_gets_the_flag_by_email(
    server: GatewayServer, slack_api: SlackApi, mail_sink: MailSink
) -> None:
    send(server, event("U0FAY"))
    barrier(server, slack_api)
    [(recipients, mail)] = mail_to(mail_sink, "C-4")
    assert recipients == ["pat@landlord.example"]
    content = mail.get_content()
    assert "Contact on a refused channel" in content and f"{server.url}/cases/K-4" in content
    assert BODY not in content and "repairs team" not in content
    assert flag_posts(slack_api, "C-4") == []  # not on Slack as well


def mail_to(sink: MailSink, customer: str, timeout: float = 10) -> list[Any]:
    """The flag e-mails about one customer, once there is at least one."""
    deadline = time.monotonic() + timeout
    while True:
        found = [(r, m) for r, m in sink.received() if f"customer {customer}" in m["Subject"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_slack_outage_never_slows_the_gateway_and_flags_arrive_later(
    server: GatewayServer, slack_api: SlackApi
) -> None:
    barrier(server, slack_api)  # nothing queued for Slack from earlier tests
    ref, user = UNUSED_BARRIERS.pop()
    slack_api.fail_with = 503
    try:
        started = time.monotonic()
        send(server, event(user, text="posted while Slack is down"))
        answered = time.monotonic() - started
        deadline = time.monotonic() + 5
        tried = {"chat.postMessage", "chat.postEphemeral"}
        while not tried <= {c.method for c in slack_api.refused}:
            assert time.monotonic() < deadline, "the notice and the flag were not tried"
            time.sleep(0.05)
        assert flag_posts(slack_api, ref) == []
    finally:
        slack_api.fail_with = None
    assert answered < 1.0
    slack_api.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == user)
    deadline = time.monotonic() + 10
    while not flag_posts(slack_api, ref):
        assert time.monotonic() < deadline, "the flag was not retried"
        time.sleep(0.05)


def test_a_hanging_slack_slows_nothing_and_email_flags_still_go(
    server: GatewayServer, slack_api: SlackApi, mail_sink: MailSink
) -> None:
    """Slack accepts connections and answers nothing: events are still answered at once, the
    e-mail route carries on, and what Slack was to be told is told once it answers again."""
    barrier(server, slack_api)
    ref, user = UNUSED_BARRIERS.pop()
    slack_api.hang()
    try:
        answered = []
        for payload in (event(user, text="posted while Slack hangs"), event("U0HAL")):
            started = time.monotonic()
            send(server, payload)
            answered.append(time.monotonic() - started)
        [(recipients, _)] = mail_to(mail_sink, "C-8")  # not held up behind Slack
        assert recipients == ["pat@landlord.example"]
        deadline = time.monotonic() + 5
        while not slack_api.stalled:
            assert time.monotonic() < deadline, "nothing was sent to Slack"
            time.sleep(0.05)
        assert flag_posts(slack_api, ref) == []
    finally:
        slack_api.resume()
    assert max(answered) < 1.0, answered
    slack_api.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == user)
    slack_api.wait_for("chat.postEphemeral", lambda c: c.params.get("user") == "U0HAL")
    deadline = time.monotonic() + 10
    while not flag_posts(slack_api, ref):
        assert time.monotonic() < deadline, "the flag never reached Slack"
        time.sleep(0.05)
