"""Browser fixtures: one headless Chromium per run, a fresh phone-sized page per test.

Playwright cannot download its own browsers here, so the tests drive the system
Chromium (Debian's /usr/bin/chromium) and are skipped when there is none.
Every page a test visits is checked with axe-core; see `check_a11y`. Set SCREENSHOT_DIR
to also keep a screenshot (first screen and full page) of every page checked.
"""

from __future__ import annotations

import os
import re
import shutil
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium",)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
SCRIPT_REQUESTS = {"fetch", "xhr"}

# WCAG 2.2 level A and AA (every rule axe tags for 2.0, 2.1 and 2.2), plus axe's best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations", "incomplete"],
}
BLOCKING_IMPACTS = {"serious", "critical"}
# Checks axe should always be able to finish on these plain pages (see check_a11y).
ALWAYS_DECIDABLE = {"color-contrast"}


def find_chromium() -> str | None:
    """The system Chromium, or None."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = find_chromium()
    if executable is None:
        pytest.skip("no Chromium found at /usr/bin/chromium or on PATH (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh phone-sized, Vietnamese-speaking tab with its own cookies.

    Uncaught script errors, console errors (a CSP violation is one) and failed
    stylesheets, scripts or images fail the test.
    """
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        base_url=live_server.url,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message) -> None:
        # A page answered with 4xx (a form with errors) is logged as "Failed to load resource";
        # failed sub-resources are caught by on_response instead.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(f"console error: {message.text}")

    def on_response(response) -> None:
        # A script's own request answered 4xx (log in first, solve a challenge, slow down) is an
        # answer the script handles; only a server error there is a problem.
        floor = 500 if response.request.resource_type in SCRIPT_REQUESTS else 400
        if response.request.resource_type != "document" and response.status >= floor:
            problems.append(f"{response.status} for {response.request.resource_type} {response.url}")

    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", on_console)
    page.on("response", on_response)
    yield page
    context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def axe():
    module = pytest.importorskip(
        "axe_playwright_python.sync_playwright", reason="axe-playwright-python is not installed"
    )
    return module.Axe()


def format_results(results: list[dict]) -> str:
    lines = []
    for result in results:
        lines.append(f"- {result['id']} ({result['impact']}): {result['help']}  <{result['helpUrl']}>")
        for node in result["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            summary = node.get("failureSummary") or "; ".join(
                check["message"] for check in node.get("any", []) + node.get("all", []) + node.get("none", [])
            )
            lines.append(f"    {target}: {' '.join(summary.split())}")
    return "\n".join(lines)


@pytest.fixture
def check_a11y(page, axe, request):
    """Run axe-core on the page as it is now and fail on anything serious or critical.

    Fails on serious or critical violations, and also on color-contrast checks axe could not
    finish ("incomplete"): this site has no background images, so axe only gives up when
    something is odd – it does so, for one, when text is exactly the colour of its background.
    Also fails when the page is wider than the phone screen (WCAG 1.4.10 Reflow).
    Returns the minor and moderate violations so a test can inspect them.
    """
    screenshot_dir = os.environ.get("SCREENSHOT_DIR")
    numbers = count(1)

    def check(label: str | None = None) -> list[dict]:
        page.wait_for_load_state("load")
        where = label or urlsplit(page.url).path
        if screenshot_dir:
            folder = Path(screenshot_dir)
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{request.node.name}-{next(numbers):02d}-{re.sub(r'[^a-z0-9]+', '-', where.lower()).strip('-')}"
            page.screenshot(path=folder / f"{name}.png")
            page.screenshot(path=folder / f"{name}-full.png", full_page=True)
        response = axe.run(page, options=AXE_OPTIONS).response
        violations = response["violations"]
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        unsure = [v for v in response["incomplete"] if v["id"] in ALWAYS_DECIDABLE]
        assert not blocking, f"axe found serious/critical violations on {where}:\n{format_results(blocking)}"
        assert not unsure, f"axe could not check contrast on {where}:\n{format_results(unsure)}"
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{where} scrolls sideways on a phone: {widths[0]}px wide in {widths[1]}px"
        return [v for v in violations if v not in blocking]

    return check
