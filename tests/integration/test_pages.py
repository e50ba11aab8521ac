"""The pages through Flask's test client, on the real engine."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

NOTICE = "Informational only — not medical advice"


def _check(client: FlaskClient, med_a: str, med_b: str):  # type: ignore[no-untyped-def]
    return client.post("/interactions", data={"medA": med_a, "medB": med_b})


def _recent(html: str) -> list[str]:
    return re.findall(r'<span class="pair">([^<]+)</span>\s*<span class="outcome">', html)


def test_form_page_has_labelled_fields_and_footer_notice(client: FlaskClient) -> None:
    for path in ("/", "/interactions"):
        page = client.get(path)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert '<label for="medA">' in html and '<label for="medB">' in html
        assert NOTICE in html
        assert "No checks yet in this session." in html


def test_check_redirects_then_shows_the_result(client: FlaskClient) -> None:
    posted = _check(client, "Warfarin", "ibuprofen")
    assert posted.status_code == 303
    assert posted.headers["Location"].startswith("/interactions?")
    page = client.get(posted.headers["Location"])
    html = page.get_data(as_text=True)
    assert "Potentially risky" in html
    assert "increased bleeding risk" in html
    assert "avoid combo; consult clinician; prefer acetaminophen for pain relief" in html
    assert 'aria-live="polite"' in html
    assert html.count(NOTICE) >= 2  # on the result card and in the footer
    assert _recent(html) == ["Warfarin + ibuprofen"]


def test_reloading_the_result_does_not_record_again(client: FlaskClient) -> None:
    location = _check(client, "metformin", "contrast dye").headers["Location"]
    for _ in range(3):
        client.get(location)
    html = client.get("/history").get_data(as_text=True)
    assert _recent(html) == ["metformin + contrast dye"]


def test_known_pair_without_rule_is_not_called_safe(client: FlaskClient) -> None:
    location = _check(client, "amlodipine", "atorvastatin").headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "no known interaction in our database" in html
    assert "safe" not in re.sub(r"<[^>]+>", "", html).lower().replace(
        "does not mean the combination is safe", ""
    )


def test_unknown_medication_is_flagged_with_suggestions(client: FlaskClient) -> None:
    location = _check(client, "warfarin", "ibuprofenxx zz").headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "Unknown medication" in html


def test_a_group_word_asks_which_medicine_with_one_button_each(client: FlaskClient) -> None:
    location = _check(client, "statin", "clarithromycin").headers["Location"]
    html = client.get(location).get_data(as_text=True)
    assert "“statin” is a group of medicines, not one medicine. Which one do you take?" in html
    assert "nystatin" not in html
    # Each member is one click away: a form that checks it against the other medicine.
    button = r'name="medA" value="simvastatin">\s*<input[^>]+name="medB" value="clarithromycin"'
    assert re.search(button, html)
    page = _check(client, "simvastatin", "clarithromycin")
    assert "contraindicated" in client.get(page.headers["Location"]).get_data(as_text=True).lower()


def test_validation_messages_sit_beside_fields_and_keep_input(client: FlaskClient) -> None:
    page = _check(client, "warfarin<script>", "")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'aria-describedby="medA-error"' in html
    assert 'id="medA-error"' in html and 'id="medB-error"' in html
    assert "Enter the second medication." in html
    assert 'value="warfarin&lt;script&gt;"' in html
    assert "<script>" not in html.split("<main", 1)[1]
    assert client.get("/history").get_data(as_text=True).count('class="pair"') == 0


def test_same_medication_twice_is_refused(client: FlaskClient) -> None:
    page = _check(client, "Warfarin", " warfarin ")
    assert page.status_code == 400
    assert "same medication twice" in page.get_data(as_text=True)


def test_history_is_newest_first_and_scoped_to_the_session(app: Flask) -> None:
    first, second = app.test_client(), app.test_client()
    _check(first, "warfarin", "ibuprofen")
    _check(first, "lisinopril", "spironolactone")
    _check(second, "metformin", "contrast dye")
    assert _recent(first.get("/history").get_data(as_text=True)) == [
        "lisinopril + spironolactone",
        "warfarin + ibuprofen",
    ]
    assert _recent(second.get("/history").get_data(as_text=True)) == ["metformin + contrast dye"]


def test_history_shows_at_most_ten(client: FlaskClient) -> None:
    pairs = [("warfarin", "ibuprofen"), ("lisinopril", "spironolactone")] * 6
    for med_a, med_b in pairs:
        _check(client, med_a, med_b)
    assert len(_recent(client.get("/history").get_data(as_text=True))) == 10


def test_clear_button_empties_this_sessions_history_only(app: Flask) -> None:
    mine, theirs = app.test_client(), app.test_client()
    _check(mine, "warfarin", "ibuprofen")
    _check(theirs, "warfarin", "ibuprofen")
    cleared = mine.post("/history/clear", data={"next": "history"})
    assert cleared.status_code == 303
    assert _recent(mine.get("/history").get_data(as_text=True)) == []
    assert len(_recent(theirs.get("/history").get_data(as_text=True))) == 1


def test_page_views_write_nothing(client: FlaskClient, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", "/history", "/interactions?medA=warfarin&medB=ibuprofen", "/session"):
        assert client.get(path).status_code == 200
    assert dynamodb.scan(TableName=table_name, Select="COUNT")["Count"] == 0


def test_unknown_path_gets_the_site_layout(client: FlaskClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "There is no page at this address." in html and NOTICE in html


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_a_new_visitors_form_page_is_the_template_with_their_own_token(
    engine,
    table_name: str,
    app: Flask,  # type: ignore[no-untyped-def]
) -> None:
    from tests.conftest import make_app

    guarded = make_app(engine, table_name, WTF_CSRF_ENABLED=True)
    first, second = guarded.test_client(), guarded.test_client()
    page_a = first.get("/").get_data(as_text=True)
    page_b = second.get("/").get_data(as_text=True)  # from the rendered-once page
    token_a, token_b = _token(page_a), _token(page_b)
    assert token_a != token_b
    assert page_a.count(token_a) == 1 and page_b.count(token_b) == 1
    assert page_a.replace(token_a, "TOKEN") == page_b.replace(token_b, "TOKEN")
    assert len(guarded.extensions["mediphant.blank_forms"]) == 1  # rendered once
    # The same page as the template renders afresh (no cache while templates may change).
    fresh = make_app(engine, table_name, WTF_CSRF_ENABLED=True, TEMPLATES_AUTO_RELOAD=True)
    page_c = fresh.test_client().get("/").get_data(as_text=True)
    assert page_c.replace(_token(page_c), "TOKEN") == page_a.replace(token_a, "TOKEN")
    assert not fresh.extensions.get("mediphant.blank_forms")
    # Each token is in its own visitor's session: it works there and nowhere else.
    pair = {"medA": "warfarin", "medB": "ibuprofen"}
    assert first.post("/interactions", data={**pair, "csrf_token": token_b}).status_code == 400
    assert second.post("/interactions", data={**pair, "csrf_token": token_b}).status_code == 303
    assert first.post("/interactions", data={**pair, "csrf_token": token_a}).status_code == 303


def test_the_form_page_still_shows_what_is_the_visitors_own(app: Flask) -> None:
    blank = app.test_client()
    assert "No checks yet in this session." in blank.get("/").get_data(as_text=True)
    british = app.test_client().get("/", headers={"Accept-Language": "en-GB"})
    assert '<option value="UK" selected>' in british.get_data(as_text=True)
    assert '<option value="UK" selected>' not in blank.get("/").get_data(as_text=True)

    returning = app.test_client()
    _check(returning, "warfarin", "ibuprofen")
    html = returning.get("/").get_data(as_text=True)
    assert _recent(html) == ["warfarin + ibuprofen"]
    assert "No checks yet in this session." not in html

    cleared = app.test_client()
    cleared.post("/history/clear", data={"next": "check"})
    assert "Your recent checks were cleared." in cleared.get("/").get_data(as_text=True)
    assert "Your recent checks were cleared." not in cleared.get("/").get_data(as_text=True)
