"""The log filter: records at INFO and above lose e-mail addresses, telephone numbers and
quoted text, in the message, its arguments and its traceback; aiosmtpd's raw protocol lines
lose the client's words; DEBUG passes as it is."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.log_filter import PersonalDataFilter, install
from gateway.redact import redact

MARK = "zq7marker"
ADDRESS = f"{MARK}.jo@tenant.example"


class Log:
    """A logger whose one handler has the filter, as `contact-gateway` sets it up."""

    def __init__(self, name: str) -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.handler.addFilter(PersonalDataFilter())
        self.logger = logging.getLogger(name)
        self.logger.addHandler(self.handler)
        self.logger.setLevel(logging.DEBUG)
        self.logger.propagate = False

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def log() -> Iterator[Log]:
    captured = Log("contact_gateway.test_log_filter")
    yield captured
    captured.logger.removeHandler(captured.handler)


@pytest.fixture
def mail_log() -> Iterator[Log]:
    captured = Log("mail.log")
    yield captured
    captured.logger.removeHandler(captured.handler)
    captured.logger.propagate = True


def test_addresses_and_numbers_in_the_arguments_are_redacted(log: Log) -> None:
    log.logger.info("contact from %s on %s", ADDRESS, "07700 900123")
    log.logger.warning("texts from %s and %s", "+44 7700 900 123", "+1 415 555 2671")
    assert MARK not in log.text
    assert "900" not in log.text and "2671" not in log.text
    assert "INFO contact_gateway.test_log_filter: contact from <address> on <number>" in log.text


def test_addresses_numbers_and_quotes_in_the_message_itself_are_redacted(log: Log) -> None:
    log.logger.error(f"downstream said: 550 5.1.1 <{ADDRESS}> 020 7946 0958 'Dear {MARK}'")
    assert log.text == "ERROR contact_gateway.test_log_filter: downstream said: 550 5.1.1 " \
        "<<address>> <number> <text>\n"  # fmt: skip


def test_a_record_whose_message_is_not_a_string_is_redacted(log: Log) -> None:
    log.logger.warning({"text": f"help {MARK}", "from": ADDRESS})
    assert MARK not in log.text


def test_ids_times_and_counts_are_left_alone(log: Log) -> None:
    line = (
        "spool 17640000000000000000-0000001a: attempt 5 failed, retry in 16s: "
        "127.0.0.1:2526: 421 4.3.2 at 2026-11-24 10:30:00+00:00 (contact ct_0123456789abcdef)"
    )
    log.logger.info(line)
    assert line in log.text


def test_a_traceback_loses_the_data_in_the_exception(log: Log) -> None:
    number = "077009" + "00123"  # not in the traceback's source line
    try:
        raise ValueError(f"no customer for {ADDRESS!r} or {number}")
    except ValueError:
        log.logger.exception("dispatch failed")
    assert MARK not in log.text and "07700900123" not in log.text
    assert 'File "' in log.text and "ValueError: no customer for <text> or <number>" in log.text


def test_debug_passes_as_it_is(log: Log) -> None:
    log.logger.debug("from %s", ADDRESS)
    assert ADDRESS in log.text


def test_aiosmtpd_raw_lines_lose_the_clients_words(mail_log: Log) -> None:
    peer = ("127.0.0.1", 50000)
    mail_log.logger.warning("%r unrecognised: %s", peer, MARK.upper())
    mail_log.logger.info("%r >> %r", peer, f"Dear officer, {MARK}".encode())
    mail_log.logger.info("%r recip: %s", peer, ADDRESS)
    mail_log.logger.warning("%r over limit for %s", peer, MARK.upper())
    assert MARK not in mail_log.text.lower()
    assert mail_log.text.splitlines() == [
        "WARNING mail.log: (<text>, 50000) sent an unrecognised command",
        "WARNING mail.log: (<text>, 50000) sent one command too many times",
    ]


def test_install_puts_one_filter_on_each_root_handler() -> None:
    root = logging.Logger("a-root-of-our-own")
    root.addHandler(logging.StreamHandler(io.StringIO()))
    install(root)
    install(root)
    assert [type(f) for f in root.handlers[0].filters] == [PersonalDataFilter]


UK_MOBILE = st.integers(min_value=0, max_value=999_999).map(lambda n: f"+447700{n:06d}")
FORMATS = st.sampled_from(
    [
        phonenumbers.PhoneNumberFormat.E164,
        phonenumbers.PhoneNumberFormat.INTERNATIONAL,
        phonenumbers.PhoneNumberFormat.NATIONAL,
    ]
)
WORDS = st.lists(st.sampled_from(["call", "me", "on", "or", "(mobile)", "ta,", "-", "now."]))


@settings(max_examples=200, deadline=None)
@given(number=UK_MOBILE, form=FORMATS, before=WORDS, after=WORDS, dashes=st.booleans())
def test_a_uk_number_in_any_format_is_redacted(
    number: str, form: int, before: list[str], after: list[str], dashes: bool
) -> None:
    written = phonenumbers.format_number(phonenumbers.parse(number), form)
    if dashes:
        written = written.replace(" ", "-")
    redacted = redact(" ".join([*before, written, *after]))
    assert number[-6:] not in redacted.replace(" ", "").replace("-", "")
