"""The agents' page in a real browser (Debian's Chromium driven by Playwright) against a real
`serve` process: sign in, look people up by every kind of identity, read the banner for every
restriction kind, the fragment a CRM embeds, the screen pop of a signed Twilio call, and an
accessibility check. A screenshot of each banner state goes to tests/artifacts/."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from twilio.request_validator import RequestValidator

from gateway.http.passwords import hash_password
from policy_core.models import add_months
from tests.browser import CHROMIUM, axe_violations, needs_chromium, shot
from tests.clock import NOW, TODAY
from tests.serve import GatewayServer, to_toml

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The CRM and the gateway as two hosts of one landlord's site, and a stranger's site:
    # all served here.
    "--host-resolver-rules=MAP *.landlord.example 127.0.0.1,MAP *.intruder.example 127.0.0.1",
]
AUTH_TOKEN = "0123456789abcdef" * 2  # Twilio's auth tokens: 32 hex digits
PASSWORD = "agent-password-1"

pytestmark = needs_chromium


def ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


OFFICER = {"name": "Jo Officer", "email": "jo@landlord.example", "phone": "+441332000001"}
WINDOW = {"weekday": "tue", "start": "10:00", "end": "12:00"}


def person(ref: str, name: str, phone: str, *more: dict[str, str], **extra: Any) -> dict[str, Any]:
    identities = [{"kind": "phone", "value": phone}, *more]
    return {"ref": ref, "name": name, "identities": identities, **extra}


def case(
    ref: str, *restrictions: dict[str, Any], restricted: int = 30, **extra: Any
) -> dict[str, Any]:
    return {
        "id": f"K-{ref}",
        "customer_ref": ref,
        "officer": OFFICER,
        "warned_on": ago(restricted + 10),
        "restricted_on": ago(restricted),
        "restrictions": list(restrictions),
        **extra,
    }


DATA = {
    "customers": [
        person(
            "C-1",
            "Carol Letter",
            "07700 900123",
            {"kind": "email", "value": "carol@example.org"},
            {"kind": "slack", "value": "T0TEAM/U0CAROL"},
        ),
        person("C-2", "Sam Single", "07700 900200", {"kind": "email", "value": "sam@example.org"}),
        person(
            "C-3",
            "Tom Third",
            "07700 900300",
            representatives=[
                {
                    "name": "Priya Raman",
                    "role": "solicitor",
                    "identities": [{"kind": "phone", "value": "020 7946 0000"}],
                }
            ],
        ),
        person("C-4", "Vera Visit", "07700 900400"),
        person("C-5", "Sue Social", "07700 900500", {"kind": "slack", "value": "T0TEAM/U0SUE"}),
        person("C-6", "Nora Plain", "07700 900600", {"kind": "email", "value": "nora@example.org"}),
        person("C-7", "Eddie Expired", "07700 900700"),
        person(
            "C-8",
            "Ada Adjusted",
            "07700 900800",
            {"kind": "email", "value": "ada@example.org"},
            adjustments=[{"channel": "email", "note": "agreed because of dyslexia"}],
        ),
        person("C-9", "Fay Fresh", "07700 900900"),
        person("C-10", "Rob Moderated", "07700 901000", {"kind": "slack", "value": "T0TEAM/U0ROB"}),
    ],
    "cases": [
        case("C-1", {"kind": "letter_only"}),
        case("C-2", {"kind": "single_point_of_contact", "officer": OFFICER, "windows": [WINDOW]}),
        case("C-3", {"kind": "phone_via_third_party"}, restricted=10, appeal_lodged_on=ago(5)),
        case(
            "C-4",
            {"kind": "appointment_only", "office": "Council House"},
            {"kind": "witness_required"},
        ),
        case("C-5", {"kind": "social_media", "level": "denied"}),
        case("C-7", {"kind": "letter_only"}, restricted=400),
        case("C-8", {"kind": "letter_only"}),
        case("C-9", {"kind": "letter_only"}, restricted=2),
        case("C-10", {"kind": "social_media", "level": "restricted"}),
    ],
}
UNTIL = long_date(add_months(TODAY - dt.timedelta(days=30), 12))


CRM_PAGE = """<!doctype html><html lang="en"><head><title>CRM</title></head><body>
<h1>Customer record</h1><iframe title="Restriction banner" width="900" height="700"
src="{src}"></iframe></body></html>"""


class CrmSite:
    """The landlord's CRM, standing in: every path is a customer record framing `src`."""

    def __init__(self) -> None:
        self.src = "about:blank"
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = CRM_PAGE.format(src=html.escape(site.src)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def origin(self, host: str = "crm.landlord.example") -> str:
        return f"http://{host}:{self.port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def crm() -> Iterator[CrmSite]:
    site = CrmSite()
    yield site
    site.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, crm: CrmSite) -> Iterator[GatewayServer]:
    directory = tmp_path_factory.mktemp("agent")
    server = GatewayServer(
        directory, extra={"twilio": {"auth_token": AUTH_TOKEN, "forward_to": "+441332000000"}}
    )
    users = [{"username": "agent1", "password_hash": hash_password(PASSWORD), "role": "agent"}]
    origins = [crm.origin(), "https://crm.landlord.example"]
    server.config["http"].update(users=users, crm_origins=origins)
    server.config_path.write_text(to_toml(server.config), encoding="utf-8")
    data = directory / "people.json"
    data.write_text(json.dumps(DATA), encoding="utf-8")
    with server:
        imported = server.cli("import", str(data))
        assert imported.returncode == 0, imported.stdout + imported.stderr
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        yield launched
        launched.close()


