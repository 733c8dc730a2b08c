"""Every download names its file in a header any client reads: an ASCII `filename` and the
exact name in RFC 5987 `filename*`, even for a case id outside Latin-1 (`K-漢`), through the
API's report and a case's letter, against a real `serve`."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterator

import httpx
import pytest

from gateway.http.downloads import content_disposition
from tests.clock import TODAY
from tests.serve import GatewayServer

CASE = "K-漢"
PATH = urllib.parse.quote(CASE)


def days_ago(n: int) -> str:
    return (TODAY - dt.timedelta(days=n)).isoformat()


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with GatewayServer(tmp_path_factory.mktemp("downloads")) as server:
        with server.client("admin") as client:
            person = {"ref": "C-1", "name": "Customer One", "identities": []}
            assert client.post("/api/v1/customers", json=person).status_code == 201
            case = {"id": CASE, "customer_ref": "C-1", "reason": "concern", "on": days_ago(20)}
            assert client.post("/api/v1/cases", json=case).status_code == 201
            warning = {"on": days_ago(15), "reason": "letter sent"}
            assert client.post(f"/api/v1/cases/{PATH}/warning", json=warning).status_code == 200
            yield client
        assert "Traceback" not in server.log()


def test_the_header_has_an_ascii_name_and_the_exact_one() -> None:
    assert content_disposition("K-漢.pdf") == (
        "attachment; filename=\"K-_.pdf\"; filename*=UTF-8''K-%E6%BC%A2.pdf"
    )
    assert content_disposition('a"b\\c\r\n.csv', "inline") == (
        "inline; filename=\"a_b_c__.csv\"; filename*=UTF-8''a%22b%5Cc%0D%0A.csv"
    )


@pytest.mark.parametrize("format", ["pdf", "csv", "json"])
def test_the_report_of_case_k_kan(admin: httpx.Client, format: str) -> None:
    response = admin.get(f"/api/v1/cases/{PATH}/report", params={"format": format})
    assert response.status_code == 200, response.text
    name = f"{CASE}-contact-report.{format}"
    assert response.headers["content-disposition"] == content_disposition(name)
    assert "filename*=UTF-8''K-%E6%BC%A2-contact-report." in response.headers["content-disposition"]


def test_a_letter_of_case_k_kan(admin: httpx.Client) -> None:
    response = admin.get(f"/cases/{PATH}/letters/1.pdf")
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('inline; filename="K-_-letter-1-')
    assert "filename*=UTF-8''K-%E6%BC%A2-letter-1-" in disposition
