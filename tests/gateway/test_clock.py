"""One clock for the whole process: `[clock] fixed` (or `CG_CLOCK__FIXED`) stands every part
of the gateway still at one instant, for demonstrations and tests; unset, time is real."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from gateway.clock import Clock
from gateway.settings import ConfigError, load_settings
from tests.channels.mail.people import LETTER_ONLY, people
from tests.clock import NOW
from tests.serve import GatewayServer, run_cli


def test_a_fixed_clock_stands_still_and_says_so() -> None:
    clock = Clock(dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC))  # 01:30 BST, 29 March
    assert clock.now() == clock.now() == dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)
    assert clock.today() == dt.date(2026, 3, 29)
    assert "2026-03-29" in repr(clock)
    late = Clock(dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC))  # 23:30 GMT
    assert late.today() == dt.date(2026, 10, 31)
    assert Clock().fixed is None
    with pytest.raises(ValueError, match="UTC offset"):
        Clock(dt.datetime(2026, 3, 29, 10, 30))


def _configured(tmp_path: Path, fixed: str) -> GatewayServer:
    server = GatewayServer(tmp_path, extra={"clock": {"fixed": fixed}})
    path = tmp_path / "people.json"
    path.write_text(json.dumps(people()), encoding="utf-8")
    assert server.cli("import", str(path)).returncode == 0
    return server


@pytest.mark.parametrize(
    ("instant", "action"),
    [(NOW, "refuse"), (NOW + dt.timedelta(days=400), "deliver")],  # 12 months from a month ago
    ids=["restriction in force", "restriction ended"],
)
def test_check_decides_at_the_configured_instant(
    tmp_path: Path, instant: dt.datetime, action: str
) -> None:
    server = _configured(tmp_path, instant.isoformat())
    result = server.cli("check", "--channel", "email", "--from", LETTER_ONLY)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["action"] == action


@pytest.mark.parametrize("wrong", ["2026-03-02T10:30:00", "next monday"])
def test_serve_refuses_a_fixed_time_it_cannot_read(tmp_path: Path, wrong: str) -> None:
    server = GatewayServer(tmp_path, extra={"clock": {"fixed": wrong}})
    result = run_cli(["serve", "--config", str(server.config_path)], cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "clock.fixed" in result.stderr


def test_the_environment_sets_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[store]\nurl = "sqlite://:memory:"\n', encoding="utf-8")
    assert load_settings(path).clock.fixed is None
    monkeypatch.setenv("CG_CLOCK__FIXED", "2026-12-25T09:00:00+00:00")
    assert load_settings(path).clock.fixed == dt.datetime(2026, 12, 25, 9, tzinfo=dt.UTC)
    monkeypatch.setenv("CG_CLOCK__FIXED", "Christmas")
    with pytest.raises(ConfigError, match=r"clock\.fixed"):
        load_settings(path)
