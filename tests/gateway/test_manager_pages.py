"""The manager's workspace in Debian's Chromium, against a real `serve` process whose store
holds 13 months of dispatched contact: the review queue, one case with its volume report
(the figures equal what was sent), and the lifecycle forms from preview to letter, including
a step the case does not allow. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from pypdf import PdfReader

from gateway.http.passwords import hash_password
from policy_core.volume import months_ending
from tests.browser import CHROMIUM, axe_violations, needs_chromium, shot
from tests.clock import a_year_on, first_working_day
from tests.gateway.volume_seed import TODAY, Seeded, seed
from tests.serve import GatewayServer

PASSWORD = "a long enough password"
USERS = {"manager1": "manager", "Jo Officer": "officer", "agent1": "agent"}

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GatewayServer, Seeded]]:
    server = GatewayServer(tmp_path_factory.mktemp("manager-pages"))
    server.config["http"]["users"] = [
        {"username": name, "password_hash": hash_password(PASSWORD), "role": role}
        for name, role in USERS.items()
    ]
    server.write_config()
    found = seed(server)
    with server:
        yield server, found


@pytest.fixture(scope="module")
def browser(seeded: tuple[GatewayServer, Seeded]) -> Iterator[Browser]:
    # after seeding: the seeder runs its own event loop, Playwright's sync API another
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@contextlib.contextmanager
def signed_in(browser: Browser, server: GatewayServer, username: str) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{server.url}/login")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        page.close()
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def manager(browser: Browser, seeded: tuple[GatewayServer, Seeded]) -> Iterator[BrowserContext]:
    with signed_in(browser, seeded[0], "manager1") as context:
        yield context


@pytest.fixture
def page(manager: BrowserContext) -> Iterator[Page]:
    page = manager.new_page()
    page.set_default_timeout(8000)
    yield page
    page.close()


def queue_cases(page: Page) -> list[str]:
    return page.locator("table.queue tbody tr td:nth-child(2)").all_inner_texts()


def case_json(server: GatewayServer, case_id: str) -> dict[str, object]:
    with server.client("manager") as http:
        response = http.get(f"/api/v1/cases/{case_id}")
    assert response.status_code == 200, response.text
    result: dict[str, object] = response.json()
    return result


def minutes(seconds: int) -> str:
    """As the page writes a time on the telephone, rounded up to the minute."""
    whole = -(-seconds // 60)
    return f"{whole // 60} h {whole % 60:02d} min" if whole >= 60 else f"{whole} min"


def long_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def test_the_queue_shows_what_waits_for_a_decision(
    page: Page, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, _ = seeded
    page.goto(f"{server.url}/reviews")
    expect(page.get_by_role("heading", name="Reviews and appeals")).to_be_visible()
    assert sorted(queue_cases(page)) == ["K-2", "K-3", "K-4"]  # K-1's review is months away
    counts = page.get_by_label("In the queue")
    expect(counts).to_contain_text("1 review due")
    expect(counts).to_contain_text("1 appeal to decide")
    expect(counts).to_contain_text("1 warning with no outcome")
    appeal = page.locator("table.queue tbody tr", has_text="K-3")
    due = case_json(server, "K-3")["deadlines"]["appeal_decision_due"]  # type: ignore[index]
    expect(appeal).to_contain_text(long_date(dt.date.fromisoformat(due)))
    shot(page, "manager-reviews")
    page.get_by_role("link", name="Case", exact=True).click()
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Case")
    assert queue_cases(page) == ["K-2", "K-3", "K-4"]


def test_the_case_page_shows_the_seeded_volume(
    page: Page, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, sent = seeded
    page.goto(f"{server.url}/cases/K-1")
    expect(page.get_by_role("heading", name="Case K-1: Rita Review")).to_be_visible()
    chart = page.locator("figure.chart-figure svg")
    expect(chart).to_have_attribute("role", "img")
    table = page.locator("#volume-table")
    headers = table.locator("thead th").all_inner_texts()
    expected = sent.month_channel()
    months = months_ending(TODAY)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(months))
    for n, month in enumerate(months):
        cells = rows.nth(n).locator("th, td").all_inner_texts()
        assert cells[0] == month
        assert headers[-2:] == ["All", "Call time"]
        for channel, cell in zip(headers[1:-2], cells[1:-2], strict=True):
            assert int(cell) == expected[month, channel], (month, channel)
        assert int(cells[-2]) == sum(n for (m, _), n in expected.items() if m == month)
        assert cells[-1] == minutes(sent.call_seconds[month])
    total = table.locator("tfoot td").nth(-2)
    expect(total).to_have_text(str(sum(n for (m, _), n in expected.items() if m in months)))
    call_time = minutes(sum(sent.call_seconds[m] for m in months))
    expect(table.locator("tfoot td").last).to_have_text(call_time)
    refused = sum(n for (_, action), n in sent.actions.items() if action == "refuse")
    expect(page.locator("#held-table tbody tr")).to_have_count(refused)
    expect(page.get_by_text("Priya Raman (solicitor)")).to_be_visible()
    expect(page.get_by_text("large print")).to_be_visible()
    shot(page, "manager-case-K-1")


def test_extending_a_review_shows_the_deadline_first_then_writes_the_letter(
    page: Page, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, _ = seeded
    page.goto(f"{server.url}/cases/K-2")
    page.get_by_role("link", name="Review", exact=True).click()
    page.get_by_label("Extend them (needs grounds)").check()
    grounds = "Forty e-mails a month continued after the restriction began."
    page.get_by_label("Grounds for extending").fill(grounds)
    page.get_by_label("Reason (recorded, and quoted in the letter)").fill("Annual review")
    page.get_by_role("button", name="Check this step").click()
    preview = page.locator("section.preview")
    expect(preview.get_by_role("heading", name="Check before you confirm")).to_be_visible()
    expect(preview.locator(".letter-preview")).to_contain_text(grounds)
    review_due = first_working_day(a_year_on(TODAY))  # never on a weekend or bank holiday
    expect(page.locator("#computed-deadlines")).to_contain_text(long_date(review_due))
    assert case_json(server, "K-2")["state"] == "restricted"  # nothing recorded yet
    shot(page, "manager-review-preview")
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_role("status")).to_contain_text("Recorded")
    entry = page.locator("ol.timeline li").last
    expect(entry).to_contain_text(grounds)
    letter_link = entry.get_by_role("link", name="PDF")
    pdf = page.request.get(server.url + str(letter_link.get_attribute("href")))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert "Forty e-mails a month" in " ".join(text.split())
    assert "Ombudsman" in text
    found = case_json(server, "K-2")
    assert found["deadlines"]["review_due"] == review_due.isoformat()  # type: ignore[index]


def test_a_step_the_case_does_not_allow_shows_why(
    page: Page, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, _ = seeded
    page.goto(f"{server.url}/cases/K-4/steps/appeals")  # K-4 is only warned
    page.get_by_label("Reason (recorded, and quoted in the letter)").fill("Wants to appeal")
    page.get_by_role("button", name="Check this step").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("This step cannot be taken")
    expect(errors).to_contain_text(re.compile("restrict", re.I))
    assert case_json(server, "K-4")["state"] == "warned"
    shot(page, "manager-wrong-step")


def test_restricting_a_warned_case_from_the_form(
    page: Page, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, _ = seeded
    page.goto(f"{server.url}/cases/K-4/steps/restrictions")
    page.get_by_label("Letter only", exact=False).first.check()
    page.get_by_label("Reason (recorded, and quoted in the letter)").fill(
        "Abusive calls to staff after the warning"
    )
    page.get_by_role("button", name="Check this step").click()
    deadlines = page.locator("#computed-deadlines")
    expect(deadlines).to_contain_text("Appeal may be asked for until")
    expect(deadlines).to_contain_text("Review due")
    page.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(page.get_by_role("status")).to_contain_text("Recorded")
    found = case_json(server, "K-4")
    assert found["state"] == "restricted"
    assert [r["kind"] for r in found["restrictions"]] == ["letter_only"]  # type: ignore[union-attr]
    letter = page.locator("ol.timeline li").last.get_by_role("link").first
    letter.click()
    expect(page.locator("body")).to_contain_text("Abusive calls to staff after the warning")


def test_an_officer_sees_their_own_cases_and_no_manager_steps(
    browser: Browser, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, _ = seeded
    with signed_in(browser, server, "Jo Officer") as context:
        page = context.new_page()
        page.goto(f"{server.url}/reviews")
        assert "K-2" not in queue_cases(page)  # Sam Other's case
        assert "K-3" in queue_cases(page)
        response = page.goto(f"{server.url}/cases/K-2")
        assert response is not None and response.status == 403
        response = page.goto(f"{server.url}/cases/K-1/steps/reviews")
        assert response is not None and response.status == 403
        expect(page.locator("body")).to_contain_text("manager role")


def test_an_agent_cannot_open_the_workspace(
    browser: Browser, seeded: tuple[GatewayServer, Seeded]
) -> None:
    server, _ = seeded
    with signed_in(browser, server, "agent1") as context:
        response = context.new_page().goto(f"{server.url}/reviews")
        assert response is not None and response.status == 403


@pytest.mark.parametrize("path", ["/reviews", "/cases/K-1", "/cases/K-3/steps/appeal_decision"])
def test_axe_finds_nothing_on_the_workspace(
    page: Page, seeded: tuple[GatewayServer, Seeded], path: str
) -> None:
    page.goto(seeded[0].url + path)
    assert axe_violations(page) == []
