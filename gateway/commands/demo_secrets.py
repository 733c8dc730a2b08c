"""The demo's own secrets: made at its first start, kept in `data_dir/demo-secrets.json`
(mode 0600), so that no usable token, session secret or password ships in config/.

Only what the configuration lacks is added: a session secret, an admin and an agent API
token, and the sign-in users "agent" and "manager" with random passwords."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from gateway.http.passwords import hash_password
from gateway.settings import ConfigError, Role, Settings, Token, User

SECRETS_FILE = "demo-secrets.json"
DEMO_TOKENS = (("demo-admin", Role.admin), ("demo-agent", Role.agent))
DEMO_USERS = (("agent", Role.agent), ("manager", Role.manager))


def _make() -> dict[str, Any]:
    users = {}
    for username, _ in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        users[username] = {"password": password, "password_hash": hash_password(password)}
    return {
        "session_secret": secrets.token_urlsafe(32),
        "tokens": {name: secrets.token_urlsafe(32) for name, _ in DEMO_TOKENS},
        "users": users,
    }


def _write(path: Path, kept: dict[str, Any]) -> None:
    # Created readable and writable by the owner alone, never wider even for an instant.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(kept, out, indent=2)
        out.write("\n")


def _complete(kept: Any) -> bool:
    try:
        return (
            isinstance(kept["session_secret"], str)
            and all(isinstance(kept["tokens"][name], str) for name, _ in DEMO_TOKENS)
            and all(
                isinstance(kept["users"][name]["password"], str)
                and isinstance(kept["users"][name]["password_hash"], str)
                for name, _ in DEMO_USERS
            )
        )
    except (KeyError, TypeError):
        return False


def _read(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        kept = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        kept = None
    if not _complete(kept):
        raise ConfigError(
            f"{path}: not the demo's secrets as it wrote them; delete it to get new ones"
        )
    return dict(kept)


def demo_secrets(directory: Path) -> dict[str, Any]:
    """The secrets kept in `directory`, made there first if there are none yet."""
    path = directory / SECRETS_FILE
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            _write(path, _make())
    except OSError as exc:
        raise ConfigError(f"{path}: cannot keep the demo's secrets: {exc.strerror}") from exc
    return _read(path)


def with_demo_secrets(settings: Settings) -> tuple[Settings, dict[str, str]]:
    """`settings` completed with the demo's secrets, and the demo users' passwords."""
    kept = demo_secrets(settings.data_dir)
    http = settings.http
    update: dict[str, Any] = {}
    passwords: dict[str, str] = {}
    if not http.session_secret:
        update["session_secret"] = kept["session_secret"]
    if not http.tokens:
        update["tokens"] = [
            Token(name=name, role=role, token=kept["tokens"][name]) for name, role in DEMO_TOKENS
        ]
    if not http.users and not http.trusted_user_header:
        update["users"] = [
            User(username=name, role=role, password_hash=kept["users"][name]["password_hash"])
            for name, role in DEMO_USERS
        ]
        passwords = {name: str(kept["users"][name]["password"]) for name, _ in DEMO_USERS}
    return settings.model_copy(update={"http": http.model_copy(update=update)}), passwords
