"""What the fuzz tests share: a bounded Hypothesis profile (so that `make test` stays short),
one HTTP connection kept alive across examples, and the check made after each batch: the
server answered nothing with a 5xx, wrote no traceback, and is still healthy.

    @FUZZ
    @given(bodies)
    def test_x(server, body): ...
    # and then, once per module: still_healthy(server)
"""

from __future__ import annotations

import http.client
import json
import os
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.serve import GatewayServer

# A few hundred examples a test (about 3 s for a webhook), no deadline (a request's time
# depends on the shared cores). FUZZ_EXAMPLES=5000 for a longer hunt by hand.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    | st.sampled_from(["inf", "-1", "nan", "1e999", "", "message", "event_callback"])
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


class Connection:
    """One keep-alive HTTP/1.1 connection to `serve`: each request must leave it open (a
    500 from an unhandled exception closes it)."""

    def __init__(self, server: GatewayServer) -> None:
        self.server = server
        self.http = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        self.http.request("POST", path, body=body, headers=headers)
        response = self.http.getresponse()
        data = response.read()
        assert response.status < 500, (response.status, data[:300], self.server.log()[-3000:])
        assert not response.will_close, f"the connection was closed after a {response.status}"
        return response.status, data

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.http.request(method, path, body=raw, headers=headers or {})
        response = self.http.getresponse()
        data = response.read()
        assert response.status < 500, (method, path, body, response.status, data[:300])
        assert not response.will_close, f"the connection was closed after a {response.status}"
        return response.status, data

    def close(self) -> None:
        self.http.close()


def still_healthy(server: GatewayServer) -> None:
    """The process is up and answering, and nothing it was sent made it log a traceback."""
    assert server.running, server.log()[-3000:]
    assert httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200
    log = server.log()
    assert "Traceback" not in log, log[log.index("Traceback") - 500 :][:4000]
