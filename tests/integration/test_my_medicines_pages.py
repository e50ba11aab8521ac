"""The saved-list pages without JavaScript, and how they degrade when DynamoDB is away."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from mediphant.store import table
from mediphant.store.local import LocalEngine, free_port
from mediphant.web.identity import VISITOR_COOKIE, _serializer
from tests.conftest import make_app, stored
from tests.faultproxy import FaultProxy


def _version(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match is not None
    return match.group(1)


def _names(client: FlaskClient) -> list[str]:
    return [m["input"] for m in client.get("/api/my-medicines").get_json()["medicines"]]


def _add(client: FlaskClient, name: str, version: str | None = None):  # type: ignore[no-untyped-def]
    if version is None:
        version = _version(client.get("/my-medicines").get_data(as_text=True))
    return client.post("/my-medicines/add", data={"medicine": name, "version": version})


def test_add_remove_and_clear(client: FlaskClient) -> None:
    page = client.get("/my-medicines").get_data(as_text=True)
    assert "Your list is empty" in page
    assert _add(client, "warfarin").status_code == 303
    assert _add(client, "Lipitor").status_code == 303
    assert _add(client, "metformin").status_code == 303
    page = client.get("/my-medicines").get_data(as_text=True)
    assert "3 saved medicines" in page and "Lipitor" in page and "(atorvastatin)" in page
    assert _names(client) == ["warfarin", "Lipitor", "metformin"]
    version = _version(page)
    client.post("/my-medicines/remove", data={"index": "1", "version": version})
    assert _names(client) == ["warfarin", "metformin"]
    version = _version(client.get("/my-medicines").get_data(as_text=True))
    client.post("/my-medicines/clear", data={"version": version})
    assert _names(client) == []


def test_an_unknown_name_is_not_saved_and_gets_suggestions(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    response = _add(client, "metro")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and "We don&#39;t know “metro”" in page
    assert 'name="medicine" value="metronidazole"' in page  # a suggestion to add instead
    assert stored(dynamodb, table_name, "MEDLIST") == []
    assert _add(client, "").status_code == 400


def test_a_listed_ingredient_is_warned_about_but_saved(client: FlaskClient) -> None:
    _add(client, "acetaminophen")
    response = _add(client, "Tylenol")
    assert response.status_code == 303
    page = client.get("/my-medicines").get_data(as_text=True)
    assert "Tylenol and acetaminophen are the same medicine (acetaminophen)" in page
    _add(client, "Percocet")
    page = client.get("/my-medicines").get_data(as_text=True)
    assert "Percocet contains acetaminophen, already on your list" in page
    assert _names(client) == ["acetaminophen", "Tylenol", "Percocet"]


def test_the_same_name_twice_adds_nothing_and_twenty_is_the_limit(client: FlaskClient) -> None:
    names = [
        "warfarin", "aspirin", "ibuprofen", "metformin", "lisinopril", "amlodipine",
        "atorvastatin", "simvastatin", "omeprazole", "sertraline", "fluoxetine", "digoxin",
        "amiodarone", "clarithromycin", "tramadol", "gabapentin", "levothyroxine",
        "prednisone", "furosemide", "spironolactone",
    ]  # fmt: skip
    client.put("/api/my-medicines", json={"medicines": names, "version": 0})
    response = _add(client, "Warfarin")
    assert response.status_code == 303 and len(_names(client)) == 20
    response = _add(client, "naproxen")
    assert response.status_code == 400
    assert "at most 20" in response.get_data(as_text=True)
    assert len(_names(client)) == 20


def test_two_windows_editing_at_once(client: FlaskClient) -> None:
    _add(client, "warfarin")
    seen = _version(client.get("/my-medicines").get_data(as_text=True))  # both windows
    assert _add(client, "aspirin", seen).status_code == 303  # the first window saves
    response = _add(client, "metformin", seen)  # the second still shows the old list
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Your list changed in another window" in page
    assert "aspirin" in page  # the list as it is now
    assert _names(client) == ["warfarin", "aspirin"]
    response = client.post("/my-medicines/remove", data={"index": "0", "version": seen})
    assert response.status_code == 409 and _names(client) == ["warfarin", "aspirin"]


def test_add_these_from_a_pair_result_and_a_list_result(client: FlaskClient) -> None:
    client.post("/", data={"medA": "Coumadin", "medB": "Advil"})
    page = client.get("/?medA=Coumadin&medB=Advil").get_data(as_text=True)
    assert "Add these to my medicines" in page
    client.post("/my-medicines/add", data={"medicine": ["Coumadin", "Advil"]})
    assert _names(client) == ["Coumadin", "Advil"]
    page = client.get("/list?m=warfarin&m=metformin&m=zzqqxx").get_data(as_text=True)
    assert 'name="medicine" value="metformin"' in page
    assert 'name="medicine" value="zzqqxx"' not in page  # unknown names are never offered
    client.post("/my-medicines/add", data={"medicine": ["warfarin", "metformin"]})
    assert _names(client) == ["Coumadin", "Advil", "warfarin", "metformin"]


def test_the_check_page_offers_the_list_check_only_with_a_saved_list(client: FlaskClient) -> None:
    assert "Check against my medicines" not in client.get("/").get_data(as_text=True)
    _add(client, "warfarin")
    assert "Check against my medicines" in client.get("/").get_data(as_text=True)


def test_check_against_the_list_page(client: FlaskClient) -> None:
    client.put(
        "/api/my-medicines", json={"medicines": ["warfarin", "Lipitor", "metformin"], "version": 0}
    )
    response = client.post("/my-medicines/check", data={"medicine": "Advil"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/my-medicines/check?medicine=Advil")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    for words in ("Potentially risky (major)", "with warfarin", "Why:", "How:", "What to do:",
                  "Matched:", "Source", "No known interaction in our database with",
                  "Lipitor (atorvastatin)", "not medical advice"):  # fmt: skip
        assert words in page, words
    assert page.index("(major)") < page.index("Lipitor (atorvastatin)")
    assert [h["medB"] for h in client.get("/api/history").get_json()["history"]] == ["warfarin"]
    unknown = client.post("/my-medicines/check", data={"medicine": "metro"})
    assert unknown.status_code == 400 and "metronidazole" in unknown.get_data(as_text=True)


@pytest.fixture
def down_client(table_name: str) -> Iterator[FlaskClient]:
    """The app with nothing answering where DynamoDB should be."""
    app = make_app(LocalEngine(port=free_port()), table_name, dynamodb_timeout_seconds=0.3)
    client = app.test_client()
    # A returning visitor: their cookie says who they are, the table cannot say more.
    with app.test_request_context():
        client.set_cookie(VISITOR_COOKIE, _serializer().dumps("returning-visitor"))
    yield client


def test_an_outage_degrades_every_list_path(down_client: FlaskClient) -> None:
    page = down_client.get("/my-medicines")
    assert page.status_code == 503
    assert "can't be read right now" in html.unescape(page.get_data(as_text=True))
    check = down_client.post("/my-medicines/check", data={"medicine": "Advil"})
    assert check.status_code == 303
    assert "medA=Advil" in check.headers["Location"]  # the two-medicine form takes over
    fallback = html.unescape(down_client.get(check.headers["Location"]).get_data(as_text=True))
    assert "can't be read right now" in fallback and 'value="Advil"' in fallback
    added = down_client.post("/my-medicines/add", data={"medicine": "warfarin", "version": "0"})
    assert added.status_code == 303
    assert "could not be saved" in down_client.get("/my-medicines").get_data(as_text=True)
    for method, path, body in (
        ("get", "/api/my-medicines", None),
        ("put", "/api/my-medicines", {"medicines": ["warfarin"], "version": 0}),
        ("post", "/api/my-medicines/check", {"medicine": "Advil"}),
        ("delete", "/api/my-data", None),
    ):
        response = getattr(down_client, method)(path, json=body)
        assert response.status_code == 503, path
        assert response.get_json()["error"]
    erase = down_client.post("/privacy/erase")
    assert erase.status_code == 303
    assert "could not be erased" in down_client.get("/privacy").get_data(as_text=True)


def test_a_failed_save_leaves_the_previous_list_whole(engine: LocalEngine, table_name: str) -> None:
    """Saves are one PutItem: when the table is gone mid-use, the list is as it was."""
    app = make_app(engine, table_name)
    with app.app_context():
        table.create()
    client = app.test_client()
    client.put("/api/my-medicines", json={"medicines": ["warfarin", "aspirin"], "version": 0})
    with app.app_context():
        table.drop()
    response = client.put("/api/my-medicines", json={"medicines": ["metformin"], "version": 1})
    assert response.status_code == 503
    assert "unchanged" in response.get_json()["error"]


def test_a_brownout_degrades_the_list_pages_and_leaves_the_list_whole(
    engine: LocalEngine, table_name: str, dynamodb
) -> None:  # type: ignore[no-untyped-def]
    """An engine that answers too slowly, behind the fault proxy, with production time-outs."""
    app = make_app(engine, table_name)
    with app.app_context():
        table.create()
    client = app.test_client()
    client.put("/api/my-medicines", json={"medicines": ["warfarin", "aspirin"], "version": 0})
    cookie = client.get_cookie(VISITOR_COOKIE)
    assert cookie is not None
    port = free_port()
    try:
        with FaultProxy(engine.url, port=port) as proxy, proxy.faulty(latency=2.0):
            slow = make_app(
                LocalEngine(port=port),
                table_name,
                dynamodb_timeout_seconds=0.3,
                dynamodb_budget_seconds=0.8,
                dynamodb_slow_seconds=0.25,
                dynamodb_max_waiting=4,
            ).test_client()
            slow.set_cookie(VISITOR_COOKIE, cookie.value)
            page = slow.get("/my-medicines")
            assert page.status_code == 503
            assert "can't be read right now" in html.unescape(page.get_data(as_text=True))
            saved = slow.put("/api/my-medicines", json={"medicines": ["metformin"], "version": 1})
            assert saved.status_code == 503 and "unchanged" in saved.get_json()["error"]
            check = slow.post("/my-medicines/check", data={"medicine": "Advil"})
            assert check.status_code == 303 and "medA=Advil" in check.headers["Location"]
            assert slow.delete("/api/my-data").status_code == 503
        (item,) = stored(dynamodb, table_name, "MEDLIST")
        assert item["Data"]["M"]["version"]["N"] == "1"
        assert [m["M"]["input"]["S"] for m in item["Data"]["M"]["medicines"]["L"]] == [
            "warfarin",
            "aspirin",
        ]
    finally:
        dynamodb.delete_table(TableName=table_name)
