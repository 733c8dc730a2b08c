"""No usable secret ships, `serve` refuses placeholders and short secrets (exit 2, naming the
key), secrets come from files or the environment, and the demo makes its own."""

from __future__ import annotations

import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.commands.demo import welcome
from gateway.commands.demo_secrets import SECRETS_FILE, with_demo_secrets
from gateway.credentials import refusal, refusals, secrets_in
from gateway.settings import ConfigError, load_settings
from tests.serve import ROOT, GatewayServer, run_cli

CONFIG = ROOT / "config"
# `key = "value"` or `"key": "value"` for any key naming a secret, in any text file.
ASSIGNED = re.compile(r"""["']?(\w*(?:token|secret|password))["']?\s*[=:]\s*["']([^"']+)["']""")
TWILIO_LIKE = "3f5a9c0e7b21d84f6a0c9e2b7d15f3a8"  # the shape of a Twilio auth token
SLACK_LIKE = "8f742231b10e8888abcd99ff7a0c85a5"  # and of a Slack signing secret


def config_files() -> list[Path]:
    return [p for p in sorted(CONFIG.rglob("*")) if p.is_file()]


def test_no_file_under_config_holds_a_secret_serve_would_accept() -> None:
    accepted = []
    for path in config_files():
        text = path.read_text(encoding="utf-8", errors="replace")
        found = [(key, value) for key, value in ASSIGNED.findall(text)]
        if path.suffix == ".toml":
            found += [(key, value) for _, key, value in secrets_in(tomllib.loads(text))]
        accepted += [f"{path.name}: {k}" for k, v in found if refusal(k, v) is None]
    assert accepted == []


@pytest.mark.parametrize(
    ("key", "value"),
    [("auth_token", TWILIO_LIKE), ("signing_secret", SLACK_LIKE),
     ("bot_token", "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"),
     ("password", "an app password"), ("token", "kS3x_9QmZt0vB2nR7wLp4yHc8dF1gJ6e")],
)  # fmt: skip
def test_real_looking_secrets_are_accepted(key: str, value: str) -> None:
    assert refusal(key, value) is None


@pytest.mark.parametrize(
    ("value", "why"),
    [("demo-admin-token-0123456789", "example"), ("set-a-long-random-token-here-0000", "example"),
     ("...", "placeholder"), ("<your token here, 32 bytes or more>", "placeholder"),
     ("short-but-random-Zx81", "too short"), ("a" * 40, "repetitive")],
)  # fmt: skip
def test_weak_tokens_are_refused(value: str, why: str) -> None:
    assert why in (refusal("token", value) or "")


def serve_fails(server: GatewayServer) -> str:
    server.write_config()
    result = run_cli(["serve", "--config", str(server.config_path)], cwd=server.directory)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def test_serve_refuses_weak_secrets_naming_each_key(tmp_path: Path) -> None:
    twilio = {"auth_token": "...", "forward_to": "+441332000000"}
    server = GatewayServer(tmp_path, extra={"twilio": twilio})
    server.config["http"]["tokens"][0]["token"] = "demo-admin-token-0123456789"
    server.config["http"]["session_secret"] = "change-me-please-change-me-please-0000"
    stderr = serve_fails(server)
    assert "gateway.toml: http.tokens[0].token: this is an example value" in stderr
    assert "gateway.toml: http.session_secret: this looks like a placeholder" in stderr
    assert "gateway.toml: twilio.auth_token: this looks like a placeholder" in stderr
    server.config["twilio"]["auth_token"] = TWILIO_LIKE[:31]
    server.config["http"]["tokens"][0]["token"] = TWILIO_LIKE
    server.config["http"]["session_secret"] = "x8Kq2mZ"
    stderr = serve_fails(server)
    assert "http.session_secret: too short (7 bytes)" in stderr
    assert "twilio.auth_token: too short (31 bytes)" in stderr and "http.tokens" not in stderr


