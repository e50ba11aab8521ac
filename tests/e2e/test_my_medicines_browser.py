"""My medicines in Chromium: build a list with autocomplete, check against it, add from a
result, print it to PDF, erase it; and an accessibility scan of the new pages."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pypdfium2 as pdfium
from playwright.sync_api import Browser, Page, expect

NAVIGATION = ("Skip to content", "Check a list", "Recent checks", "Questions", "Session")


def _add(page: Page, name: str) -> None:
    page.get_by_label("Add a medicine").fill(name)
    page.get_by_role("button", name="Add", exact=True).click()


def _build_list(page: Page, live_url: str) -> None:
    page.goto(live_url + "/my-medicines")
    for name in ("warfarin", "Lipitor", "metformin"):
        _add(page, name)
    expect(page.locator("ol.saved li")).to_have_count(3)


def _pdf_text(pdf: bytes, png: Path) -> str:
    """The PDF's text, and its first page rendered to PNG for a person to look at."""
    document = pdfium.PdfDocument(pdf)
    try:
        text = "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        document[0].render(scale=1.5).to_pil().save(png)
    finally:
        document.close()
    return text


def test_build_a_list_with_autocomplete_then_check_against_it(page: Page, live_url: str) -> None:
    page.goto(live_url + "/my-medicines")
    expect(page.get_by_role("heading", name="Your list is empty")).to_be_visible()
    page.get_by_label("Add a medicine").press_sequentially("warf", delay=30)
    expect(page.locator("#medication-names option[value='warfarin']")).to_have_count(1)
    page.get_by_label("Add a medicine").fill("warfarin")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator("ol.saved li")).to_have_count(1)
    _add(page, "metro")  # unknown: not saved, suggestions instead
    expect(page.locator("#add-medicine-error")).to_contain_text("We don't know")
    expect(page.locator("ol.saved li")).to_have_count(1)
    page.locator(".suggestions button", has_text="metronidazole").click()
    _add(page, "Lipitor")
    expect(page.locator("ol.saved li")).to_have_count(3)
    _add(page, "Coumadin")  # the same medicine as warfarin: saved, with a warning
    expect(page.locator(".notice-warning").first).to_contain_text(
        "Coumadin and warfarin are the same medicine"
    )

    page.goto(live_url + "/")
    page.get_by_label("Check a new medicine against my medicines").fill("Advil")
    page.get_by_role("button", name="Check against my medicines").click()
    result = page.locator("#result")
    expect(result).to_contain_text("Potentially risky (major)")
    expect(result).to_contain_text("with warfarin")
    expect(result).to_contain_text("No known interaction in our database with")
    expect(result).to_contain_text("Lipitor (atorvastatin)")
    expect(result).to_contain_text("not medical advice")
    expect(result.locator(".sources a").first).to_have_attribute("href", re.compile("^https://"))
    # Most severe first: no card after a moderate one is major.
    badges = result.locator(".badge").all_inner_texts()
    ranks = ["contraindicated", "major", "moderate", "minor"]
    order = [next(i for i, r in enumerate(ranks) if r in b) for b in badges if "(" in b]
    assert order == sorted(order) and order


def test_add_these_from_a_pair_result(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    page.get_by_label("First medication").fill("Tylenol")
    page.get_by_label("Second medication").fill("sertraline")
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_role("button", name="Add these to my medicines").click()
    expect(page).to_have_url(re.compile("/my-medicines$"))
    expect(page.locator("ol.saved li")).to_have_count(2)
    expect(page.locator("ol.saved")).to_contain_text("Tylenol")
    expect(page.locator("ol.saved")).to_contain_text("sertraline")


def test_print_the_list_and_a_result_for_the_pharmacist(
    page: Page, live_url: str, screenshots: Path
) -> None:
    _build_list(page, live_url)
    expect(page.get_by_role("button", name="Print for my pharmacist")).to_be_visible()
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    text = _pdf_text(page.pdf(format="A4"), screenshots / "my-medicines-print.png")
    for words in ("My medicines", "warfarin", "Lipitor", "(atorvastatin)", "metformin", today,
                  "not medical advice"):  # fmt: skip
        assert words in text, words
    hidden = ("Print for my pharmacist", "Remove", "Clear list", "Add a medicine", "Saved to")
    for words in (*NAVIGATION, *hidden):
        assert words not in text, words

    page.goto(live_url + "/my-medicines/check?medicine=Advil")
    text = _pdf_text(page.pdf(format="A4"), screenshots / "my-medicines-check-print.png")
    for words in ("Advil", "Potentially risky (major)", "with warfarin", "Why:", "What to do:",
                  "dailymed.nlm.nih.gov", today, "not medical advice"):  # fmt: skip
        assert words in text, words
    for words in (*NAVIGATION, "Print for my pharmacist", "Check against my medicines\n"):
        assert words not in text, words


def test_erase_my_data(page: Page, live_url: str) -> None:
    _build_list(page, live_url)
    page.goto(live_url + "/")
    page.get_by_label("First medication").fill("warfarin")
    page.get_by_label("Second medication").fill("ibuprofen")
    page.get_by_role("button", name="Check", exact=True).click()
    assert any(c["name"] == "mediphant_visitor" for c in page.context.cookies())
    page.goto(live_url + "/privacy")
    page.get_by_role("button", name="Erase my data").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Erased: your saved list (1), 1 session record and 1 recent check"
    )
    assert not any(c["name"] == "mediphant_visitor" for c in page.context.cookies())
    page.goto(live_url + "/my-medicines")
    expect(page.get_by_role("heading", name="Your list is empty")).to_be_visible()
    page.goto(live_url + "/history")
    expect(page.locator("ol.history li")).to_have_count(0)
    page.goto(live_url + "/privacy")
    page.get_by_role("button", name="Erase my data").click()  # twice is fine
    expect(page.get_by_role("status").first).to_contain_text("Erased: your saved list (0)")


def test_no_serious_accessibility_violations_on_the_new_pages(
    browser: Browser, live_url: str, axe_source: str
) -> None:
    # The scanner is injected through the DevTools protocol, which the page's CSP does not cover.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    problems = []

    def scan(label: str) -> None:
        page.evaluate(axe_source)
        report = page.evaluate("async () => await axe.run(document)")
        assert len(report["passes"]) > 10, "the scan did not run"
        for violation in report["violations"]:
            if violation["impact"] in ("serious", "critical"):
                problems.append((label, violation["id"], violation["help"]))

    page.goto(live_url + "/my-medicines")
    scan("empty list")
    _build_list(page, live_url)
    scan("list")
    _add(page, "metro")
    scan("list with an error and suggestions")
    for path in ("/my-medicines/check?medicine=Advil", "/my-medicines/check?medicine=metro",
                 "/privacy", "/"):  # fmt: skip
        page.goto(live_url + path)
        scan(path)
    context.close()
    assert problems == []
