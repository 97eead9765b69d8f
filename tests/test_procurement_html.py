"""The HTML diff report in real headless Chromium (Debian's /usr/bin/chromium), driven as a buyer uses it.

Rows, filters, sorting, drill-down and the print stylesheet are checked in the DOM; every request the
page makes is recorded and must stay on file: or data:. A screenshot is kept under the test output;
`make screenshot` sets HDHPORT_SCREENSHOT to copy it to docs/img/ for the README.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest

from hdhport import paths
from hdhport.cli import main
from hdhport.loader import load_catalogue

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
# A fresh profile and nothing running in the background: the only requests are the page's own.
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORT: playwright_api.ViewportSize = {"width": 1400, "height": 1000}
CATALOGUE = load_catalogue(paths.CATALOGUE)
BIDDERS = len(paths.shipped_profiles())


@dataclass
class Browser:
    page: playwright_api.Page
    report: Path
    requests: list[str] = field(default_factory=list)

    def visible_rows(self) -> list[str]:
        return list(self.page.eval_on_selector_all(
            "#matrix tbody tr", "rows => rows.filter(r => !r.hidden).map(r => r.id.replace('service-', ''))"))

    def column(self, bidder: str) -> list[str]:
        return list(self.page.eval_on_selector_all(
            f"#matrix tbody tr:not([hidden]) td[data-bidder='{bidder}']", "cells => cells.map(c => c.dataset.offer)"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian package chromium)")
    out = tmp_path_factory.mktemp("html")
    report = out / "diff.html"
    assert main(["diff", "--all", "--baseline", "azure-francecentral", "--require", "secnumcloud",
                 "--require", "hds", "--format", "html", "--out", str(report)]) == 0
    with playwright_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(out / "chromium-profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS,
            viewport=VIEWPORT)
        page = context.new_page()
        session = Browser(page, report)
        page.on("request", lambda request: session.requests.append(request.url))
        page.goto(report.as_uri())
        yield session
        context.close()


@pytest.fixture
def fresh(browser: Browser) -> Browser:
    """The page as first opened: filters reset and catalogue order, whatever the previous test did."""
    browser.page.goto(browser.report.as_uri())
    return browser


def test_one_row_per_service_and_one_column_per_bidder(fresh: Browser) -> None:
    assert fresh.visible_rows() == [s.id for s in CATALOGUE.services]
    assert fresh.page.locator("#matrix thead th[data-bidder]").count() == BIDDERS
    services = len(CATALOGUE.services)
    assert fresh.page.locator("#shown").inner_text() == f"{services} of {services} services shown"


def test_filters_hide_rows(fresh: Browser) -> None:
    page = fresh.page
    page.select_option("#filter-family", "storage")
    storage = [s.id for s in CATALOGUE.services if s.family == "storage"]
    assert fresh.visible_rows() == storage
    page.select_option("#filter-requirement", "must")
    assert fresh.visible_rows() == [s.id for s in CATALOGUE.services
                                    if s.family == "storage" and s.requirement == "must"]
    page.click("#filter-reset")
    partly = "ovhcloud-bare-metal-pod-snc"  # a bidder with some services unknown, not all
    page.select_option("#filter-bidder", partly)
    page.select_option("#filter-offer", "unknown")
    unknown = fresh.visible_rows()
    assert unknown and set(fresh.column(partly)) == {"unknown"}
    assert page.locator("#matrix td[data-bidder='bleu']").first.is_hidden(), "other bidders' columns are hidden"
    assert len(unknown) < len(CATALOGUE.services)


def test_sorting_reorders_rows_both_ways(fresh: Browser) -> None:
    page = fresh.page
    ranks = {"native": 0, "self-hosted": 1, "unknown": 2, "gap": 3}
    header = page.locator("#matrix thead th[data-bidder='ovhcloud-public-cloud'] button")
    header.click()
    ascending = [ranks[o] for o in fresh.column("ovhcloud-public-cloud")]
    assert ascending == sorted(ascending) and ascending != [ranks[o] for o in _catalogue_order(fresh)]
    header.click()
    descending = [ranks[o] for o in fresh.column("ovhcloud-public-cloud")]
    assert descending == sorted(descending, reverse=True)
    page.locator("#matrix thead th").first.locator("button").click()
    names = [page.locator(f"#service-{sid} th").get_attribute("data-value") for sid in fresh.visible_rows()]
    assert names == sorted(names, key=lambda n: str(n).lower())


def _catalogue_order(browser: Browser) -> list[str]:
    cell = {row: offer for row, offer in zip(browser.visible_rows(), browser.column("ovhcloud-public-cloud"))}
    return [cell[s.id] for s in CATALOGUE.services]


def test_a_cell_opens_the_bidders_answer_with_its_source_and_date(fresh: Browser) -> None:
    page = fresh.page
    assert not page.locator("#bidder-ovhcloud-public-cloud").evaluate("d => d.open")
    page.click("#service-object_storage td[data-bidder='ovhcloud-public-cloud'] a")
    assert page.locator("#bidder-ovhcloud-public-cloud").evaluate("d => d.open")
    answer = page.locator("#answer-ovhcloud-public-cloud-object_storage")
    assert answer.is_visible()
    text = answer.inner_text()
    assert "hds_certification guide" in text and "2026-11-22" in text
    facts = page.locator("#bidder-ovhcloud-public-cloud table.facts").inner_text()
    assert "SecNumCloud" in facts and "Key custody" in facts


def test_print_stylesheet_hides_the_controls_and_unrolls_the_matrix(fresh: Browser) -> None:
    page = fresh.page
    page.emulate_media(media="print")
    try:
        assert page.locator(".filters").evaluate("e => getComputedStyle(e).display") == "none"
        assert page.locator(".scroll").evaluate("e => getComputedStyle(e).overflow") == "visible"
    finally:
        page.emulate_media(media="screen")
    assert page.locator(".filters").is_visible()


def test_nothing_is_fetched_from_anywhere(browser: Browser) -> None:
    assert browser.requests, "the recorder saw the page load"
    assert all(url.startswith(("file:", "data:")) for url in browser.requests), browser.requests


def test_screenshot(fresh: Browser, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Kept under the test output; `make screenshot` copies it to docs/img/ for the README."""
    page = fresh.page
    page.evaluate("document.getElementById('matrix-section').scrollIntoView({block: 'start'})")
    shot = tmp_path_factory.mktemp("screenshots") / "diff-report.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    target = os.environ.get("HDHPORT_SCREENSHOT")
    if target:
        shutil.copyfile(shot, target)
