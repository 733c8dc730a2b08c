"""The arrows only point down: policy_core <- gateway <- channels. And policy_core stays pure:
no I/O, no asyncio, no clock of its own (time is always an argument)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IO_AND_CLOCK = {
    "aiohttp",
    "asyncio",
    "fastapi",
    "http",
    "httpx",
    "io",
    "logging",
    "os",
    "pathlib",
    "redis",
    "requests",
    "shutil",
    "socket",
    "sqlite3",
    "subprocess",
    "sys",
    "tempfile",
    "threading",
    "time",
    "urllib",
}
FORBIDDEN = {
    "policy_core": {"gateway", "channels", *IO_AND_CLOCK},
    "gateway": {"channels"},
}
# Calls that read the clock or touch files and streams: `now()`, `today()`, `utcnow()`,
# `open(...)`, `print(...)`.
IMPURE_METHODS = {"now", "today", "utcnow"}
IMPURE_BUILTINS = {"open", "print", "input", "breakpoint"}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def gateway_modules(path: Path) -> set[str]:
    """The modules of gateway/ a file imports, by full name (`from gateway import metrics`
    names `gateway.metrics`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "gateway")
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "gateway":
                found.update(f"gateway.{a.name}" for a in node.names)
            elif node.module.startswith("gateway."):
                found.add(node.module)
    return found


def impure_calls(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr in IMPURE_METHODS:
            found.add(f"{node.func.attr}()")
        elif isinstance(node.func, ast.Name) and node.func.id in IMPURE_BUILTINS:
            found.add(f"{node.func.id}()")
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_nothing_above_it(package: str) -> None:
    modules = sorted((ROOT / package).rglob("*.py"))
    assert modules, f"{package}/ has no modules"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_channels_use_only_the_gateways_public_interface() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(gateway_modules(path) - {"gateway.api"})
        for path in sorted((ROOT / "channels").rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_a_channel_reaching_past_the_public_interface(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from gateway.api import Gateway\nfrom gateway.store.base import StoreError\n"
        "from gateway import metrics\nimport gateway.runtime\nfrom policy_core import models\n"
    )
    assert gateway_modules(module) == {
        "gateway.api", "gateway.store.base", "gateway.metrics", "gateway.runtime",
    }  # fmt: skip


def test_policy_core_never_reads_the_clock_or_opens_a_file() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(impure_calls(path))
        for path in sorted((ROOT / "policy_core").rglob("*.py"))
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from gateway.runtime import Gateway\nimport channels.smtp\nimport os.path\n")
    assert imported_packages(module) == {"gateway", "channels", "os"}


def test_the_check_sees_the_clock_and_files(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    calls = "dt.datetime.now(), dt.date.today(), open('x'), dt.date(2026, 1, 1)"  # wall clock ok
    module.write_text(f"import datetime as dt\ndef f(): return {calls}\n")  # never run, only read
    assert impure_calls(module) == {"now()", "today()", "open()"}
