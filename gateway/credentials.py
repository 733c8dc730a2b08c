"""Secrets in the configuration: where they come from and which ones `serve` accepts.

A secret is any key whose name ends in `token`, `secret` or `password` (`http.tokens[].token`,
`http.session_secret`, `[twilio] auth_token`, `[slack] signing_secret`, `[imap]` passwords...),
and `password_hash`. Each may instead be read from a file named by the same key with `_file`
added (`token_file`, `session_secret_file`, `auth_token_file`...): the file's content, less a
trailing newline, is the value. The environment (`CG_HTTP__SESSION_SECRET`) works as for any key.

`serve` refuses a placeholder, a value that was ever shipped as an example, and a token or
secret under 32 bytes. Passwords for other systems (a mailbox, a relay) are chosen by those
systems, so only placeholders and examples are refused there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

MIN_SECRET_BYTES = 32
MIN_DISTINCT_CHARACTERS = 8
FILE_SUFFIX = "_file"

# Values that were shipped in this repository's examples or README: never accepted.
KNOWN_EXAMPLES = frozenset(
    {
        "demo-admin-token-0123456789",
        "demo-agent-token-0123456789",
        "demo-only-session-secret-change-me",
        "set-a-long-random-token-here-0000",
        "set cg_http__session_secret in the environment",
        "a long random string",
    }
)
PLACEHOLDER_WORDS = (
    "...", "change-me", "changeme", "change_me", "replace", "placeholder", "example",
    "your-", "your_", "set cg_", "set-a-", "xxxx",
)  # fmt: skip


class SecretFileError(Exception):
    """A `*_file` key that cannot be used; `key` is its dotted path."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def is_secret_key(key: str) -> bool:
    return key.endswith(("token", "secret", "password", "password_hash"))


def _needs_length(key: str) -> bool:
    return key.endswith(("token", "secret"))


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def read_secret_files(data: Any, path: str = "") -> Any:
    """`data` (the merged configuration) with every `<secret>_file` key replaced by the
    secret read from that file. Raises SecretFileError naming the key."""
    if isinstance(data, list):
        return [read_secret_files(item, _join(path, i)) for i, item in enumerate(data)]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        base = key.removesuffix(FILE_SUFFIX)
        if key.endswith(FILE_SUFFIX) and is_secret_key(base):
            name = _join(path, key)
            if base in data:
                raise SecretFileError(name, f"set {base} or {key}, not both")
            if not isinstance(value, str) or not value:
                raise SecretFileError(name, "must be the path of a file holding the secret")
            out[base] = _read(name, Path(value))
        else:
            out[key] = read_secret_files(value, _join(path, key))
    return out


def _read(name: str, path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretFileError(name, f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise SecretFileError(name, f"{path} is not UTF-8 text") from exc
    secret = text.removesuffix("\n").removesuffix("\r")
    if not secret:
        raise SecretFileError(name, f"{path} is empty")
    return secret


def refusal(key: str, value: str) -> str | None:
    """Why `serve` refuses `value` for the secret `key`, or None when it is usable."""
    lowered = value.strip().lower()
    if lowered in KNOWN_EXAMPLES:
        return "this is an example value published with Contact Gateway; generate your own"
    if any(word in lowered for word in PLACEHOLDER_WORDS) or lowered[:1] + lowered[-1:] == "<>":
        return "this looks like a placeholder; set the real secret"
    if not _needs_length(key):
        return None
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        return (
            f"too short ({len(value.encode('utf-8'))} bytes): use at least {MIN_SECRET_BYTES}, "
            "for example from `python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return "too repetitive to be a random secret; generate one"
    return None


def secrets_in(data: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """Every secret in a configuration tree, as (dotted key, key, value)."""
    if isinstance(data, list):
        for i, item in enumerate(data):
            yield from secrets_in(item, _join(path, i))
    elif isinstance(data, dict):
        for key, value in data.items():
            name = _join(path, key)
            if is_secret_key(key) and not key.endswith("password_hash") and value:
                yield name, key, str(value)
            else:
                yield from secrets_in(value, name)


def refusals(data: Any) -> list[str]:
    """`key: why` for every secret in `data` that `serve` refuses."""
    found = []
    for name, key, value in secrets_in(data):
        why = refusal(key, value)
        if why is not None:
            found.append(f"{name}: {why}")
    return found


def configured_secrets(http: dict[str, Any], sections: dict[str, Any]) -> dict[str, Any]:
    """The part of a configuration that holds secrets: `http` and the channel sections."""
    return {"http": http, **sections}
