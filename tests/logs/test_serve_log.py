"""No personal data in `serve`'s log: contacts whose addresses, numbers and texts carry
markers go through every channel and every error path of a real `serve` (e-mail over SMTP
with a downstream that refuses and echoes, Twilio calls and texts, Slack events, the API),
and no marker appears in serve.log, which holds everything logged at INFO and above."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.channels.slack.slack_api import signed_headers
from tests.clock import NOW
from tests.logs.gateway import (
    ECHOED,
    HOUSING,
    MARK,
    SLACK_SECRET,
    SLACK_TENANT,
    STRANGER,
    STRANGER_PHONE,
    TEAM,
    TENANT,
    TENANT_PHONE,
    TEXT,
    Running,
    leaks,
    running,
)
from tests.servers import RedisServer


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    with running(tmp_path_factory.mktemp("logs")) as started:
        yield started


def mail(sender: str, to: str = HOUSING) -> str:
    return (
        f"From: Zed {MARK} <{sender}>\r\nTo: {to}\r\nSubject: {MARK} {TENANT_PHONE}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@tenant.example>\r\n\r\n{TEXT}\r\n"
    )


def send_mail(gateway: Running, sender: str, to: str = HOUSING) -> list[str]:
    lines = mail(sender, to).split("\r\n")
    return gateway.smtp("EHLO tenant.example", f"MAIL FROM:<{sender}>", f"RCPT TO:<{to}>",
                        "DATA", *lines, ".", "QUIT")  # fmt: skip


def slack_event(user: str, text: str = TEXT) -> str:
    event = {
        "type": "message",
        "user": user,
        "team": TEAM,
        "channel": "C0COMMUNITY",
        "channel_type": "channel",
        "text": text,
        "ts": f"{int(NOW.timestamp())}.000001",
    }
    return json.dumps({"team_id": TEAM, "api_app_id": "A0APP", "type": "event_callback",
                       "event_id": f"Ev{uuid.uuid4().hex[:10]}", "event": event})  # fmt: skip


def post_slack(gateway: Running, body: str, secret: str = SLACK_SECRET) -> httpx.Response:
    headers = {**signed_headers(secret, body), "Content-Type": "application/json"}
    return httpx.post(f"{gateway.server.url}/slack/events", content=body, headers=headers)


def assert_no_leaks(log: str) -> None:
    assert not leaks(log), "personal data in serve.log:\n" + "\n".join(leaks(log))


def test_email_contacts_and_a_downstream_that_echoes_them(gateway: Running) -> None:
    start = len(gateway.server.log())
    assert send_mail(gateway, TENANT)[-2].startswith("250")  # refused: an auto-reply
    assert send_mail(gateway, STRANGER)[-2].startswith("250")  # unknown: delivered
    assert send_mail(gateway, STRANGER, ECHOED)[-2].startswith("250")  # 450, then 554
    gateway.downstream.wait_until(lambda m: m.rcpt_tos == (TENANT,))  # the auto-reply
    log = gateway.wait_for_log(r"refused for good", start)
    assert "451 4.7.1 <<address>> <text> <number> refused by policy" in log  # the 451 to DATA
    assert_no_leaks(log)


def test_junk_after_a_refused_recipient(gateway: Running) -> None:
    start = len(gateway.server.log())
    replies = gateway.smtp(
        "EHLO tenant.example", f"MAIL FROM:<{TENANT}>", f"RCPT TO:<{MARK}@outside.example>",
        "DATA", f"{MARK} wrote: please call", f"{TENANT_PHONE} is my number",
        f"{TENANT} is where I am", "QUIT",
    )  # fmt: skip
    assert replies[3].startswith("550") and replies[5].startswith("500")
    log = gateway.wait_for_log(r"sent an unrecognised command", start)
    assert_no_leaks(log)


def test_calls_texts_and_malformed_webhooks(gateway: Running) -> None:
    start = len(gateway.server.log())
    twilio = gateway.twilio
    assert twilio.call(TENANT_PHONE)[1].status_code == 200
    assert twilio.text(TENANT_PHONE, TEXT)[1].status_code == 200
    assert twilio.text(STRANGER_PHONE, TEXT)[1].status_code == 200
    assert twilio.text(f"{MARK} {TENANT}", TEXT)[1].status_code < 500  # no such number
    form = {"From": TENANT_PHONE, "To": "+441332000100", "Body": TEXT, "MessageSid": "SM1"}
    assert twilio.post("/webhooks/twilio/sms", form, signature="forged").status_code == 403
    missing = {"From": TENANT_PHONE, "Body": TEXT}
    assert twilio.post("/webhooks/twilio/sms", missing).status_code == 400
    broken = twilio.http.post(
        "/webhooks/twilio/sms", content=f"From={TENANT}&Body=%ZZ{MARK}\xff".encode(),
        headers={"X-Twilio-Signature": "x", "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    assert 400 <= broken.status_code < 500
    log = gateway.wait_for_log(r"twilio webhook .* refused", start)
    assert_no_leaks(log)


def test_slack_posts_and_malformed_events(gateway: Running) -> None:
    start = len(gateway.server.log())
    assert post_slack(gateway, slack_event(SLACK_TENANT)).status_code == 200
    assert post_slack(gateway, slack_event("U0STRANGER")).status_code == 200
    assert post_slack(gateway, slack_event(SLACK_TENANT), secret="wrong").status_code == 401
    # Only the log is judged here; the answers to these are the Slack channel tests' to judge.
    post_slack(gateway, f'{{"text": "{TEXT}", ')
    post_slack(gateway, json.dumps({"type": "event_callback", "event": TEXT}))
    gateway.slack.wait_for("chat.postEphemeral")  # the tenant's notice
    log = gateway.wait_for_log(r"invalid or stale request signature", start)
    assert_no_leaks(log)


def test_agent_lookups_and_api_errors(gateway: Running) -> None:
    start = len(gateway.server.log())
    with gateway.server.client("admin") as http:
        for address in (TENANT, STRANGER, TENANT_PHONE, f"{MARK} nobody"):
            assert http.get("/api/v1/banner", params={"address": address}).status_code < 500
        wrong = http.post("/api/v1/customers/C-1/identities", json={"kind": "phone", "value": MARK})
        assert 400 <= wrong.status_code < 500
        assert http.get(f"/api/v1/customers/{MARK}").status_code == 404
    assert_no_leaks(gateway.log_from(start))


def test_a_store_outage(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as redis, running(tmp_path / "gw", redis.url) as gateway:
        assert gateway.twilio.text(TENANT_PHONE, TEXT)[1].status_code == 200
        redis.kill()
        start = len(gateway.server.log())
        assert gateway.twilio.text(TENANT_PHONE, TEXT)[1].status_code == 200
        assert gateway.twilio.call(STRANGER_PHONE)[1].status_code == 200
        assert send_mail(gateway, TENANT)[-2].startswith("250")
        assert post_slack(gateway, slack_event(SLACK_TENANT)).status_code < 500
        with gateway.server.client("agent") as http:
            assert http.get("/api/v1/banner", params={"address": TENANT}).status_code < 600
        gateway.downstream.wait_until(lambda m: m.rcpt_tos == (HOUSING,))  # failed open
        log = gateway.wait_for_log(r"store unreachable", start)
        assert_no_leaks(log)
