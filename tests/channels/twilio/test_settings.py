"""The `[twilio]` section: checked when the gateway starts, with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from channels.twilio import TwilioSettings, plugin
from tests.serve import GatewayServer, run_cli


def test_the_contact_centre_number_is_read_in_any_uk_format() -> None:
    config = TwilioSettings(auth_token="secret-token", forward_to="01332 000000")
    assert config.forward_to == "+441332000000"
    assert config.voice == "Polly.Amy"
    assert config.language == "en-GB"
    assert "secret-token" not in repr(config)
    assert plugin.name == "twilio"
    assert plugin.routes is not None


@pytest.mark.parametrize(
    ("section", "key"),
    [({"forward_to": "+441332000000"}, "auth_token"), ({"auth_token": "t"}, "forward_to"),
     ({"auth_token": "t", "forward_to": "not a number"}, "forward_to"),
     ({"auth_token": "t", "forward_to": "+441332000000", "voise": "x"}, "voise")],
)  # fmt: skip
def test_a_bad_section_is_refused(section: dict[str, str], key: str) -> None:
    with pytest.raises(ValidationError) as exc:
        TwilioSettings.model_validate(section)
    assert key in str(exc.value)


def test_serve_refuses_to_start_without_an_auth_token(tmp_path: Path) -> None:
    server = GatewayServer(tmp_path, extra={"twilio": {"forward_to": "+441332000000"}})
    result = run_cli(["serve", "--config", str(server.config_path)], cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "[twilio]: auth_token" in result.stderr
