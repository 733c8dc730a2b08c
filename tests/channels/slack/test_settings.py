"""A `[slack]` section that cannot work is refused at start: `serve` names the file and the
key and exits with status 2 rather than running a Slack app that would fail later."""

from __future__ import annotations

from pathlib import Path

from tests.serve import GatewayServer, run_cli

SLACK = {
    "signing_secret": "test-signing-secret-0123456789abcdef",
    "bot_token": "xoxb-test-bot-token-0123456789abcdefghij",
    "api_url": "http://127.0.0.1:9/api/",
    "officer_channel": "C0OFFICERS",
}


def serve_with(tmp_path: Path, **slack: object) -> tuple[int, str]:
    server = GatewayServer(tmp_path, extra={"slack": {**SLACK, **slack}})
    result = run_cli(["serve", "--config", str(server.config_path)], cwd=tmp_path, timeout=30)
    return result.returncode, result.stderr


def test_hiding_messages_without_an_admin_token_is_a_config_error(tmp_path: Path) -> None:
    status, stderr = serve_with(tmp_path, hide_messages=True)
    assert status == 2
    assert "gateway.toml" in stderr and "[slack]" in stderr and "admin_token" in stderr


def test_an_unknown_slack_key_is_named(tmp_path: Path) -> None:
    status, stderr = serve_with(tmp_path, officer_chanel="C0TYPO")
    assert status == 2 and "officer_chanel" in stderr
