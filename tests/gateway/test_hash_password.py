"""`contact-gateway hash-password`: a scrypt hash with its parameters, the password read from
standard input and never from the command line."""

from __future__ import annotations

import pytest

from gateway.http.passwords import PasswordHashError, hash_password, parse, verify_password
from tests.serve import run_cli


def test_the_printed_hash_verifies_the_password_read_from_stdin() -> None:
    result = run_cli(["hash-password"], input="correct horse battery\n")
    assert result.returncode == 0, result.stderr
    hashed = result.stdout.strip()
    assert hashed.startswith("scrypt$n=32768,r=8,p=1$")
    assert "correct horse" not in result.stdout + result.stderr
    assert verify_password("correct horse battery", hashed)
    assert not verify_password("correct horse battery ", hashed)
    assert hash_password("correct horse battery") != hashed  # a new salt every time


def test_a_password_on_the_command_line_is_refused() -> None:
    result = run_cli(["hash-password", "correct horse battery"], input="")
    assert result.returncode == 2 and "unrecognized arguments" in result.stderr


def test_a_short_password_is_refused() -> None:
    result = run_cli(["hash-password"], input="short\n")
    assert result.returncode == 1 and "at least 8 characters" in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    "hashed",
    [
        "",
        "plain-text-password",
        "scrypt$n=1000,r=8,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",  # n not a power of two
        "scrypt$n=1099511627776,r=8,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",  # absurd cost
        "bcrypt$n=16384,r=8,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5",
    ],
)
def test_a_hash_this_module_did_not_write_is_refused_not_computed(hashed: str) -> None:
    with pytest.raises(PasswordHashError):
        parse(hashed)
