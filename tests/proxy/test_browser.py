"""Chromium over HTTPS through nginx, the app in production mode: its Secure, HttpOnly,
SameSite cookies carry the session end to end."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from mediphant.web.identity import VISITOR_COOKIE
from tests.proxy.stack import Proxy

pytestmark = pytest.mark.proxy

SESSION_COOKIE = "session"  # Flask's


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # The throw-away certificate is self-signed: its errors are ignored here and only here.
    context = browser.new_context(ignore_https_errors=True)
    yield context
    context.close()


def _check(page: Page, med_a: str, med_b: str) -> None:
    page.get_by_label("First medication").fill(med_a)
    page.get_by_label("Second medication").fill(med_b)
    page.get_by_role("button", name="Check", exact=True).click()


def _cookies(context: BrowserContext) -> dict[str, dict]:  # type: ignore[type-arg]
    return {cookie["name"]: cookie for cookie in context.cookies()}


def test_a_secure_session_over_https_from_check_to_new_session(
    context: BrowserContext, proxy: Proxy
) -> None:
    page = context.new_page()
    page.goto(proxy.https_url + "/")
    _check(page, "warfarin", "ibuprofen")
    # The check redirected (303) to the result page, still over HTTPS.
    expect(page).to_have_url(
        re.compile(
            re.escape(proxy.https_url)
            + r"/interactions\?medA=warfarin&medB=ibuprofen(&country=[A-Z]{2})?$"
        )
    )
    expect(page.locator("#result")).to_contain_text("Potentially risky")
    recent = page.locator("ol.history li")
    expect(recent).to_have_count(1)
    expect(recent.first).to_contain_text("warfarin + ibuprofen")

    cookies = _cookies(context)
    for name in (SESSION_COOKIE, VISITOR_COOKIE):
        assert cookies[name]["secure"] is True, name
        assert cookies[name]["httpOnly"] is True, name
        assert cookies[name]["sameSite"] == "Lax", name
    first_session = cookies[SESSION_COOKIE]["value"]

    page.get_by_role("button", name="Clear recent checks").click()
    expect(page.get_by_role("status").first).to_contain_text("cleared")
    expect(recent).to_have_count(0)

    page.goto(proxy.https_url + "/session")
    page.get_by_role("button", name="Start a new session").click()
    expect(page.get_by_role("status").first).to_contain_text("A new session has started")
    assert _cookies(context)[SESSION_COOKIE]["value"] != first_session

    # The new session's history holds only its own check.
    page.goto(proxy.https_url + "/")
    _check(page, "lisinopril", "spironolactone")
    expect(recent).to_have_count(1)
    expect(recent.first).to_contain_text("lisinopril + spironolactone")
