"""CSRF, cookies, secrets, error pages and hostile input on every field."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mediphant import create_app
from mediphant.config import ConfigError
from tests.conftest import ProxiedEngine, make_app

NOTICE = "Informational only — not medical advice"
HOSTILE = [
    "x" * 10_000,
    "warfarin\x00",
    "war\x1bfarin",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "варфарин",
    "华法林",
    "💊💊",
    "warfarin\u202e",
    "'; DROP TABLE users; --",
    "{{7*7}}",
    "../../etc/passwd\\",
]


def _stored(dynamodb, table_name: str) -> int:  # type: ignore[no-untyped-def]
    return dynamodb.scan(
        TableName=table_name,
        Select="COUNT",
        FilterExpression="EntityType IN (:q, :s)",
        ExpressionAttributeValues={":q": {"S": "QUERY"}, ":s": {"S": "SESSION"}},
    )["Count"]


def test_forms_need_a_csrf_token(engine: ProxiedEngine, app: Flask, table_name: str) -> None:
    client = make_app(engine, table_name, WTF_CSRF_ENABLED=True).test_client()
    refused = client.post("/interactions", data={"medA": "warfarin", "medB": "ibuprofen"})
    assert refused.status_code == 400
    assert "reload the page" in refused.get_data(as_text=True)
    for path in ("/history/clear", "/session/new", "/list"):
        assert client.post(path, data={}).status_code == 400
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    accepted = client.post(
        "/interactions", data={"medA": "warfarin", "medB": "ibuprofen", "csrf_token": token}
    )
    assert accepted.status_code == 303
    # The JSON API takes no token: it accepts only application/json, which a form cannot send.
    assert (
        client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"}).status_code
        == 200
    )


def test_production_cookies_are_secure_httponly_lax(
    engine: ProxiedEngine, app: Flask, table_name: str
) -> None:
    client = make_app(engine, table_name, env="production", secret_key="s" * 40).test_client()
    response = client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 2  # Flask's session and the visitor id
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_only_a_response_that_changes_the_session_sets_its_cookie(client: FlaskClient) -> None:
    """Requests run concurrently (the form's autocomplete beside a check): one that only read
    the session must not send it back, or it could overwrite a newer cookie with older
    contents (the check's country, its history ids) if it finished last."""
    checked = client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    assert any(c.startswith("session=") for c in checked.headers.getlist("Set-Cookie"))
    for path in ("/api/medications?q=warf", "/faq?q=missed+dose", "/api/history", "/healthz"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert not any(c.startswith("session=") for c in answer.headers.getlist("Set-Cookie"))


def test_sessions_follow_the_secret_key_and_its_fallbacks(
    engine: ProxiedEngine, app: Flask, table_name: str
) -> None:
    """The session cookie's serializer is built once per key: a rotated key (the old one
    kept in SECRET_KEY_FALLBACKS) still reads the visitor's session, a new key alone does not."""
    old_key, new_key = "old-" + "k" * 40, "new-" + "k" * 40
    first = make_app(engine, table_name, secret_key=old_key).test_client()
    first.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    cookie = first.get_cookie("session")
    assert cookie is not None

    def history_seen(**settings: object) -> int:
        client = make_app(engine, table_name, **settings).test_client()
        client.set_cookie("session", cookie.value)
        # The session's own recent writes are read back at once, whatever GSI1's lag.
        return len(client.get("/api/history").get_json()["history"])

    assert history_seen(secret_key=old_key) == 1
    assert history_seen(secret_key=new_key, SECRET_KEY_FALLBACKS=[old_key]) == 1
    assert history_seen(secret_key=new_key) == 0


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    )
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers
    https = client.get("/", base_url="https://localhost")
    assert "max-age=" in https.headers["Strict-Transport-Security"]
    assert "style=" not in response.get_data(as_text=True)
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("secret", ["", "dev-only-change-me", "short"])
def test_production_refuses_a_missing_or_default_secret(secret: str) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"env": "production", "secret_key": secret})


