"""docker-compose.yml: Redis with persistence, two gateways sharing it, health checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_redis_persists_and_reports_health() -> None:
    redis = compose()["services"]["redis"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    assert any(v.endswith(":/data") for v in redis["volumes"])
    assert "redis-cli" in redis["healthcheck"]["test"]


def test_two_gateways_share_one_store_behind_their_own_ports() -> None:
    services = compose()["services"]
    gateways = {k: v for k, v in services.items() if k.startswith("gateway")}
    assert len(gateways) >= 2
    urls = {g["environment"]["CG_STORE__URL"] for g in gateways.values()}
    assert urls == {"redis://redis:6379/0"}
    ports = [p for g in gateways.values() for p in g["ports"]]
    assert len(set(ports)) == len(ports)
    for gateway in gateways.values():
        assert gateway["build"] == "."
        assert gateway["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "/healthz" in " ".join(gateway["healthcheck"]["test"])


def test_the_image_serves_the_redis_example() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "config/redis.toml" in dockerfile and "HEALTHCHECK" in dockerfile
    # the code finds config/ beside its package folders: installed in place, not copied away
    assert "COPY config config" in dockerfile and "pip install --no-cache-dir -e ." in dockerfile
    assert (ROOT / "config" / "redis.toml").is_file()


def test_secrets_come_from_the_operators_env_file_not_the_repository() -> None:
    gateways = {k: v for k, v in compose()["services"].items() if k.startswith("gateway")}
    for gateway in gateways.values():
        assert gateway["env_file"] == "gateway.env"
        named = " ".join(gateway["environment"]).lower()
        assert "secret" not in named and "token" not in named
    assert "gateway.env" in (ROOT / ".gitignore").read_text().split()
