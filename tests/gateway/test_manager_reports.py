"""The 12-month contact-volume report and the subject access export, against a real `serve`
process whose store holds 13 months of dispatched contact: the numbers equal what was sent
and decided, in JSON, CSV and PDF, from the API and the command line; and every manager route
checks its role."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from policy_core.models import add_months
from policy_core.volume import months_ending
from tests.gateway.volume_seed import OFFICER, RESTRICTED_ON, TODAY, Seeded, seed
from tests.serve import GatewayServer


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GatewayServer, Seeded]]:
    server = GatewayServer(tmp_path_factory.mktemp("reports"))
    # K-1's officer has a token of their own: an officer reads the reports of their cases
    jo = {"name": OFFICER["name"], "token": JO_TOKEN, "role": "officer"}
    server.config["http"]["tokens"].append(jo)
    server.write_config()
    found = seed(server)
    with server:
        yield server, found


JO_TOKEN = "test-jo-officer-token-0123456789abcdefghijklmnop"


def jo_client(server: GatewayServer) -> httpx.Client:
    headers = {"Authorization": f"Bearer {JO_TOKEN}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=10)


def report_json(server: GatewayServer, case_id: str = "K-1") -> dict:  # type: ignore[type-arg]
    with jo_client(server) as http:
        response = http.get(f"/api/v1/cases/{case_id}/report", params={"format": "json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    data: dict = response.json()  # type: ignore[type-arg]
    return data


def test_the_report_counts_what_was_sent_by_month_and_channel(
    seeded: tuple[GatewayServer, Seeded],
) -> None:
    server, sent = seeded
    report = report_json(server)
    months = months_ending(TODAY)
    assert [row["month"] for row in report["months"]] == list(months)
    expected = sent.month_channel()
    for row in report["months"]:
        for channel in ("email", "phone", "sms"):
            assert row["channels"].get(channel, 0) == expected[row["month"], channel], row
    in_window = sum(n for (month, _), n in expected.items() if month in months)
    assert report["totals"]["total"] == in_window
    assert in_window < sum(expected.values())  # the 13th month is outside the 12


def test_the_report_shows_time_spent_on_calls(seeded: tuple[GatewayServer, Seeded]) -> None:
    server, sent = seeded
    report = report_json(server)
    for row in report["months"]:
        assert row["call_seconds"] == sent.call_seconds[row["month"]], row
    months = set(months_ending(TODAY))
    total = sum(n for month, n in sent.call_seconds.items() if month in months)
    assert report["totals"]["call_seconds"] == total > 0
    with jo_client(server) as http:
        rows = list(csv.DictReader(io.StringIO(http.get(
            "/api/v1/cases/K-1/report", params={"format": "csv"}
        ).text)))  # fmt: skip
    assert int(rows[-1]["call_seconds"]) == total


def test_the_report_says_what_the_gateway_did_and_which_flags_it_raised(
    seeded: tuple[GatewayServer, Seeded],
) -> None:
    server, sent = seeded
    report = report_json(server)
    for row in report["months"]:
        for action in ("deliver", "redirect", "refuse", "hold"):
            assert row["actions"].get(action, 0) == sent.actions[row["month"], action], row
        for (month, kind), count in sent.flags.items():
            if month == row["month"]:
                assert row["flags"].get(kind, 0) == count
    # Letter only since the restriction: what came after it was refused, what came before not.
    restricted_month = f"{RESTRICTED_ON:%Y-%m}"
    last = report["months"][-1]
    assert last["actions"].get("refuse", 0) == last["total"] > 0
    first = report["months"][0]
    assert first["month"] < restricted_month
    assert first["actions"] == {"deliver": first["total"]}
    assert report["totals"]["flags"].get("restriction_breach", 0) > 0


def test_the_report_compares_the_year_before_the_restriction(
    seeded: tuple[GatewayServer, Seeded],
) -> None:
    server, sent = seeded
    comparison = report_json(server)["comparison"]
    before_start = add_months(RESTRICTED_ON, -12)
    assert comparison["before"]["starts_on"] == before_start.isoformat()
    assert comparison["before"]["total"] == sent.between(
        before_start, RESTRICTED_ON - timedelta(days=1)
    )
    assert comparison["since"]["total"] == sent.between(RESTRICTED_ON, TODAY)
    assert comparison["before_per_30_days"] is not None


def test_the_csv_has_a_row_a_month_and_a_total(seeded: tuple[GatewayServer, Seeded]) -> None:
    server, sent = seeded
    with jo_client(server) as http:
        response = http.get("/api/v1/cases/K-1/report", params={"format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="K-1-contact-report.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["month"] for r in rows] == [*months_ending(TODAY), "total"]
    expected = sent.month_channel()
    for row in rows[:-1]:
        assert int(row["channel_email"]) == expected[row["month"], "email"]
        assert int(row["action_refuse"]) == sent.actions[row["month"], "refuse"]
    assert int(rows[-1]["contacts"]) == sum(int(r["contacts"]) for r in rows[:-1])


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_opens_and_carries_the_figures(seeded: tuple[GatewayServer, Seeded]) -> None:
    server, _ = seeded
    report = report_json(server)
    with server.client("manager") as http:
        response = http.get("/api/v1/cases/K-1/report", params={"format": "pdf"})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "contact volume report" in text
    assert "Case K-1, customer C-1" in text
    assert f"{report['totals']['total']} contacts" in text
    busiest = max(report["months"], key=lambda row: row["total"])
    assert busiest["month"] in text
    assert "Before and since the restriction" in text


def test_the_report_command_writes_each_format_whole(
    seeded: tuple[GatewayServer, Seeded], tmp_path: Path
) -> None:
    server, _ = seeded
    expected = report_json(server)
    for fmt in ("json", "csv", "pdf"):
        out = tmp_path / f"report.{fmt}"
        result = server.cli("report", "--case", "K-1", "--format", fmt, "--out", str(out))
        assert result.returncode == 0, result.stderr
        assert f"case K-1: {expected['totals']['total']} contact(s)" in result.stdout
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "report.json").read_text())["totals"] == expected["totals"]
    assert (tmp_path / "report.csv").read_text().startswith("month,contacts,")
    assert "contact volume report" in pdf_text((tmp_path / "report.pdf").read_bytes())


def test_the_report_command_for_an_unknown_case_writes_nothing(
    seeded: tuple[GatewayServer, Seeded], tmp_path: Path
) -> None:
    server, _ = seeded
    out = tmp_path / "none.csv"
    result = server.cli("report", "--case", "K-404", "--format", "csv", "--out", str(out))
    assert result.returncode == 1
    assert "no case K-404" in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []
    bad = server.cli("report", "--case", "K-1", "--format", "xls", "--out", str(out))
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_export_subject_writes_everything_held_about_one_person(
    seeded: tuple[GatewayServer, Seeded], tmp_path: Path
) -> None:
    server, sent = seeded
    out = tmp_path / "rita.zip"
    result = server.cli("export-subject", "--customer", "C-1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        assert {"README.txt", "customer.json", "cases.json", "contacts.json", "held.json"} <= names
        assert {"flags.json", "daily_counts.json", "audit.json"} <= names
        customer = json.loads(archive.read("customer.json"))
        contacts = json.loads(archive.read("contacts.json"))
        held = json.loads(archive.read("held.json"))
        cases = json.loads(archive.read("cases.json"))
    assert customer["name"] == "Rita Review"
    assert customer["representatives"][0]["name"] == "Priya Raman"
    assert len(contacts) == sum(sent.sent.values())
    assert len(held) == sum(n for (_, action), n in sent.actions.items() if action == "refuse")
    assert all(item["contact"]["text"].startswith("Message ") for item in held)
    assert [c["id"] for c in cases] == ["K-1"]
    missing = server.cli("export-subject", "--customer", "C-404", "--out", str(tmp_path / "x"))
    assert missing.returncode == 1 and "no customer C-404" in missing.stderr
    assert not (tmp_path / "x").exists()


ROUTES = [
    "/api/v1/cases/K-1/report",
    "/reviews",
    "/cases/K-1",
    "/cases/K-1/steps/reviews",
    "/cases/K-1/letters/1",
    "/cases/K-1/letters/1.pdf",
]


def test_taking_a_step_needs_a_signed_in_manager(seeded: tuple[GatewayServer, Seeded]) -> None:
    server, _ = seeded
    form = {"outcome": "lifted", "reason": "no longer needed", "confirm": "yes"}
    with server.client(None) as anonymous:
        response = anonymous.post("/cases/K-2/steps/reviews", data=form, follow_redirects=False)
        assert response.status_code in (303, 403)
    with server.client("agent") as agent:
        response = agent.post("/cases/K-2/steps/reviews", data=form, follow_redirects=False)
        assert response.status_code == 403
    with server.client("manager") as http:
        assert http.get("/api/v1/cases/K-2").json()["state"] == "restricted"


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_needs_a_signed_in_officer(
    seeded: tuple[GatewayServer, Seeded], path: str
) -> None:
    server, _ = seeded
    with server.client(None) as anonymous:
        response = anonymous.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        assert response.status_code == 401
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    with server.client("agent") as agent:
        assert agent.get(path, follow_redirects=False).status_code == 403


def test_an_officer_takes_no_managers_step_and_sees_only_their_own_cases(
    tmp_path: Path, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, _ = seeded
    with server.client("officer") as http:  # the token's name is not an officer of any case
        assert http.get("/reviews").status_code == 200
        assert "K-1" not in http.get("/reviews").text
        assert http.get("/cases/K-1").status_code == 403
        assert http.get("/cases/K-1/steps/reviews").status_code == 403
        assert http.get("/api/v1/cases/K-1/report").status_code == 403  # as the pages say
    with server.client("manager") as http:
        page = http.get("/reviews").text
        for case_id in ("K-2", "K-3", "K-4"):
            assert f'href="/cases/{case_id}"' in page
        assert 'href="/cases/K-1"' not in page  # its review is six months away
        assert http.get("/cases/K-404").status_code == 404
        assert http.get("/cases/K-1/steps/no-such-step").status_code == 404
    assert OFFICER["email"] == "jo@landlord.example"
