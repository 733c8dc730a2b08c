"""A real `contact-gateway serve` process for tests, and a runner for the other commands.

    server = GatewayServer(tmp_path, extra={"smtp": {"listen": "127.0.0.1:2525"}})  # writes TOML
    with server:                                   # starts `serve`, waits for /healthz
        with server.client("officer") as http:     # httpx.Client with the officer's bearer token
            http.get("/api/v1/held")
        server.kill()                              # SIGKILL; server.start() brings it back
    # leaving the block stops it (SIGTERM, then SIGKILL after a grace period)

    server.config["http"]["users"] = [...]; server.write_config()   # before start()

    result = run_cli(["import", "--config", str(server.config_path), "data.json"])

Everything lives in the directory given (the config, the SQLite file, the data dir and
`serve.log`, which is shown when the process fails to come up). The server's working directory
is that directory too, so relative paths in `extra` sections resolve there.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from tests.clock import NOW
from tests.dnsserver import shared as shared_dns
from tests.servers import free_port

ROLES = ("agent", "officer", "manager", "admin")
ROOT = Path(__file__).resolve().parent.parent


def token_for(role: str) -> str:
    """The bearer token `GatewayServer` configures for a role (at least 32 bytes, as `serve`
    asks of every token)."""
    return f"test-{role}-token-0123456789abcdefghijklmnop"


def run_cli(
    args: Sequence[str], *, cwd: Path | None = None, timeout: float = 60, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Runs `contact-gateway ARGS...` in a fresh interpreter; never raises on a failing status."""
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=input,
        env=_env(),
        check=False,
    )


def _env() -> dict[str, str]:
    # The configuration file is the only source of settings: drop any CG_ override around us.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CG_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{text}"'
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def to_toml(data: Mapping[str, Any], prefix: str = "") -> str:
    """Enough TOML for gateway configurations: tables, arrays of tables, scalars, lists."""
    lines: list[str] = []
    tables: list[tuple[str, Any]] = []
    for key, value in data.items():
        is_table_list = (
            isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value)
        )
        if isinstance(value, Mapping) or is_table_list:
            tables.append((key, value))
        else:
            lines.append(f"{key} = {toml_value(value)}")
    out = "\n".join(lines) + ("\n" if lines else "")
    for key, value in tables:
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out += f"\n[{name}]\n" + to_toml(value, f"{name}.")
        else:
            for item in value:
                out += f"\n[[{name}]]\n" + to_toml(item, f"{name}.")
    return out


class GatewayServer:
    """A `serve` process on a free loopback port, configured in `directory`.

    `store_url` defaults to a SQLite file in `directory`; `extra` adds or replaces top-level
    sections (channel sections such as `[smtp]`, or `organisation`/`policy` overrides)."""

    def __init__(
        self,
        directory: Path,
        *,
        store_url: str | None = None,
        profile: str = "derby-homes-2020",
        extra: Mapping[str, Any] | None = None,
        startup_timeout: float = 30,
    ) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.store_url = store_url or f"sqlite:///{directory / 'gateway.db'}"
        self.config_path = directory / "gateway.toml"
        self.log_path = directory / "serve.log"
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.config: dict[str, Any] = {
            "data_dir": str(directory / "data"),
            "organisation": {
                "name": "Test Homes",
                "postal_address": "Test Homes, 1 High Street, Derby DE1 1AA",
                "appeal_address": "Head of Service, Test Homes, 1 High Street, Derby DE1 1AA",
                "emergency_email": "emergency@landlord.example",
                "emergency_phone": "+441332000999",
            },
            "store": {"url": self.store_url},
            "clock": {"fixed": NOW.isoformat()},
            "policy": {"profile": profile},
            "http": {
                "listen": f"127.0.0.1:{self.port}",
                "public_url": f"http://127.0.0.1:{self.port}",
                "session_secret": "test-session-secret-0123456789abcdefghijklmnop",
                "tokens": [
                    {"name": f"{role}-user", "token": token_for(role), "role": role}
                    for role in (*ROLES, "metrics")
                ],
            },
            **(extra or {}),
        }
        for name in ("smtp", "imap"):  # the mail channels' DNS: a stand-in, never the internet
            section = self.config.get(name)
            if isinstance(section, dict) and "dns_servers" not in section:
                self.config[name] = {**section, "dns_servers": [shared_dns().address]}
        self.write_config()

    def write_config(self) -> None:
        """Writes `self.config` again, after a test changed it (before `start`/`restart`)."""
        self.config_path.write_text(to_toml(self.config), encoding="utf-8")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, role: str) -> str:
        return token_for(role)

    def principal(self, role: str) -> str:
        """The name the gateway records for a role's token (in the audit trail)."""
        return f"{role}-user"

    def headers(self, role: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token_for(role)}"} if role else {}

    def client(self, role: str | None = None, timeout: float = 10) -> httpx.Client:
        """An httpx client on this server, signed in with `role`'s token (None: anonymous)."""
        return httpx.Client(base_url=self.url, headers=self.headers(role), timeout=timeout)

    def start(self) -> GatewayServer:
        if self.running:
            return self
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gateway.cli", "serve", "--config", str(self.config_path)],
                cwd=self.directory,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=_env(),
            )
        self.wait_healthy()
        return self

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.kill()
        raise RuntimeError(
            f"serve did not become healthy in {self.startup_timeout}s:\n{self.log()}"
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, grace: float = 10) -> int | None:
        """SIGTERM and wait (SIGKILL after `grace` seconds); returns the exit status. uvicorn
        re-raises SIGTERM after a clean shutdown, so a clean stop returns -15."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (a crash)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> GatewayServer:
        self.stop()
        return self.start()

    def log(self) -> str:
        return (
            self.log_path.read_text(encoding="utf-8", errors="replace")
            if self.log_path.exists()
            else ""
        )

    def cli(
        self, command: str, *args: str, config: Path | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Runs another command (`import`, `check`, ...) with this server's configuration
        (or `config`): `server.cli("import", "data.json")`."""
        path = str(config or self.config_path)
        return run_cli([command, "--config", path, *args], cwd=self.directory, timeout=timeout)

    def __enter__(self) -> GatewayServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
