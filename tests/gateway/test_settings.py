"""The configuration file: keys from the issue, environment overrides, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.plugins import enabled_channels
from gateway.settings import ConfigError, Role, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["demo.toml", "redis.toml"])
def test_shipped_examples_load(name: str) -> None:
    settings = load_settings(ROOT / "config" / name)
    assert settings.organisation.emergency_phone == "+441332000999"
    assert settings.policy.profile == "derby-homes-2020"
    assert not settings.http.tokens and not settings.http.session_secret  # none ships


def test_environment_overrides_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CG_STORE__URL", "redis://127.0.0.1:6390/2")
    settings = load_settings(ROOT / "config" / "demo.toml")
    assert settings.store.url == "redis://127.0.0.1:6390/2"
    assert settings.organisation.name == "Derby Homes (demo)"


def test_bad_value_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[http.tokens]]\ntoken = "0123456789abcdef"\nrole = "superuser"\n')
    with pytest.raises(ConfigError, match=r"bad\.toml: http\.tokens\.0\.role"):
        load_settings(path)


def test_unknown_key_in_a_section_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[store]\nurl = "sqlite:///x.db"\npasword = "x"\n')
    with pytest.raises(ConfigError, match=r"store\.pasword"):
        load_settings(path)


def test_broken_toml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[store\nurl=")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.toml")


def test_a_section_for_a_channel_not_installed_is_named(tmp_path: Path) -> None:
    path = tmp_path / "fax.toml"
    path.write_text('[fax]\nnumber = "+441332000000"\n')
    settings = load_settings(path)
    with pytest.raises(ConfigError, match=r"\[fax\]: no channel named 'fax' is installed"):
        enabled_channels(settings, str(path))


def test_roles_include_the_roles_below() -> None:
    assert Role.admin.includes(Role.agent)
    assert Role.manager.includes(Role.officer)
    assert not Role.agent.includes(Role.officer)
