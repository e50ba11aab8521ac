"""The country choice for brand names: API field, form select, session cookie, Accept-Language."""

from __future__ import annotations

from flask.testing import FlaskClient


def _check(client: FlaskClient, **body: object) -> dict:  # type: ignore[type-arg]
    response = client.post(
        "/api/interactions", json={"medA": "Benadryl", "medB": "ZzzQuil", **body}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_api_country_reads_the_brand_for_that_country(client: FlaskClient) -> None:
    us = _check(client, country="US")
    assert us["country"] == "US" and us["status"] == "duplicate"
    assert {e["name"] for e in us["resolved"][0]["elsewhere"]} == {"cetirizine", "acrivastine"}
    uk = _check(client, country="uk")
    assert uk["country"] == "UK" and uk["status"] == "interaction"  # cetirizine, not a twin
    assert uk["reason"] == "extra drowsiness"
    assert _check(client, country="GB")["country"] == "UK"


def test_api_without_country_checks_every_meaning(client: FlaskClient) -> None:
    body = _check(client)
    assert body["country"] is None
    assert len(body["resolved"][0]["meanings"]) == 3
    assert "checked every meaning" in body["explanation"]
    assert _check(client, country=None)["country"] is None


def test_api_bad_country_is_a_400_with_details(client: FlaskClient) -> None:
    for bad in ("FR", 7, ["US"], "United States of Somewhere"):
        response = client.post(
            "/api/interactions", json={"medA": "Benadryl", "medB": "ZzzQuil", "country": bad}
        )
        assert response.status_code == 400, bad
        details = response.get_json()["details"]
        assert [d["field"] for d in details] == ["country"]
        assert "US, UK, CA, AU, IE" in details[0]["message"] or "text" in details[0]["message"]


def test_form_defaults_from_accept_language(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(as_text=True)
    assert '<option value="UK" selected>' in page
    page = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}).get_data(as_text=True)
    assert '<option value="" selected>' in page
    page = client.get("/", headers={"Accept-Language": "ga"}).get_data(as_text=True)
    assert '<option value="IE" selected>' in page


def test_form_choice_is_used_and_remembered_in_the_session(client: FlaskClient) -> None:
    response = client.post(
        "/interactions",
        data={"medA": "Benadryl", "medB": "Zyrtec", "country": "UK"},
        headers={"Accept-Language": "en-US"},
    )
    assert response.status_code == 303
    assert "country=UK" in response.headers["Location"]
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Same medicine twice" in result
    assert "in UK, Benadryl is sold as more than one medicine" in result
    # The choice outlives the browser's language and follows to the list form.
    page = client.get("/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<option value="UK" selected>' in page
    listing = client.get("/list", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert '<option value="UK" selected>' in listing


def test_choosing_not_set_is_remembered_too(client: FlaskClient) -> None:
    client.post("/interactions", data={"medA": "Benadryl", "medB": "ZzzQuil", "country": ""})
    page = client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert '<option value="" selected>' in page


def test_bad_country_gets_a_message_beside_the_field(client: FlaskClient) -> None:
    response = client.post(
        "/interactions", data={"medA": "Benadryl", "medB": "ZzzQuil", "country": "XX"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="country-error"' in page and "Choose a country" in page
    assert 'value="Benadryl"' in page


def test_list_form_reads_brands_for_the_chosen_country(client: FlaskClient) -> None:
    data = {"med": ["Benadryl", "Zyrtec", "metformin"], "country": "US"}
    response = client.post("/list", data=data)
    assert response.status_code == 303
    us = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 potentially risky pair" in us
    assert "extra drowsiness" in us and "both contain cetirizine" not in us  # diphenhydramine
    response = client.post("/list", data={**data, "country": "UK"})
    uk = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 potentially risky pair" in uk
    assert "both contain cetirizine" in uk and "extra drowsiness" not in uk
    bad = client.post("/list", data={**data, "country": "ZZ"})
    assert bad.status_code == 400 and 'id="country-error"' in bad.get_data(as_text=True)
