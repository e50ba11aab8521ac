"""What a person does in the browser, end to end, on the real engine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.live import away_from_minute_edge

PAGES = [
    "/",
    "/history",
    "/list",
    "/faq",
    "/faq?q=can+I+drink+alcohol",
    "/session",
    "/my-medicines",
    "/privacy",
]


def _check(page: Page, med_a: str, med_b: str) -> None:
    page.get_by_label("First medication").fill(med_a)
    page.get_by_label("Second medication").fill(med_b)
    page.get_by_role("button", name="Check", exact=True).click()


def test_risky_and_safe_pairs_show_in_recent_checks(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    _check(page, "Coumadin", "Advil")
    result = page.locator("#result")
    expect(result).to_contain_text("Potentially risky")
    expect(result).to_contain_text("Informational only — not medical advice")
    _check(page, "amlodipine", "atorvastatin")
    expect(result).to_contain_text("No known interaction in our database")
    recent = page.locator("ol.history li")
    expect(recent).to_have_count(2)
    expect(recent.nth(0)).to_contain_text("amlodipine + atorvastatin")
    expect(recent.nth(1)).to_contain_text("Coumadin + Advil")
    page.reload()  # a reload re-renders, it does not re-submit
    expect(page.locator("ol.history li")).to_have_count(2)


def test_clear_history(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    _check(page, "warfarin", "ibuprofen")
    expect(page.locator("ol.history li")).to_have_count(1)
    page.get_by_role("button", name="Clear recent checks").click()
    expect(page.locator("ol.history li")).to_have_count(0)
    expect(page.get_by_role("status").first).to_contain_text("cleared")


def test_unknown_name_offers_suggestions_that_rerun_the_check(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    _check(page, "warfarin", "metro")
    expect(page.locator("#result")).to_contain_text("We don't know")
    suggestion = page.locator(".suggestions button").first
    name = suggestion.inner_text()
    suggestion.click()
    expect(page.locator("#result .pair")).to_contain_text(f"warfarin + {name}")


def test_typo_is_corrected_and_said(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    _check(page, "warfrin", "ibuprofen")
    expect(page.locator(".corrected")).to_contain_text("Showing results for warfarin")


def test_faq_search(page: Page, live_url: str) -> None:
    page.goto(live_url + "/faq")
    page.get_by_label("Search the questions").fill("can i have a glass of wine with my pills")
    page.keyboard.press("Enter")
    expect(page.locator("#answer")).to_contain_text("alcohol")
    expect(page.locator("#answer .sources a").first).to_have_attribute(
        "href", re.compile("^https://")
    )


def test_rate_limit_page(page: Page, strict_url: str) -> None:
    page.goto(strict_url + "/")
    away_from_minute_edge(20)  # the three checks in one clock-aligned window of "2 per minute"
    for _ in range(3):
        _check(page, "warfarin", "ibuprofen")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Too many requests")
    expect(page.locator("footer")).to_contain_text("Informational only")


def test_keyboard_only_submission(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    page.keyboard.press("Tab")  # skip link
    expect(page.locator(".skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "medA":
            break
    expect(page.locator("#medA")).to_be_focused()
    page.keyboard.type("lisinopril")
    page.keyboard.press("Tab")
    expect(page.locator("#medB")).to_be_focused()
    page.keyboard.type("spironolactone")
    page.keyboard.press("Enter")
    expect(page.locator("#result")).to_contain_text("hyperkalemia risk")


def test_validation_error_is_tied_to_its_field(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    _check(page, "warfarin", "warfarin")
    field = page.locator("#medB")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "medB-error")
    expect(page.locator("#medB-error")).to_contain_text("same medication twice")
    expect(page.locator("#medA")).to_have_value("warfarin")


@pytest.mark.parametrize("width", [360, 1280])
def test_layout_and_screenshots(
    browser: Browser, live_url: str, screenshots: Path, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(live_url + "/")
    _check(page, "Coumadin", "Advil")
    for path in PAGES:
        if path != "/":
            page.goto(live_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways at {width}px"
        name = path.strip("/").replace("?", "-").replace("=", "-").replace("+", "-") or "home"
        page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)
    context.close()


def test_no_serious_accessibility_violations(
    browser: Browser, live_url: str, axe_source: str
) -> None:
    # The scanner is injected through the DevTools protocol, which the page's CSP does not cover.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_url + "/")
    _check(page, "warfarin", "metro")  # a result with suggestions on the page
    problems = []
    for path in [None, *PAGES, "/interactions?medA=warfarin&medB=ibuprofen", "/no-such-page"]:
        if path is not None:
            page.goto(live_url + path)
        page.evaluate(axe_source)
        report = page.evaluate("async () => await axe.run(document)")
        assert len(report["passes"]) > 10, "the scan did not run"
        for violation in report["violations"]:
            if violation["impact"] in ("serious", "critical"):
                problems.append((path or "result", violation["id"], violation["help"]))
    context.close()
    assert problems == []
