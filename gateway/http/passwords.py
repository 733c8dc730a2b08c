"""Password hashes for `[[http.users]]`: scrypt from the standard library, its parameters kept
in the hash string (`scrypt$n=32768,r=8,p=1$SALT$HASH`, base64) so they can be raised later
without invalidating the hashes already written."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
N, R, P = 2**15, 8, 1
SALT_BYTES, KEY_BYTES = 16, 32
MAX_N = 2**20  # a hash asking for more than this is refused, not computed


class PasswordHashError(ValueError):
    """A `password_hash` that is not a hash this module wrote."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    maxmem = 128 * r * (n + p + 2) + 1024 * 1024
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=maxmem, dklen=length
    )


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("an empty password cannot be hashed")
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, N, R, P, KEY_BYTES)
    return f"{SCHEME}$n={N},r={R},p={P}${_b64(salt)}${_b64(key)}"


def parse(hashed: str) -> tuple[int, int, int, bytes, bytes]:
    """(n, r, p, salt, key) of a hash string; PasswordHashError when it is not one."""
    try:
        scheme, params, salt, key = hashed.split("$")
        values = dict(item.split("=", 1) for item in params.split(","))
        n, r, p = int(values["n"]), int(values["r"]), int(values["p"])
        salt_bytes, key_bytes = _unb64(salt), _unb64(key)
    except (ValueError, KeyError) as exc:
        raise PasswordHashError("not a scrypt password hash") from exc
    if scheme != SCHEME or n < 2 or n & (n - 1) or n > MAX_N or not 0 < r * p < 2**16:
        raise PasswordHashError("not a usable scrypt password hash")
    if len(salt_bytes) < 8 or len(key_bytes) < 16:
        raise PasswordHashError("scrypt password hash too short")
    return n, r, p, salt_bytes, key_bytes


def verify_password(password: str, hashed: str) -> bool:
    """True when `password` matches; the comparison takes the same time wherever it differs.
    Raises PasswordHashError for a malformed hash (a configuration mistake)."""
    n, r, p, salt, key = parse(hashed)
    candidate = _scrypt(password, salt, n, r, p, len(key))
    return hmac.compare_digest(candidate, key)


@functools.cache
def dummy_hash() -> str:
    """Checked against when the username is unknown, so that an unknown user costs the same
    time as a wrong password and cannot be told apart by timing."""
    return hash_password(secrets.token_urlsafe(16))
