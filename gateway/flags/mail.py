"""Flags to the case officer by e-mail. Enabled by a `[flags]` section, which `serve` validates
and starts beside the channels (it is the gateway's own, not a channel):

    [flags]
    smtp = "mail.landlord.example:587"
    email_from = "contact-gateway@landlord.example"
    officer_email_fallback = "housing-team@landlord.example"   # a case with no officer e-mail
    email_officers = ["jo@landlord.example"]                   # prefer e-mail to Slack

A flag goes by e-mail when no `[slack]` section exists (or it has `notify_flags = false`), or
when its case officer is listed in `email_officers`; otherwise the Slack channel tells the
officer."""

from __future__ import annotations

from email.message import EmailMessage
from typing import TYPE_CHECKING

import aiosmtplib
from pydantic import Field, ValidationError

from gateway.flags.report import FlagReport, describe_flag
from gateway.outbox import GiveUp, Outbox
from gateway.plugins import Stop
from gateway.settings import ConfigError, Section, Settings, describe
from gateway.store.base import StoredFlag
from policy_core.models import Officer

if TYPE_CHECKING:
    from gateway.runtime import Gateway


class FlagMailSettings(Section):
    smtp: str = Field(pattern=r"^\S+:\d+$", description="host:port of the outbound SMTP server")
    email_from: str = Field(min_length=3)
    officer_email_fallback: str | None = None
    email_officers: list[str] = Field(default_factory=list)
    starttls: bool | None = None  # None: upgrade when the server offers STARTTLS
    use_tls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0

    @property
    def host_port(self) -> tuple[str, int]:
        host, _, port = self.smtp.rpartition(":")
        return host.strip("[]"), int(port)


def flag_mail_settings(settings: Settings, source: str = "config") -> FlagMailSettings | None:
    """The validated `[flags]` section (ConfigError naming the key otherwise), or None when
    flags are not e-mailed."""
    section = settings.flags_section
    if section is None:
        return None
    try:
        return FlagMailSettings.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(describe(f"{source}: [flags]", exc)) from exc


def goes_by_email(settings: Settings, officer: Officer | None) -> bool:
    """Whether a flag for this officer is e-mailed rather than sent on Slack."""
    section = settings.flags_section
    if section is None:
        return False
    slack = settings.channel_sections.get("slack")
    if slack is None or not _on(slack.get("notify_flags", True)):
        return True  # no Slack to tell officers on
    if officer is None or not officer.email:
        return False
    preferring = {
        e.strip().lower() for e in FlagMailSettings.model_validate(section).email_officers
    }
    return officer.email.strip().lower() in preferring


def _on(value: object) -> bool:
    """A boolean setting as pydantic reads it (an environment override is a string)."""
    if isinstance(value, str):
        return value.strip().lower() not in {"0", "false", "f", "no", "n", "off"}
    return bool(value)


def flag_message(report: FlagReport, sender: str, recipient: str) -> EmailMessage:
    """The flag e-mail: the customer reference, the flag and its evidence; no message bodies."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = f"Flag: {report.title} (customer {report.customer_ref})"
    lines = [
        f"A flag was raised for customer {report.customer_ref} on {report.raised_on}.",
        "A flag is a prompt to look at the contact, never a sanction.",
        "",
        f"Flag: {report.title}",
    ]
    if report.flag.flag.detail:
        lines.append(f"What was seen: {report.flag.flag.detail}")
    if report.evidence:
        lines += ["", "Evidence (counts and channels; message bodies are not included):"]
        lines += [f"  - {label}: {value}" for label, value in report.evidence]
    if report.rule_hits:
        lines += ["", "Rule hits: " + "; ".join(report.rule_hits)]
    if report.case is not None:
        officer = report.officer.name if report.officer is not None else "no officer"
        lines += ["", f"Case: {report.case.id} ({officer})", f"Open the case: {report.case_url}"]
    lines += ["", f"Flag reference: {report.flag.id}"]
    message.set_content("\n".join(lines) + "\n")
    return message


class FlagMailer:
    def __init__(self, gateway: Gateway, config: FlagMailSettings) -> None:
        self.gateway = gateway
        self.config = config
        self.outbox: Outbox[StoredFlag] = Outbox("flag-mail", self.send)

    async def send(self, flag: StoredFlag) -> None:
        report = await describe_flag(self.gateway, flag)
        if not goes_by_email(self.gateway.settings, report.officer):
            return
        officer = report.officer
        recipient = (officer.email if officer else None) or self.config.officer_email_fallback
        if not recipient:
            return
        host, port = self.config.host_port
        try:
            await aiosmtplib.send(
                flag_message(report, self.config.email_from, recipient),
                hostname=host,
                port=port,
                username=self.config.username,
                password=self.config.password,
                start_tls=self.config.starttls,
                use_tls=self.config.use_tls,
                timeout=self.config.timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise GiveUp(f"flag {flag.id}: the SMTP server refused the recipient") from exc
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code >= 500:
                raise GiveUp(f"flag {flag.id}: the SMTP server refused it ({exc.code})") from exc
            raise


async def start(gateway: Gateway, config: FlagMailSettings) -> Stop:
    mailer = FlagMailer(gateway, config)
    gateway.flag_listeners.append(mailer.outbox.offer)

    async def stop() -> None:
        gateway.flag_listeners.remove(mailer.outbox.offer)
        await mailer.outbox.stop()

    return stop
