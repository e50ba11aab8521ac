"""The medication-list page and the autocomplete endpoint."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import stored


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_list_shows_risky_pairs_most_severe_first_and_unknowns(client: FlaskClient) -> None:
    names = ["Coumadin", "Advil", "Prozac", "tramadol", "metformin", "blorpex"]
    posted = client.post("/list", data={"med": names + [""] * 4})
    assert posted.status_code == 303
    html = client.get(posted.headers["Location"]).get_data(as_text=True)
    text = _text(html)
    severities = re.findall(r"Potentially risky \((contraindicated|major|moderate|minor)\)", text)
    rank = {"contraindicated": 0, "major": 1, "moderate": 2, "minor": 3}
    assert severities and [rank[s] for s in severities] == sorted(rank[s] for s in severities)
    assert "Coumadin + Advil" in text
    assert "“blorpex”" in text
    assert "Informational only — not medical advice" in text


def test_every_checked_pair_is_recorded_in_one_batch(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    client.post("/list", data={"med": ["warfarin", "ibuprofen", "lisinopril", "spironolactone"]})
    assert len(stored(dynamodb, table_name, "QUERY")) == 6  # 4 medicines, 6 pairs
    history = client.get("/api/history").get_json()["history"]
    assert history[0]["isPotentiallyRisky"] is True


def test_a_long_list_writes_only_what_the_history_can_show(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    """10 medicines are 45 pairs; the history shows 10, the risky ones first."""
    names = ["warfarin", "ibuprofen", "lisinopril", "spironolactone", "metformin"]
    names += ["simvastatin", "clarithromycin", "sertraline", "tramadol", "omeprazole"]
    client.post("/list", data={"med": names})
    assert len(stored(dynamodb, table_name, "QUERY")) == 10
    history = client.get("/api/history").get_json()["history"]
    assert len(history) == 10
    # Most severe first (simvastatin + clarithromycin is contraindicated), risky before safe.
    assert {history[0]["medA"], history[0]["medB"]} == {"simvastatin", "clarithromycin"}
    flags = [entry["isPotentiallyRisky"] for entry in history]
    assert flags[0] is True and flags == sorted(flags, reverse=True)
    # The session still counts every pair checked.
    assert "<dt>Checks</dt><dd>45</dd>" in client.get("/session").get_data(as_text=True)


def test_list_validation(client: FlaskClient) -> None:
    one = client.post("/list", data={"med": ["warfarin", "", ""]})
    assert one.status_code == 400 and "at least two" in one.get_data(as_text=True)
    bad = client.post("/list", data={"med": ["warfarin", "<script>"]})
    assert bad.status_code == 400 and 'aria-describedby="med1-error"' in bad.get_data(as_text=True)
    eleven = client.post("/list", data={"med": [f"drug{n}" for n in range(11)]})
    assert eleven.status_code == 400 and "at most 10" in eleven.get_data(as_text=True)


def test_autocomplete_returns_generics_and_brands(client: FlaskClient) -> None:
    body = client.get("/api/medications?q=ibu").get_json()
    assert "ibuprofen" in body["names"]
    brands = client.get("/api/medications?q=adv").get_json()["names"]
    assert "Advil" in brands
    assert client.get("/api/medications").status_code == 400
    assert client.get("/api/medications?q=%3Cscript%3E").status_code == 400