def sign_in(page: Page, server: GatewayServer, password: str = PASSWORD) -> None:
    page.goto(f"{server.url}/agent")
    page.get_by_label("Username").fill("agent1")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="module")
def signed_in(browser: Browser, server: GatewayServer) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    sign_in(page, server)
    expect(page.get_by_role("heading", name="Look up a customer")).to_be_visible()
    page.close()
    yield context
    context.close()


@pytest.fixture
def page(signed_in: BrowserContext) -> Iterator[Page]:
    page = signed_in.new_page()
    page.set_default_timeout(5000)
    yield page
    page.close()


def test_signing_in_in_the_browser(browser: Browser, server: GatewayServer) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, server, password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("The username or password is not right")
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, server)
    expect(page).to_have_url(re.compile(r"/agent$"))
    expect(page.get_by_text("Signed in as agent1")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(f"{server.url}/agent")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    context.close()


@pytest.mark.parametrize(
    "query",
    [
        "07700 900123",
        "+44 (0)7700 900123",
        "447700900123",
        "Carol@Example.ORG",
        "T0TEAM/U0CAROL",
        "slack:t0team/u0carol",
        "carol letter",
        "C-1",
    ],
)
def test_each_kind_of_identity_finds_the_banner_as_you_type(
    page: Page, server: GatewayServer, query: str
) -> None:
    page.goto(f"{server.url}/agent")
    page.get_by_label("Phone, e-mail, Slack id, name or customer reference").type(query, delay=5)
    headline = page.locator("#results .headline")
    expect(headline).to_have_text(f"Letter only until {UNTIL}")
    expect(page.locator("#results .who")).to_have_text("Carol Letter (C-1)")
    expect(page.locator("#results-status")).to_contain_text("Restricted contact")


def test_the_search_works_without_javascript(browser: Browser, server: GatewayServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, server)
    page.get_by_label("Phone, e-mail, Slack id, name or customer reference").fill("sam@example.org")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/agent\?q=sam%40example\.org$"))
    expect(page.locator(".headline")).to_have_text(f"Contact only through Jo Officer until {UNTIL}")
    page.goto(f"{server.url}/agent?q=a")  # several customers: a list to choose from
    expect(page.get_by_role("heading", name=re.compile("customers match"))).to_be_visible()
    page.get_by_role("link", name="Nora Plain").click()
    expect(page.locator(".headline")).to_have_text("No restrictions")
    context.close()


BANNERS = {
    "letter-only": (
        "C-1",
        "restricted",
        f"Letter only until {UNTIL}",
        [
            "Do not take this call. Ask them to write to Test Homes, 1 High Street",
            "Always help with danger, gas, fire, flood or an emergency repair",
        ],
    ),
    "single-point-of-contact": (
        "C-2",
        "restricted",
        f"Contact only through Jo Officer until {UNTIL}",
        ["Tuesdays 10:00-12:00", "Goes to jo@landlord.example"],
    ),
    "phone-via-third-party": (
        "C-3",
        "restricted",
        "Phone only through a third party until",
        [
            "calls from their representatives can be taken",
            "Priya Raman (solicitor)",
            "Appeal lodged (case K-C-3); decision due ",
            "Restrictions stay in force meanwhile",
        ],
    ),
    "appointment-and-witness": (
        "C-4",
        "caution",
        f"Visits by appointment only and witness required until {UNTIL}",
        ["By appointment at the Council House office only", "A witness must be present"],
    ),
    "social-media-denied": (
        "C-5",
        "restricted",
        f"Social media denied until {UNTIL}",
        ["Refused automatically with a notice"],
    ),
    "social-media-restricted": (
        "C-10",
        "restricted",
        f"Social media restricted until {UNTIL}",
        ["Held for the officer to triage. Do not reply"],
    ),
    "no-restrictions": ("C-6", "clear", "No restrictions", ["None registered", "Last 7 days: 0"]),
    "expired-awaiting-review": (
        "C-7",
        "review",
        "Restriction expired: awaiting review",
        ["its 12-month review is overdue", "Review overdue"],
    ),
    "adjustment-overrides": (
        "C-8",
        "restricted",
        f"Letter only until {UNTIL}",
        [
            "Agreed reasonable adjustments: these override any restriction",
            "agreed because of dyslexia",
            "As normal (agreed reasonable adjustment)",
        ],
    ),
}
WORDS = {
    "restricted": "Restricted contact",
    "caution": "Take care: conditions apply",
    "review": "Restriction expired: awaiting review",
    "clear": "No restrictions",
}


@pytest.mark.parametrize("state", BANNERS)
def test_the_banner_for_each_state(page: Page, server: GatewayServer, state: str) -> None:
    ref, severity, headline, facts = BANNERS[state]
    page.goto(f"{server.url}/agent?customer={ref}")
    banner = page.locator("section.banner")
    expect(banner).to_have_attribute("data-severity", severity)
    expect(banner.locator(".severity")).to_have_text(WORDS[severity])  # in words, not colour only
    expect(banner.locator(".headline")).to_contain_text(headline)
    for fact in facts:
        expect(banner).to_contain_text(fact)
    if state == "adjustment-overrides":  # the adjustment comes before what is restricted
        order = banner.locator(".adjustments, .actions").evaluate_all(
            "e => e.map(x => x.className)"
        )
        assert order == ["adjustments", "actions"]
    if state == "single-point-of-contact":
        expect(banner.locator(".actions li", has_text="Phone calls")).to_contain_text(spoc_now())
    # The API gives a CRM the same words the agent reads.
    answer = page.request.get(f"{server.url}/api/v1/banner?customer={ref}")
    assert answer.status == 200
    shown = answer.json()["shown"]
    assert shown["severity"] == severity and shown["severity_words"] == WORDS[severity]
    assert shown["headline"] == banner.locator(".headline").inner_text()
    said = banner.locator(".actions li").evaluate_all(
        "e => e.map(li => [li.querySelector('.channel').textContent, "
        "li.querySelector('.do').textContent])"
    )
    assert [[i["channel"], i["text"]] for i in shown["instructions"]] == said
    shot(page, f"banner-{state}")


def spoc_now() -> str:
    """What the banner says of a call to someone whose officer takes calls on Tuesdays
    10:00-12:00: transfer inside the window, else not now and the next window's date."""
    now = NOW
    if now.weekday() == 1 and dt.time(10) <= now.time() < dt.time(12):
        return "Transfer to Jo Officer (01332 000001): the contact window is open now"
    days = (1 - now.weekday()) % 7
    if days == 0 and now.time() >= dt.time(10):
        days = 7
    day = now.date() + dt.timedelta(days=days)
    return (
        "Do not take this call. Jo Officer takes calls on Tuesdays 10:00-12:00, "
        f"next window {day:%A} {day.day} {day:%B} at 10:00"
    )


def test_an_unknown_number_is_not_restricted(page: Page, server: GatewayServer) -> None:
    page.goto(f"{server.url}/agent?q=07700+900999")
    expect(page.locator(".headline")).to_have_text("No restrictions")
    expect(page.locator(".who")).to_have_text("Not linked to any customer: an unknown sender")


def test_a_representative_calling_is_put_through(page: Page, server: GatewayServer) -> None:
    page.goto(f"{server.url}/agent?q=020+7946+0000")
    expect(page.locator(".who")).to_contain_text(
        "Priya Raman, authorised representative of Tom Third"
    )
    expect(page.locator(".actions li", has_text="Phone calls")).to_contain_text(
        "As normal (authorised representative)"
    )


def test_the_fragment_for_a_crm(page: Page, server: GatewayServer, crm: CrmSite) -> None:
    response = page.goto(f"{server.url}/agent/banner?address=%2B447700900400")
    assert response is not None and response.status == 200
    policy = [d.strip() for d in response.headers["content-security-policy"].split(";")]
    ancestors = [d for d in policy if d.startswith("frame-ancestors ")]
    assert ancestors == [f"frame-ancestors {crm.origin()} https://crm.landlord.example"]
    assert "x-frame-options" not in response.headers
    expect(page.locator(".headline")).to_have_text(
        f"Visits by appointment only and witness required until {UNTIL}"
    )
    expect(page.get_by_role("navigation")).to_have_count(0)  # the banner alone
    shot(page, "fragment-appointment-and-witness")


def voice_webhook(server: GatewayServer, caller: str, sid: str) -> httpx.Response:
    path = "/webhooks/twilio/voice"
    form = {
        "CallSid": sid,
        "AccountSid": "AC123",
        "From": caller,
        "To": "+441332000000",
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(server.url + path, form)
    return httpx.post(server.url + path, data=form, headers={"X-Twilio-Signature": signature})


class Cuttable:
    """A TCP relay to the server whose connections the test can cut, as a flaky network
    would: the browser loads the page through it, so its event stream runs through it too."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.open: set[socket.socket] = set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            self.open |= {client, upstream}
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    def pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_RDWR)
        source.close()  # each socket is the source of exactly one pipe

    def cut(self) -> None:
        for end in list(self.open):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
        self.open.clear()

    def close(self) -> None:
        self.listener.close()
        self.cut()


def test_an_incoming_call_pops_the_callers_banner(page: Page, server: GatewayServer) -> None:
    relay = Cuttable(server.port)
    try:
        page.goto(f"http://127.0.0.1:{relay.port}/agent")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        rung = time.monotonic()  # from the moment Twilio posts the webhook
        answered = voice_webhook(server, "+447700900123", "CA0000000000000000000000000000001")
        assert answered.status_code == 200 and "<Say" in answered.text  # refused: the notice
        call = page.locator("#call-list .call").first
        expect(call).to_be_visible(timeout=1000)
        took = time.monotonic() - rung
        print(f"screen pop shown {took * 1000:.0f} ms after the webhook was posted")
        assert took < 1.0
        expect(page.locator("#connection")).to_have_text(
            f"Incoming call from 07700 900123: Restricted contact. Letter only until {UNTIL}."
        )  # said to screen readers too (a status region)
        title = call.get_by_role("heading", name=re.compile("^Call from 07700 900123 at"))
        expect(title).to_be_visible()
        expect(call).to_contain_text("The gateway refused the call with a spoken notice.")
        expect(call.locator(".headline")).to_have_text(f"Letter only until {UNTIL}")
        shot(page, "screen-pop-letter-only")

        # The connection drops and a call comes meanwhile: the page reconnects by itself and
        # is sent the call it missed.
        relay.cut()
        expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
        answered = voice_webhook(server, "+447700900600", "CA0000000000000000000000000000002")
        assert answered.status_code == 200
        expect(page.locator("#call-list .call")).to_have_count(2)
        latest = page.locator("#call-list .call").first
        expect(latest.locator(".headline")).to_have_text("No restrictions")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    finally:
        page.close()
        relay.close()


def test_the_banner_counts_contacts_and_shows_the_flags_they_raise(
    page: Page, server: GatewayServer
) -> None:
    """Fay is letter only since two days ago: the calls she makes anyway are counted, and
    calling on a refused channel raises a flag for her officer; she may still appeal."""
    for n in range(2):
        answered = voice_webhook(server, "+447700900900", f"CA{n:032d}")
        assert answered.status_code == 200 and "<Say" in answered.text
    page.goto(f"{server.url}/agent?customer=C-9")
    banner = page.locator("section.banner")
    expect(banner.locator(".facts")).to_contain_text("Last 7 days: 2 (phone calls 2)")
    expect(banner.locator(".facts")).to_contain_text("Last 30 days: 2")
    expect(banner).to_contain_text("May appeal until")
    for _ in range(20):  # flags are raised off the calls' hot path
        if page.locator(".flags").count():
            break
        time.sleep(0.25)
        page.reload()
    expect(banner.locator(".flags")).to_contain_text(f"Restriction breach on {long_date(TODAY)}")
    shot(page, "banner-counts-and-flags")


def test_the_fragment_shows_inside_the_crm_and_nowhere_else(
    browser: Browser, server: GatewayServer, crm: CrmSite
) -> None:
    """The CRM (another host of the landlord's site) frames the banner of the agent signed
    in to the gateway; a page of any other origin cannot frame it at all."""
    gateway = f"http://gateway.landlord.example:{server.port}"
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(5000)
    page.goto(f"{gateway}/agent")
    page.get_by_label("Username").fill("agent1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as agent1")).to_be_visible()
    crm.src = f"{gateway}/agent/banner?address=07700+900123"
    with page.expect_response(lambda r: "/agent/banner" in r.url) as framed:
        page.goto(f"{crm.origin()}/customers/C-1")
    assert framed.value.status == 200
    banner = page.frame_locator("iframe").locator("section.banner")
    expect(banner.locator(".headline")).to_have_text(f"Letter only until {UNTIL}")
    expect(banner.locator(".severity")).to_have_text("Restricted contact")
    shot(page, "fragment-inside-the-crm")

    with page.expect_response(lambda r: "/agent/banner" in r.url) as refused:
        page.goto(f"{crm.origin('www.intruder.example')}/customers/C-1")
    assert "frame-ancestors" in refused.value.headers["content-security-policy"]
    page.wait_for_timeout(300)
    frame = page.frames[-1]
    assert frame is not page.main_frame
    # Not even the sign-in notice (the stranger's site gets no cookie): nothing of ours.
    assert "Contact Gateway" not in frame.content()
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        *(f"/agent?customer={ref}" for ref, *_ in BANNERS.values()),
        "/agent?q=a",
        "/agent?q=nobody+at+all",
        "/agent/banner?customer=C-4",
    ],
)
def test_axe_finds_nothing_on_the_agents_pages(
    page: Page, server: GatewayServer, path: str
) -> None:
    page.goto(server.url + path)
    expect(page.locator("h1")).to_have_count(1)
    assert axe_violations(page) == []


def test_axe_finds_nothing_on_sign_in_and_the_screen_pop(
    browser: Browser, page: Page, server: GatewayServer
) -> None:
    context = browser.new_context()
    login = context.new_page()
    login.goto(f"{server.url}/login")
    assert axe_violations(login) == []
    sign_in(login, server, password="not-the-password")
    expect(login.get_by_role("alert")).to_be_visible()
    assert axe_violations(login) == []
    context.close()

    page.goto(f"{server.url}/agent")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    voice_webhook(server, "+447700900400", "CA0000000000000000000000000000004")
    expect(page.locator("#call-list .call")).to_have_count(1)
    assert axe_violations(page) == []


def contrast(foreground: str, background: str) -> float:
    def luminance(css: str) -> float:
        red, green, blue = (int(x) / 255 for x in re.findall(r"\d+", css)[:3])
        linear = [
            c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)
        ]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (high + 0.05) / (low + 0.05)


COLOURS = """(e) => {
  const background = (n) => { for (; n; n = n.parentElement) {
      const c = getComputedStyle(n).backgroundColor;
      if (c && c !== 'rgba(0, 0, 0, 0)') return c; } return 'rgb(255, 255, 255)'; };
  return [getComputedStyle(e).color, background(e)];
}"""


@pytest.mark.parametrize("ref", ["C-1", "C-4", "C-6", "C-7"])
def test_accessibility_of_the_agent_page(page: Page, server: GatewayServer, ref: str) -> None:
    page.goto(f"{server.url}/agent?customer={ref}")
    # Every form field has a label a screen reader reads out.
    for field in page.locator("input:not([type=hidden]), button").all():
        name = field.evaluate(
            "e => (e.labels && e.labels.length ? e.labels[0].textContent : '') "
            "|| e.getAttribute('aria-label') || e.textContent"
        )
        assert name.strip(), field.evaluate("e => e.outerHTML")
    # Landmarks, one h1, and pictures either described or hidden from screen readers.
    for role in ("banner", "main", "navigation", "search", "contentinfo"):
        expect(page.get_by_role(role)).to_have_count(1)
    expect(page.locator("h1")).to_have_count(1)
    for picture in page.locator("img, svg").all():
        assert picture.evaluate(
            "e => e.getAttribute('aria-hidden') === 'true' || !!e.getAttribute('alt')"
        )
    # Contrast of every text in the banner (WCAG AA: 4.5:1).
    for text in page.locator("section.banner :is(p, h2, h3, li, dt, dd, span, strong)").all():
        foreground, background = text.evaluate(COLOURS)
        assert contrast(foreground, background) >= 4.5, (text.inner_text(), foreground, background)
    # The severity icon against its band (WCAG 1.4.11, graphics: 3:1), and its shape's inner
    # mark against the icon.
    icon = page.locator("section.banner .banner-head .icon")
    fill, band = icon.evaluate(ICON_COLOURS)
    assert contrast(fill, band) >= 3.0, (fill, band)
    # The keyboard: the skip link first, then on to the search box and its button; where the
    # focus is can always be seen (a thick outline).
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    assert page.locator(":focus").evaluate(OUTLINE) >= 3
    for _ in range(8):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    expect(page.locator("#q")).to_be_focused()
    assert page.locator("#q").evaluate(OUTLINE) >= 3
    page.keyboard.press("Control+a")
    page.keyboard.type("a")
    expect(page.get_by_role("link", name="Nora Plain")).to_be_visible()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Nora Plain":
            break
    assert page.locator(":focus").evaluate(OUTLINE) >= 3
    page.keyboard.press("Enter")
    expect(page.locator(".headline")).to_have_text("No restrictions")


OUTLINE = """(e) => { const style = getComputedStyle(e);
  return style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth); }"""
ICON_COLOURS = """(e) => [getComputedStyle(e.querySelector('.bg')).fill,
  getComputedStyle(e.closest('.banner-head')).backgroundColor]"""


def test_the_severity_tags_in_a_list_of_matches_are_legible(
    page: Page, server: GatewayServer
) -> None:
    page.goto(f"{server.url}/agent?q=a")  # several customers, of several severities
    tags = page.locator(".results .tag")
    expect(tags.first).to_be_visible()
    seen = set()
    for tag in tags.all():
        foreground, background = tag.evaluate(COLOURS)
        assert contrast(foreground, background) >= 4.5, (tag.inner_text(), foreground)
        seen.add(tag.inner_text())
    assert {"Restricted contact", "Take care: conditions apply", "No restrictions"} <= seen
