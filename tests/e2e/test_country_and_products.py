"""In the browser: the country choice for brand names, and combination products."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect


def _check(page: Page, med_a: str, med_b: str) -> None:
    page.get_by_label("First medication").fill(med_a)
    page.get_by_label("Second medication").fill(med_b)
    page.get_by_role("button", name="Check", exact=True).click()


def test_country_defaults_from_the_browser_language_and_is_remembered(
    browser: Browser, live_url: str
) -> None:
    context = browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(live_url + "/")
    select = page.get_by_label("Country for brand names")
    expect(select).to_have_value("UK")
    _check(page, "Benadryl", "Zyrtec")
    result = page.locator("#result")
    expect(result).to_contain_text("Same medicine twice")
    expect(result).to_contain_text("in UK, Benadryl is sold as more than one medicine")

    select.select_option("US")
    _check(page, "Benadryl", "Zyrtec")
    expect(result).to_contain_text("extra drowsiness")  # diphenhydramine, not a duplicate
    expect(result).to_contain_text("in US, Benadryl is diphenhydramine")
    expect(page.get_by_label("Country for brand names")).to_have_value("US")

    page.goto(live_url + "/list")  # the choice follows to the other form
    expect(page.get_by_label("Country for brand names")).to_have_value("US")
    context.close()


def test_no_country_checks_every_meaning(browser: Browser, live_url: str) -> None:
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.goto(live_url + "/")
    expect(page.get_by_label("Country for brand names")).to_have_value("")
    _check(page, "Benadryl", "ZzzQuil")
    expect(page.locator("#result")).to_contain_text(
        "no country was chosen, so we checked every meaning"
    )
    context.close()


def test_combination_product_names_the_shared_ingredient(page: Page, live_url: str) -> None:
    page.goto(live_url + "/")
    _check(page, "NyQuil", "Tylenol")
    result = page.locator("#result")
    expect(result).to_contain_text("NyQuil and Tylenol both contain acetaminophen")
    expect(result).to_contain_text("4,000 mg")
    expect(result).to_contain_text("check the label, versions differ")


def test_list_of_cold_remedies(page: Page, live_url: str) -> None:
    page.goto(live_url + "/list")
    page.get_by_label("Medication 1", exact=True).fill("NyQuil Cold and Flu")
    page.get_by_label("Medication 2", exact=True).fill("DayQuil Cold and Flu")
    page.get_by_label("Medication 3", exact=True).fill("Percocet")
    page.get_by_role("button", name="Check the list").click()
    expect(page.locator("#list-result-heading")).to_contain_text("potentially risky pair")
    expect(page.locator(".pairs")).to_contain_text("Percocet contains")
