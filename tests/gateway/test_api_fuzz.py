"""The API against its own OpenAPI description, over HTTP to a real `serve`, with each role's
token: schemathesis generates requests from the description (bounded: a few examples per
operation and role, a time limit on each role), and no answer may be a server error or differ
from the description's response schema."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.serve import GatewayServer

# Examples per operation for each role's token: most for those who may do most.
EXAMPLES = {"admin": 12, "manager": 6, "officer": 6, "agent": 3, "metrics": 2}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayServer]:
    with GatewayServer(tmp_path_factory.mktemp("fuzz")) as running:
        with running.client("admin") as admin:  # something to find, besides what is made up
            body = {"ref": "C-1", "name": "Jo Bloggs",
                    "identities": [{"kind": "email", "value": "jo@example.org"}]}  # fmt: skip
            assert admin.post("/api/v1/customers", json=body).status_code == 201
            case = {"id": "K-1", "customer_ref": "C-1", "reason": "concern"}
            assert admin.post("/api/v1/cases", json=case).status_code == 201
        yield running


@pytest.fixture(scope="module")
def schema(server: GatewayServer) -> schemathesis.BaseSchema:
    with server.client("agent") as agent:
        spec = agent.get("/openapi.json")
    assert spec.status_code == 200
    return schemathesis.openapi.from_dict(spec.json())


@pytest.mark.timeout(120)
@pytest.mark.parametrize("role", list(EXAMPLES))
def test_no_request_gets_a_server_error_or_an_undescribed_answer(
    server: GatewayServer, schema: schemathesis.BaseSchema, role: str
) -> None:
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20  # the whole API, not a part of it
    checks = [not_a_server_error, response_schema_conformance]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES[role],
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            answer = case.call(base_url=server.url, headers=server.headers(role), timeout=10)
            case.validate_response(answer, checks=checks)

        run()
