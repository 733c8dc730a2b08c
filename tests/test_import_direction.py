"""The arrows only point down: policy_core <- gateway <- channels. And policy_core stays pure:
no I/O, no asyncio, no clock of its own (time is always an argument), and its modules import
one another without a circle (type-only imports count: they are dependencies too)."""

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


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Each module of `package` (a directory under its root) and the package's modules it
    imports: absolute or relative, at the top, in a function or under TYPE_CHECKING. `from
    pkg import mod` counts as importing pkg.mod when that is a module."""
    root = package.parent
    paths = {module_name(path, root): path for path in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                found.add(module)
                found.update(f"{module}.{alias.name}" for alias in node.names)
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle (its modules, the first repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph[module]):
            if (cycle := visit(imported)) is not None:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        if (cycle := visit(module)) is not None:
            return cycle
    return None


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


def test_policy_core_has_no_import_cycle() -> None:
    graph = import_graph(ROOT / "policy_core")
    assert "policy_core.chain" in graph and "policy_core.rules.safety" in graph
    assert find_cycle(graph) is None


def test_the_check_sees_an_import_cycle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.sub import b\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..c import C\n"
    )
    (package / "c.py").write_text("import pkg.a\n")
    graph = import_graph(package)
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.c"}
    assert find_cycle(graph) == ["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]
    (package / "c.py").write_text("import pkg.sub\n")
    assert find_cycle(import_graph(package)) is None


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("from gateway.runtime import Gateway\nimport channels.smtp\nimport os.path\n")
    assert imported_packages(module) == {"gateway", "channels", "os"}


def test_the_check_sees_the_clock_and_files(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    calls = "dt.datetime.now(), dt.date.today(), open('x'), dt.date(2026, 1, 1)"  # wall clock ok
    module.write_text(f"import datetime as dt\ndef f(): return {calls}\n")  # never run, only read
    assert impure_calls(module) == {"now()", "today()", "open()"}
