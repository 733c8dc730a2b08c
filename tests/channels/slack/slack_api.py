"""A stand-in for Slack's Web API on a loopback port: records every call and answers the way
Slack does ({"ok": true, ...}). It runs in a thread so that synchronous tests can poll it."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


class SlackApi:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.lock = threading.Lock()
        self.fail_with: int | None = None  # answer every call with this HTTP status
        self.refused: list[Call] = []  # the calls answered with it
        self.stalled: list[Call] = []  # the calls kept waiting while Slack hangs
        self._answering = threading.Event()
        self._answering.set()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                auth = self.headers.get("Authorization") or ""
                token = auth.removeprefix("Bearer ") or params.get("token")
                method = self.path.rsplit("/", 1)[-1]
                status, answer = api.answer(Call(method, params, token))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def hang(self) -> None:
        """From now on, accept every call and answer none until `resume` (a slow outage)."""
        self._answering.clear()

    def resume(self) -> None:
        self._answering.set()

    def answer(self, call: Call) -> tuple[int, dict[str, Any]]:
        if not self._answering.is_set():
            with self.lock:
                self.stalled.append(call)
            self._answering.wait(30)
        with self.lock:
            if self.fail_with is not None:
                self.refused.append(call)
                return self.fail_with, {"ok": False, "error": "service_unavailable"}
            self.calls.append(call)
            ts = f"{time.time():.6f}"  # wall clock ok: a message id, as Slack makes one
        if call.method == "chat.postMessage":
            return 200, {"ok": True, "channel": call.params.get("channel"), "ts": ts}
        if call.method == "chat.postEphemeral":
            return 200, {"ok": True, "message_ts": ts}
        return 200, {"ok": True}

    def of(self, method: str, where: Callable[[Call], bool] = lambda c: True) -> list[Call]:
        with self.lock:
            return [c for c in self.calls if c.method == method and where(c)]

    def wait_for(
        self, method: str, where: Callable[[Call], bool] = lambda c: True, count: int = 1,
        timeout: float = 10,
    ) -> list[Call]:  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method, where)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {count} {method} call(s) in {timeout}s; calls: {self.calls}")

    def __enter__(self) -> SlackApi:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.resume()
        self.server.shutdown()
        self.server.server_close()


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with a request: the v0 signature over `v0:timestamp:body`."""
    ts = str(int(time.time()) if timestamp is None else timestamp)  # wall clock ok: signed now
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}
