"""`contact-gateway import`: the whole file or nothing, positions for every bad row, and
importing twice changes nothing. Run as the real command against a SQLite store."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import smtplib
import subprocess
import sys
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from gateway.commands.demo import welcome
from gateway.http.passwords import hash_password
from gateway.profiles import load_profile
from gateway.settings import Settings
from gateway.store import AuditEntry, open_store
from policy_core import lifecycle
from policy_core.cases import Case, CaseState
from policy_core.models import Customer
from tests.serve import ROOT, GatewayServer, _env
from tests.servers import free_port

DEMO = ROOT / "config" / "demo-data.json"


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


class Importer:
    """`contact-gateway import` with a test configuration; no server needs to run. The command
    runs in this process (`gateway.cli.main`, the console script's entry point) to keep the
    tests fast; `real` runs it as a separate process."""

    def __init__(self, config: GatewayServer, capsys: pytest.CaptureFixture[str]) -> None:
        self.config, self.capsys = config, capsys
        self.store_url = config.store_url

    def cli(self, command: str, *args: str, config: Path | None = None) -> Ran:
        self.capsys.readouterr()
        path = str(config or self.config.config_path)
        code = main([command, "--config", path, *args])
        out, err = self.capsys.readouterr()
        return Ran(code, out, err)

    def real(self, *args: str) -> Ran:
        done = self.config.cli("import", *args)
        return Ran(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def gateway(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Importer:
    return Importer(GatewayServer(tmp_path), capsys)


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def read_store(url: str, refs: list[str], case_ids: list[str]) -> tuple[
    dict[str, Customer | None], dict[str, Case | None], list[AuditEntry]
]:  # fmt: skip
    async def read() -> tuple[dict[str, Customer | None], dict[str, Case | None], list[AuditEntry]]:
        store = open_store(url)
        await store.open()
        try:
            customers = {ref: await store.get_customer(ref) for ref in refs}
            cases = {case_id: await store.get_case(case_id) for case_id in case_ids}
            return customers, cases, await store.audit_trail()
        finally:
            await store.close()

    return asyncio.run(read())


def test_demo_data_imports_once_and_then_changes_nothing(gateway: Importer) -> None:
    first = gateway.real(str(DEMO))
    assert first.returncode == 0, first.stderr
    assert "customers: 8 created, 0 updated, 0 unchanged" in first.stdout
    assert "cases: 7 created, 0 updated, 0 unchanged" in first.stdout
    customers, cases, trail = read_store(gateway.store_url, ["C-1002"], ["K-1003", "K-1005"])
    solicitor = customers["C-1002"].representatives[0]  # type: ignore[union-attr]
    assert solicitor.identities[0].key == "phone:+442079460000"
    spoc = cases["K-1003"]
    assert spoc is not None and spoc.state is CaseState.appeal_lodged
    assert [e.step for e in spoc.events] == [
        "concern_recorded", "warned", "restricted", "appeal_lodged"
    ]  # fmt: skip
    assert {e.actor for e in spoc.events} == {"import"}
    assert spoc.review_due_on == dt.date(2027, 11, 2)
    assert spoc.restrictions[0].active_on(dt.date(2026, 11, 22))
    direct = cases["K-1005"]
    assert direct is not None and direct.warned_on is None  # restricted without a warning
    assert direct.events[-1].data["skip_warning_reason"].startswith("Extreme case")
    assert len(trail) == 15 and {e.actor for e in trail} == {"import"}

    second = gateway.cli("import", str(DEMO))
    assert second.returncode == 0, second.stderr
    assert "customers: 0 created, 0 updated, 8 unchanged" in second.stdout
    assert "cases: 0 created, 0 updated, 7 unchanged" in second.stdout
    assert len(read_store(gateway.store_url, [], [])[2]) == 15  # no audit entry: no change


def test_bad_rows_are_reported_with_their_position_and_nothing_is_applied(
    gateway: Importer, tmp_path: Path
) -> None:
    data = {
        "customers": [
            {"ref": "C-1", "identities": [{"kind": "email", "value": "one@example.org"}]},
            {"ref": "C-2", "identities": [{"kind": "email", "value": "ONE@example.org"}]},
            {"ref": "C-3", "identities": [{"kind": "phone", "value": "not-a-phone"}]},
            {"ref": "C-4", "adjustments": [{"channel": "fax"}]},
        ],
        "cases": [
            {"id": "K-1", "customer_ref": "C-9", "restricted_on": "2026-10-01",
             "restrictions": [{"kind": "letter_only"}]},
            {"id": "K-2", "customer_ref": "C-1", "restricted_on": "2026-10-01",
             "restrictions": [{"kind": "letter_only"}]},
            {"id": "K-3", "customer_ref": "C-1", "warned_on": "2026-10-01",
             "restricted_on": "2026-11-01",
             "restrictions": [{"kind": "single_point_of_contact"}]},
        ],
    }  # fmt: skip
    result = gateway.cli("import", str(write(tmp_path / "bad.json", data)))
    assert result.returncode == 1
    errors = result.stderr
    assert (
        "customers[1].identities[0].value: email:one@example.org also belongs to customer C-1"
        in errors
    )
    assert "customers[2].identities[0].value: not a phone number" in errors
    assert "customers[3].adjustments[0].channel: Input should be" in errors
    assert "cases[0].customer_ref: no customer C-9" in errors
    assert "cases[1]: cannot restrict: case K-2 has no warning on record" in errors
    assert "cases[2].restrictions[0].officer: Field required" in errors
    assert "nothing was imported" in errors
    customers, cases, trail = read_store(gateway.store_url, ["C-1", "C-2"], ["K-2", "K-3"])
    assert set(customers.values()) == {None} and set(cases.values()) == {None}
    assert trail == []


def test_an_address_of_a_stored_customer_is_a_conflict(gateway: Importer, tmp_path: Path) -> None:
    first = {
        "customers": [{"ref": "C-1", "identities": [{"kind": "phone", "value": "07700 900001"}]}]
    }
    assert gateway.cli("import", str(write(tmp_path / "first.json", first))).returncode == 0
    taken = {"customers": [
        {"ref": "C-5", "name": "new"},
        {"ref": "C-6", "representatives": [
            {"name": "a friend", "identities": [{"kind": "phone", "value": "+447700900001"}]}]},
    ]}  # fmt: skip
    result = gateway.cli("import", str(write(tmp_path / "taken.json", taken)))
    assert result.returncode == 1
    assert (
        "customers[1].representatives[0].identities[0].value: "
        "phone:+447700900001 already belongs to customer C-1"
    ) in result.stderr
    customers, _, _ = read_store(gateway.store_url, ["C-5", "C-6"], [])
    assert customers == {"C-5": None, "C-6": None}


def test_changes_are_updated_and_a_case_taken_further_is_kept(
    gateway: Importer, tmp_path: Path
) -> None:
    data: dict[str, Any] = {
        "customers": [{"ref": "C-1", "name": "Ann", "identities": [
            {"kind": "email", "value": "ann@example.org"}]}],
        "cases": [{"id": "K-1", "customer_ref": "C-1", "warned_on": "2026-09-01",
                   "restricted_on": "2026-10-01", "restrictions": [{"kind": "letter_only"}]}],
    }  # fmt: skip
    path = write(tmp_path / "data.json", data)
    assert gateway.cli("import", str(path)).returncode == 0
    data["customers"][0]["name"] = "Ann Lee"
    data["customers"][0]["identities"] = [{"kind": "email", "value": "ann.lee@example.org"}]
    data["cases"][0]["restrictions"] = [{"kind": "social_media", "level": "denied"}]
    dry = gateway.cli("import", "--dry-run", str(write(path, data)))
    assert dry.returncode == 0 and "1 updated" in dry.stdout
    assert read_store(gateway.store_url, ["C-1"], [])[0]["C-1"].name == "Ann"  # type: ignore[union-attr]

    result = gateway.cli("import", str(path))
    assert "customers: 0 created, 1 updated, 0 unchanged" in result.stdout
    assert "cases: 0 created, 1 updated, 0 unchanged" in result.stdout
    customers, cases, trail = read_store(gateway.store_url, ["C-1"], ["K-1"])
    assert customers["C-1"].identities[0].value == "ann.lee@example.org"  # type: ignore[union-attr]
    assert cases["K-1"].restrictions[0].kind == "social_media"  # type: ignore[union-attr]
    assert [e.action for e in trail if e.subject == "customer:C-1"] == [
        "customer.created", "customer.updated"
    ]  # fmt: skip

    async def appeal() -> None:  # an officer takes the case further in the gateway
        store = open_store(gateway.store_url)
        await store.open()
        case = await store.get_case("K-1")
        assert case is not None
        profile = load_profile("derby-homes-2020")
        await store.put_case(lifecycle.lodge_appeal(case, "officer", dt.date(2026, 10, 5),
                                                    "disagrees", profile=profile))  # fmt: skip
        await store.close()

    asyncio.run(appeal())
    result = gateway.cli("import", str(path))
    assert result.returncode == 0
    assert "cases: 0 created, 0 updated, 0 unchanged" in result.stdout
    assert "1 case(s) changed since their import were kept" in result.stdout
    assert read_store(gateway.store_url, [], ["K-1"])[1]["K-1"].appeals == 1  # type: ignore[union-attr]


def test_large_files_show_progress(gateway: Importer, tmp_path: Path) -> None:
    data = {"customers": [
        {"ref": f"C-{n}", "identities": [{"kind": "phone", "value": f"07700 9{n:05d}"}]}
        for n in range(600)
    ]}  # fmt: skip
    result = gateway.cli("import", str(write(tmp_path / "large.json", data)))
    assert result.returncode == 0, result.stderr
    assert "customers: 500/600" in result.stderr and "customers: 600/600" in result.stderr
    assert "customers: 600 created" in result.stdout


def test_bad_configuration_is_status_2_and_unreadable_data_status_1(
    gateway: Importer, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[policy]\nprofile = "no-such-policy"\n', encoding="utf-8")
    result = gateway.cli("import", str(DEMO), config=broken)
    assert result.returncode == 2 and "policy.profile" in result.stderr
    fax = tmp_path / "fax.toml"
    fax.write_text(f'{gateway.config.config_path.read_text()}\n[fax]\nnumber = "+441332000000"\n')
    result = gateway.cli("import", str(DEMO), config=fax)
    assert result.returncode == 2, result.stderr
    assert "fax.toml: [fax]: no channel named 'fax' is installed" in result.stderr
    assert read_store(gateway.store_url, ["C-1001"], [])[0] == {"C-1001": None}
    not_json = tmp_path / "export.json"
    not_json.write_text("{customers: []", encoding="utf-8")
    result = gateway.cli("import", str(not_json))
    assert result.returncode == 1 and "not valid JSON" in result.stderr


def test_demo_imports_the_demo_data_serves_it_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """`make run`'s command on free ports: the demo data is loaded, the web address, an API
    token and the SMTP port are printed, e-mail is answered, and Ctrl-C stops it cleanly."""
    smtp, downstream = free_port(), free_port()
    section = {"listen": f"127.0.0.1:{smtp}", "domains": ["landlord.example"],
               "downstream": f"127.0.0.1:{downstream}"}  # fmt: skip
    server = GatewayServer(tmp_path, extra={"smtp": section})
    command = [sys.executable, "-m", "gateway.cli", "demo", "--config", str(server.config_path)]
    demo = subprocess.Popen(command, cwd=tmp_path, env=_env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        server.process = demo  # type: ignore[assignment]  # only to wait for /healthz
        server.wait_healthy()
        with server.client("agent") as agent:
            banner = agent.get("/api/v1/banner", params={"address": "07700 900123"}).json()
        assert banner["customer"]["ref"] == "C-1001"
        message = EmailMessage()
        message["From"], message["To"] = "m.ashworth@example.org", "housing@landlord.example"
        message["Subject"] = "Repairs"
        message.set_content("The boiler is still broken.")
        with smtplib.SMTP("127.0.0.1", smtp, timeout=10) as client:
            client.send_message(message)
        mailbox = tmp_path / "data" / "mailbox"
        for _ in range(100):
            if list(mailbox.glob("*.eml")):
                break
            time.sleep(0.1)
        [reply] = [p.read_text() for p in mailbox.glob("*.eml")]
        assert "To: m.ashworth@example.org" in reply and "letter" in reply.lower()
    finally:
        demo.send_signal(signal.SIGINT)
        out, _ = demo.communicate(timeout=20)
    # a clean stop: uvicorn re-raises the SIGINT it caught (130) on some Python patch
    # releases and returns normally (0) on others; a crash would be 1 with a traceback
    assert demo.returncode in (0, 130), out
    assert "customers: 8 created" in out and "cases: 7 created" in out
    assert f"web:      {server.url}/agent" in out
    assert f"Authorization: Bearer {server.token('admin')}" in out
    assert f"SMTP port {smtp} on 127.0.0.1" in out
    assert "Traceback" not in out


def test_the_demo_welcome_gives_a_demo_users_password_and_no_other() -> None:
    users = [
        {"username": "jo", "password_hash": hash_password("demo-jo"), "role": "manager"},
        {"username": "sam", "password_hash": hash_password("sams own secret"), "role": "agent"},
    ]
    text = welcome(Settings(http={"users": users}), None, {"jo": "demo-jo", "sam": "not his"})
    assert "sign in:  jo (manager, password demo-jo)" in text
    assert "sign in:  sam (agent)" in text
    assert "sams own secret" not in text
