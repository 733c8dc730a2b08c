"""Every route is bounded: a body over `http.max_body_bytes` (the webhooks:
`http.max_webhook_body_bytes`) gets 413 with a short plain message, from its Content-Length
before any of it is read, or as soon as a chunked body passes the limit, and the server stays
healthy. Spoken to over raw sockets, so the test sees exactly what is sent and when."""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serve import GatewayServer

BIG = 32 * 1024 * 1024
CHUNK = 64 * 1024
SLACK = {
    "signing_secret": "test-signing-secret-0123456789abcdef",
    "bot_token": "xoxb-test-bot-token-0123456789abcdefghij",
    "api_url": "http://127.0.0.1:9/api/",  # never called: no event gets as far as Slack
    "officer_channel": "C0OFFICERS",
}
TWILIO = {"auth_token": "0123456789abcdef" * 2, "forward_to": "+441332000000"}
PATHS = ["/slack/events", "/webhooks/twilio/voice", "/webhooks/twilio/sms",
         "/webhooks/twilio/status", "/api/v1/customers", "/login"]  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    directory = tmp_path_factory.mktemp("limits")
    with GatewayServer(directory, extra={"slack": SLACK, "twilio": TWILIO}) as gateway:
        yield gateway
    assert "Traceback" not in gateway.log()


def response_of(sock: socket.socket, timeout: float = 10) -> bytes:
    """The answer, read until the server closes (a 413 says `connection: close`)."""
    sock.settimeout(timeout)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def post(server: GatewayServer, path: str, headers: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\n{headers}\r\n".encode()
    )
    return sock


def healthy(server: GatewayServer) -> bool:
    return httpx.get(f"{server.url}/healthz", timeout=5).status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_a_declared_32_mb_body_is_refused_before_it_is_read(
    server: GatewayServer, path: str
) -> None:
    started = time.monotonic()
    with post(server, path, f"Content-Length: {BIG}\r\n") as sock:
        sock.sendall(b"x" * CHUNK)  # a little of it; the rest never needs to go
        answer = response_of(sock)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"content-type: text/plain" in answer.lower()
    assert answer.endswith(b"Request body too large: at most %d bytes.\n" % limit_of(path))
    assert time.monotonic() - started < 5
    assert healthy(server)


@pytest.mark.parametrize("path", PATHS)
def test_a_chunked_32_mb_body_is_cut_off_as_it_streams(server: GatewayServer, path: str) -> None:
    sent, started = 0, time.monotonic()
    with post(server, path, "Transfer-Encoding: chunked\r\n") as sock:
        chunk = b"%x\r\n" % CHUNK + b"x" * CHUNK + b"\r\n"
        try:
            while sent < BIG and not select.select([sock], [], [], 0)[0]:
                sock.sendall(chunk)
                sent += CHUNK
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = response_of(sock)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert sent < BIG // 2  # answered long before the end: the server did not read it whole
    assert time.monotonic() - started < 5  # and hung up rather than take the rest
    assert healthy(server)


def limit_of(path: str) -> int:
    return 262_144 if path.startswith(("/slack/", "/webhooks/")) else 1_048_576


def test_limits_are_configurable_and_small_bodies_pass(tmp_path: Path) -> None:
    gateway = GatewayServer(tmp_path, extra={"twilio": TWILIO})
    gateway.config["http"] |= {"max_body_bytes": 2000, "max_webhook_body_bytes": 500}
    gateway.write_config()
    with gateway, gateway.client("admin") as admin:
        small = admin.post("/api/v1/customers", json={"ref": "C-1", "name": "A" * 100})
        assert small.status_code < 400, small.text
        large = admin.post("/api/v1/customers", json={"ref": "C-2", "name": "A" * 3000})
        assert large.status_code == 413 and "at most 2000 bytes" in large.text
        form = {"From": "+447700900123", "Body": "x" * 600}
        webhook = admin.post("/webhooks/twilio/sms", data=form)
        assert webhook.status_code == 413 and "at most 500 bytes" in webhook.text
        assert admin.get("/api/v1/customers/C-2").status_code == 404  # never created
    assert "Traceback" not in gateway.log()
