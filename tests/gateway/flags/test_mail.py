"""Flags reach the case officer by e-mail through a real SMTP server (an aiosmtpd sink), with
the evidence and never a message body; an unreachable SMTP server is retried. `[flags]` is the
gateway's own section, not a channel: a bad one stops `serve` with the key named."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from gateway.commands.common import build_gateway
from gateway.flags.mail import FlagMailSettings, flag_mail_settings, goes_by_email, start
from gateway.plugins import check_installed
from gateway.runtime import Gateway
from gateway.settings import ConfigError, Settings
from gateway.store.base import StoredFlag
from policy_core.cases import Case, CaseState
from policy_core.identities import Identity
from policy_core.models import Channel, Contact, Customer, Flag, FlagKind, LetterOnly, Officer
from tests.mailsink import MailSink
from tests.serve import run_cli
from tests.servers import free_port

SECRET_TEXT = "my neighbour at number 12 is the worst person alive"
TODAY = dt.date(2026, 11, 20)
CAROL = Identity.of("email", "carol@example.org")
LONDON = ZoneInfo("Europe/London")


def settings_for(tmp_path: Path, smtp_port: int, **sections: Any) -> Settings:
    flags = {
        "smtp": f"127.0.0.1:{smtp_port}",
        "email_from": "gateway@landlord.example",
        "officer_email_fallback": "housing-team@landlord.example",
    }
    return Settings(
        data_dir=tmp_path / "data",
        store={"url": f"sqlite:///{tmp_path / 'gateway.db'}"},
        http={"public_url": "https://gateway.landlord.example"},
        flags=flags,
        **sections,
    )


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink() as running:
        yield running


@pytest.fixture
async def gateway(tmp_path: Path, sink: MailSink) -> AsyncIterator[Gateway]:
    gw = build_gateway(settings_for(tmp_path, sink.port), "test")
    await gw.store.open()
    try:
        yield gw
    finally:
        await gw.store.close()


def mail_settings(gw: Gateway) -> FlagMailSettings:
    config = flag_mail_settings(gw.settings, "test")
    assert config is not None
    return config


async def add_case(gw: Gateway, officer: Officer | None, letter_only: bool = False) -> None:
    await gw.store.put_customer(Customer(ref="C-1", name="Carol", identities=(CAROL,)))
    starts, ends = dt.date(2026, 10, 1), dt.date(2027, 10, 1)
    restrictions = (LetterOnly(id="R-1", starts_on=starts, ends_on=ends),) if letter_only else ()
    case = Case(
        id="K-1", customer_ref="C-1", officer=officer, state=CaseState.restricted,
        warned_on=dt.date(2026, 9, 1), restricted_on=dt.date(2026, 10, 1),
        restrictions=restrictions,
    )  # fmt: skip
    await gw.store.put_case(case)


async def raise_flag(gw: Gateway) -> StoredFlag:
    flag = Flag(
        kind=FlagKind.restriction_breach,
        detail="a post on a refused channel",
        evidence={
            "last_day": 3,
            "last_week": 9,
            "channels": ["social", "email"],
            "text": SECRET_TEXT,
        },
    )
    stored = await gw.store.add_flags("C-1", [flag], TODAY)
    assert len(stored) == 1
    return stored[0]


async def delivered(sink: MailSink, count: int = 1, within: float = 10) -> list[Any]:
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if len(sink.received()) >= count:
            return sink.received()
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} flag mail(s) not received")


async def test_flag_mail_reaches_the_officer_with_evidence_and_no_message_body(
    gateway: Gateway, sink: MailSink
) -> None:
    await add_case(gateway, Officer(name="Jo Officer", email="jo@landlord.example"))
    stop = await start(gateway, mail_settings(gateway))
    try:
        flag = await raise_flag(gateway)
        for listener in gateway.flag_listeners:
            await listener(flag)
        [(recipients, mail)] = await delivered(sink)
    finally:
        await stop()
    body = mail.get_content()
    assert recipients == ["jo@landlord.example"]
    assert "C-1" in mail["Subject"] and "Contact on a refused channel" in mail["Subject"]
    assert "last day: 3" in body and "channels: email, social" in body
    assert "https://gateway.landlord.example/cases/K-1" in body
    assert SECRET_TEXT not in body and "number 12" not in body
    assert gateway.flag_listeners == []


async def test_a_case_without_an_officer_email_goes_to_the_fallback(
    gateway: Gateway, sink: MailSink
) -> None:
    await add_case(gateway, Officer(name="Sam Officer"))
    stop = await start(gateway, mail_settings(gateway))
    try:
        flag = await raise_flag(gateway)
        await gateway.flag_listeners[0](flag)
        [(recipients, _)] = await delivered(sink)
    finally:
        await stop()
    assert recipients == ["housing-team@landlord.example"]


async def test_an_unreachable_smtp_server_is_retried(tmp_path: Path) -> None:
    port = free_port()
    gw = build_gateway(settings_for(tmp_path, port), "test")
    await gw.store.open()
    try:
        await add_case(gw, Officer(name="Jo Officer", email="jo@landlord.example"))
        stop = await start(gw, mail_settings(gw))
        flag = await raise_flag(gw)
        await gw.flag_listeners[0](flag)  # returns at once: nothing listens on the port yet
        await asyncio.sleep(0.3)
        with MailSink(port) as late_sink:
            [(recipients, _)] = await delivered(late_sink, within=8)
        await stop()
    finally:
        await gw.store.close()
    assert recipients == ["jo@landlord.example"]


def test_which_route_a_flag_takes(tmp_path: Path) -> None:
    jo = Officer(name="Jo Officer", email="Jo@Landlord.example", slack_id="U0JO")
    sam = Officer(name="Sam Officer", email="sam@landlord.example")
    slack = {"signing_secret": "s" * 16, "bot_token": "xoxb-0000", "officer_channel": "C0"}
    without_slack = settings_for(tmp_path, 25)
    with_slack = settings_for(tmp_path, 25, slack=slack)
    preferring = Settings(
        flags={**(with_slack.flags_section or {}), "email_officers": ["jo@landlord.example"]},
        slack=slack,
    )
    assert goes_by_email(without_slack, sam) and goes_by_email(without_slack, None)
    assert not goes_by_email(with_slack, jo) and not goes_by_email(with_slack, sam)
    assert goes_by_email(preferring, jo) and not goes_by_email(preferring, sam)
    assert not goes_by_email(Settings(slack=slack), sam)
    # A Slack app that does not tell officers about flags leaves them to e-mail.
    quiet_slack = settings_for(tmp_path, 25, slack={**slack, "notify_flags": False})
    assert goes_by_email(quiet_slack, jo) and goes_by_email(quiet_slack, sam)


def test_flags_is_the_gateways_own_section_not_a_channel(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, 25, slack={"signing_secret": "s" * 16})
    assert "flags" not in settings.channel_sections and "slack" in settings.channel_sections
    assert "flags" not in check_installed(settings)
    assert flag_mail_settings(Settings()) is None
    config = flag_mail_settings(settings)
    assert config is not None and config.host_port == ("127.0.0.1", 25)


def test_a_bad_flags_section_names_the_key(tmp_path: Path) -> None:
    bad = Settings(flags={"smtp": "no port", "email_from": "gateway@landlord.example", "x": 1})
    with pytest.raises(ConfigError) as raised:
        flag_mail_settings(bad, "gateway.toml")
    assert str(raised.value).splitlines() == [
        "gateway.toml: [flags]: smtp: String should match pattern '^\\S+:\\d+$'",
        "gateway.toml: [flags]: x: Extra inputs are not permitted",
    ]


def test_serve_stops_on_a_bad_flags_section_with_status_2(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    store = tmp_path / "gateway.db"
    path.write_text(
        f'data_dir = "{tmp_path / "data"}"\n[store]\nurl = "sqlite:///{store}"\n'
        '[http]\nlisten = "127.0.0.1:1"\n'
        '[flags]\nsmtp = "mail.example"\nemail_from = "g@x.example"\n'
    )
    result = run_cli(["serve", "--config", str(path)], timeout=30)
    assert result.returncode == 2, result.stderr
    assert f"{path}: [flags]: smtp: String should match pattern" in result.stderr


def email_from_carol(text: str, day: dt.date, hour: int) -> Contact:
    received = dt.datetime.combine(day, dt.time(hour), LONDON)
    return Contact(
        channel=Channel.email, sender=CAROL, received_at=received, text=text, subject=text,
        destination="housing@landlord.example", external_id=f"<{text}-{day}@example.org>",
    )  # fmt: skip


async def test_a_flag_is_emailed_once_per_kind_per_customer_per_day(
    gateway: Gateway, sink: MailSink
) -> None:
    """With no Slack configured, the flags dispatch queues go by e-mail: each kind once a day
    for a customer, however often it is raised, and again on the next day."""
    await add_case(gateway, Officer(name="Jo Officer", email="jo@landlord.example"), True)
    stop = await start(gateway, mail_settings(gateway))
    flags = asyncio.create_task(gateway.run_flags())
    try:
        for n, text in enumerate(("rent", "boiler", "fence")):
            result = await gateway.dispatch(email_from_carol(text, TODAY, 9 + n))
            assert result.decision.action.value == "refuse"
        [(recipients, first)] = await delivered(sink)
        await asyncio.sleep(1.5)  # time enough for a second or third e-mail to arrive
        assert len(sink.received()) == 1
        await gateway.dispatch(email_from_carol("gutter", TODAY + dt.timedelta(days=1), 9))
        [_, (_, second)] = await delivered(sink, count=2)
    finally:
        flags.cancel()
        await stop()
    assert recipients == ["jo@landlord.example"]
    for mail in (first, second):
        assert mail["Subject"] == "Flag: Contact on a refused channel (customer C-1)"
    assert "Friday 20 November 2026" in first.get_content()
    assert "Saturday 21 November 2026" in second.get_content()
    assert len(sink.received()) == 2


async def test_retries_wait_longer_each_time(tmp_path: Path) -> None:
    """An SMTP server that hangs up on every connection is tried again after 1s, then 2s: the
    gateway backs off rather than hammering a server in trouble."""
    loop = asyncio.get_running_loop()
    attempts: list[float] = []
    third = asyncio.Event()

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        attempts.append(loop.time())
        writer.close()
        if len(attempts) >= 3:
            third.set()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    gw = build_gateway(settings_for(tmp_path, port), "test")
    await gw.store.open()
    try:
        await add_case(gw, Officer(name="Jo Officer", email="jo@landlord.example"))
        stop = await start(gw, mail_settings(gw))
        await gw.flag_listeners[0](await raise_flag(gw))
        try:
            await asyncio.wait_for(third.wait(), timeout=8)
        finally:
            await stop()
    finally:
        server.close()
        await server.wait_closed()
        await gw.store.close()
    assert len(attempts) >= 3, attempts
    first_wait, second_wait = attempts[1] - attempts[0], attempts[2] - attempts[1]
    assert 0.9 <= first_wait < 1.8 and 1.9 <= second_wait < 3.0, (first_wait, second_wait)
