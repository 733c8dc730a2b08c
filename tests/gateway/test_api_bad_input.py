"""Random JSON (and bodies that are not JSON) sent with a valid token to every POST and PUT
route the API describes: each gets a 2xx or 4xx, never a 5xx, the connection stays open, the
log holds no traceback and the process stays healthy. One `serve` for the module."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.clock import TODAY
from tests.fuzz import FUZZ, Connection, json_values, still_healthy
from tests.serve import GatewayServer

PEOPLE = {
    "customers": [{"ref": "C-1", "name": "Ann", "identities": [{"kind": "email",
                                                               "value": "ann@example.org"}]}],
    "cases": [{"id": "K-1", "customer_ref": "C-1", "officer": {"name": "Sam Officer"},
               "warned_on": TODAY.isoformat(), "restricted_on": TODAY.isoformat(),
               "restrictions": [{"kind": "letter_only"}]}],
}  # fmt: skip
# What a path parameter is filled with: an id that exists, one that does not, odd text.
PARAMETERS = st.sampled_from(["C-1", "K-1", "1", "0", "-1", "nobody", "%00", "..", "x" * 300])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    directory: Path = tmp_path_factory.mktemp("api-bad-input")
    gateway = GatewayServer(directory)
    data = directory / "people.json"
    data.write_text(json.dumps(PEOPLE), encoding="utf-8")
    assert gateway.cli("import", str(data)).returncode == 0
    with gateway:
        yield gateway
        still_healthy(gateway)


@pytest.fixture(scope="module")
def connection(server: GatewayServer) -> Iterator[Connection]:
    connection = Connection(server)
    yield connection
    connection.close()


def routes(server: GatewayServer) -> list[tuple[str, str, list[str]]]:
    """(method, path template, the request body's field names) for every POST and PUT."""
    with server.client("admin") as http:
        response = http.get("/openapi.json")
        assert response.status_code == 200, response.text
        schema = response.json()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in ("post", "put", "patch"):
                body = operation.get("requestBody", {}).get("content", {})
                ref = body.get("application/json", {}).get("schema", {}).get("$ref", "")
                model = schema.get("components", {}).get("schemas", {}).get(ref.split("/")[-1])
                found.append((method.upper(), path, sorted((model or {}).get("properties", {}))))
    assert found, "the API describes no POST or PUT routes"
    return found


@pytest.fixture(scope="module")
def api_routes(server: GatewayServer) -> list[tuple[str, str, list[str]]]:
    return routes(server)


@st.composite
def requests(draw: st.DrawFn, api: list[tuple[str, str, list[str]]]) -> tuple[str, str, bytes]:
    method, template, fields = draw(st.sampled_from(api))
    path = re.sub(r"\{[^}]+\}", lambda _: draw(PARAMETERS), template)
    if fields and draw(st.booleans()):  # the route's own fields, with values of any kind
        value: Any = draw(st.dictionaries(st.sampled_from(fields), json_values, max_size=6))
        body = json.dumps(value).encode()
    else:
        body = draw(json_values.map(lambda v: json.dumps(v).encode()) | st.binary(max_size=50))
    return method, path, body


@FUZZ
@given(data=st.data())
def test_no_body_breaks_a_post_or_put_route(
    server: GatewayServer,
    connection: Connection,
    api_routes: list[tuple[str, str, list[str]]],
    data: st.DataObject,
) -> None:
    method, path, body = data.draw(requests(api_routes))
    headers = {**server.headers("admin"), "Content-Type": "application/json"}
    connection.request(method, path, body, headers)


def test_the_token_reaches_the_routes_and_they_still_work(
    server: GatewayServer, connection: Connection
) -> None:
    """The fuzzing above was not all refused at the door: the same token creates a customer."""
    identity = {"kind": "email", "value": "bea@example.org"}
    body = {"ref": "C-AFTER", "name": "Bea", "identities": [identity]}
    headers = {**server.headers("admin"), "Content-Type": "application/json"}
    status, answer = connection.request("POST", "/api/v1/customers", body, headers)
    assert status == 201, answer
    still_healthy(server)