def test_error_pages_in_layout_and_json_for_the_api(engine: ProxiedEngine, table_name: str) -> None:
    token = "t" * 32
    app = make_app(engine, table_name, MAX_CONTENT_LENGTH=1024, admin_token=token)  # no table

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("internal detail that must not leak")

    @app.get("/api/boom")
    def api_boom() -> str:
        raise RuntimeError("internal detail that must not leak")

    client = app.test_client()
    pages = {
        400: client.post("/interactions", data={"medA": "", "medB": ""}),
        404: client.get("/nowhere"),
        405: client.put("/"),
        413: client.post("/interactions", data={"medA": "x" * 5000, "medB": "y"}),
        500: client.get("/boom"),
        503: client.get("/admin/analytics", headers={"Authorization": f"Bearer {token}"}),
    }
    for status, response in pages.items():
        html = response.get_data(as_text=True)
        assert response.status_code == status, status
        assert NOTICE in html and "Traceback" not in html and "internal detail" not in html
    api = {
        404: client.get("/api/nowhere"),
        405: client.put("/api/history"),
        413: client.post("/api/interactions", data="x" * 5000, content_type="application/json"),
        500: client.get("/api/boom"),
    }
    client.post("/api/interactions", json={"medA": "warfarin", "medB": "ibuprofen"})
    api[503] = client.get("/api/history")
    for status, response in api.items():
        assert response.status_code == status, status
        body = response.get_json()
        assert set(body) == {"error"} and "internal detail" not in body["error"]
    # Pages degrade instead of failing: the check answered, history says it is unavailable.
    page = client.get("/history")
    assert page.status_code == 200 and "History is unavailable" in page.get_data(as_text=True)


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_input_on_every_field_is_refused_and_nothing_stored(
    client: FlaskClient,
    dynamodb,
    table_name: str,
    payload: str,  # type: ignore[no-untyped-def]
) -> None:
    assert (
        client.post("/interactions", data={"medA": payload, "medB": "ibuprofen"}).status_code == 400
    )
    assert (
        client.post("/interactions", data={"medA": "warfarin", "medB": payload}).status_code == 400
    )
    assert client.post("/list", data={"med": ["warfarin", payload]}).status_code == 400
    for body in ({"medA": payload, "medB": "ibuprofen"}, {"medA": "warfarin", "medB": payload}):
        response = client.post("/api/interactions", json=body)
        assert response.status_code == 400 and response.get_json()["details"]
    assert client.get("/api/medications", query_string={"q": payload}).status_code == 400
    page = client.get("/interactions", query_string={"medA": payload, "medB": "ibuprofen"})
    assert page.status_code == 200 and "field-error" in page.get_data(as_text=True)
    assert "<script>alert" not in page.get_data(as_text=True)
    assert _stored(dynamodb, table_name) == 0


def test_faq_search_takes_other_scripts_but_not_control_characters(client: FlaskClient) -> None:
    assert client.get("/api/faq", query_string={"q": "варфарин 华法林 💊"}).status_code == 200
    assert client.get("/faq", query_string={"q": "<script>alert(1)</script>"}).status_code == 200
    assert "<script>alert" not in client.get(
        "/faq", query_string={"q": "<script>alert(1)</script>"}
    ).get_data(as_text=True)
    assert client.get("/api/faq", query_string={"q": "a\x00b"}).status_code == 400
    assert client.get("/faq", query_string={"q": "x" * 500}).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"medA": None, "medB": "ibuprofen"},
        {"medA": 1, "medB": 2},
        {"medA": ["warfarin"], "medB": {"x": 1}},
        {"medA": True, "medB": "ibuprofen"},
        {"medB": "ibuprofen"},
        {},
    ],
)
def test_api_wrong_types_and_missing_fields(client: FlaskClient, body: dict) -> None:  # type: ignore[type-arg]
    response = client.post("/api/interactions", json=body)
    assert response.status_code == 400
    assert {d["field"] for d in response.get_json()["details"]} <= {"medA", "medB"}


def test_repeated_form_fields_are_refused(client: FlaskClient) -> None:
    response = client.post(
        "/interactions", data={"medA": ["warfarin", "aspirin"], "medB": "ibuprofen"}
    )
    assert response.status_code == 400 and "Enter one name per field." in response.get_data(
        as_text=True
    )
