"""What every browser test shares: Debian's Chromium, the screenshot folder, and axe-core's
WCAG 2.2 A and AA rules (axe-core ships in axe-playwright-python)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest
from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


def shot(page: Page, name: str) -> None:
    """A full-page screenshot, tests/artifacts/NAME.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.2 A and AA rules on the page as it stands: what it finds, in words."""
    page.evaluate(AXE)
    found = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG)
    assert len(found["passes"]) >= 10, found["passes"]  # the rules did run on this page
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in found["violations"]
    ]