def test_serve_refuses_a_placeholder_mail_password_for_flags(tmp_path: Path) -> None:
    flags = {"smtp": "127.0.0.1:2587", "email_from": "gateway@landlord.example",
             "username": "gateway", "password": "change-me"}  # fmt: skip
    server = GatewayServer(tmp_path, extra={"flags": flags})
    assert "gateway.toml: flags.password: this looks like a placeholder" in serve_fails(server)


def test_secrets_from_files(tmp_path: Path) -> None:
    server = GatewayServer(tmp_path / "gw")
    token = tmp_path / "admin-token"
    token.write_text("kS3x_9QmZt0vB2nR7wLp4yHc8dF1gJ6e\n")
    session = tmp_path / "session-secret"
    session.write_text("Q7vB2nR7wLp4yHc8dF1gJ6ekS3x_9QmZ")
    http = server.config["http"]
    http["tokens"] = [{"name": "from-file", "role": "admin", "token_file": str(token)}]
    http.pop("session_secret")
    http["session_secret_file"] = str(session)
    server.write_config()
    with server:
        bearer = {"Authorization": "Bearer kS3x_9QmZt0vB2nR7wLp4yHc8dF1gJ6e"}
        assert httpx.get(f"{server.url}/api/v1/audit", headers=bearer).status_code == 200
        assert httpx.get(f"{server.url}/api/v1/audit").status_code == 401
    http["tokens"][0]["token_file"] = str(tmp_path / "missing")
    assert "http.tokens[0].token_file: cannot read" in serve_fails(server)
    http["tokens"][0]["token"] = "kS3x_9QmZt0vB2nR7wLp4yHc8dF1gJ6e"
    assert "http.tokens[0].token_file: set token or token_file, not both" in serve_fails(server)


def test_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tokens = '[{"name": "housing-system", "role": "admin", "token": "kS3x_9QmZt0vB2nR7wLp4yH"}]'
    monkeypatch.setenv("CG_HTTP__TOKENS", tokens)
    monkeypatch.setenv("CG_HTTP__SESSION_SECRET", "from-the-environment")
    monkeypatch.setenv("CG_TWILIO__AUTH_TOKEN", TWILIO_LIKE)
    path = tmp_path / "gateway.toml"
    path.write_text('[http]\nlisten = "127.0.0.1:8080"\n[twilio]\nforward_to = "+441332000000"\n')
    settings = load_settings(path)
    assert settings.http.tokens[0].name == "housing-system"
    assert settings.http.listen == "127.0.0.1:8080"  # the file's keys stay
    assert settings.http.session_secret == "from-the-environment"
    assert settings.channel_sections["twilio"]["auth_token"] == TWILIO_LIKE
    monkeypatch.setenv("CG_HTTP__SESSION_SECRET_FILE", str(tmp_path / "none"))
    with pytest.raises(ConfigError, match=r"gateway\.toml: http\.session_secret_file"):
        load_settings(path)


def test_the_demo_makes_its_own_secrets_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CG_DATA_DIR", str(tmp_path / "demo"))
    settings, passwords = with_demo_secrets(load_settings(CONFIG / "demo.toml"))
    kept = tmp_path / "demo" / SECRETS_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    http: dict[str, Any] = settings.http.model_dump(mode="json")
    assert refusals({"http": http}) == [] and http["session_secret"]
    assert {u.username for u in settings.http.users} == {"agent", "manager"}
    text = welcome(settings, None, passwords)
    admin = next(t.token for t in settings.http.tokens if t.role == "admin")
    assert f"Authorization: Bearer {admin}" in text
    assert f"sign in:  manager (manager, password {passwords['manager']})" in text
    again, _ = with_demo_secrets(load_settings(CONFIG / "demo.toml"))
    assert again.http == settings.http  # the same secrets at the next start
    kept.write_text("{}")
    with pytest.raises(ConfigError, match="delete it to get new ones"):
        with_demo_secrets(load_settings(CONFIG / "demo.toml"))
