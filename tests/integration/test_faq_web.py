"""FAQ page, API and the seed's search analytics on the real engine."""

from __future__ import annotations

import base64
import html as html_lib
import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mediphant.periodic import PERIODIC
from mediphant.store import StoreUnavailable, keys, table
from mediphant.store.searches import SearchLog, query_hash
from tests.conftest import INDEX_LAG, eventually, make_app, stored

TOKEN = "admin-token-for-tests-0123456789"


def _search(client: FlaskClient, query: str):  # type: ignore[no-untyped-def]
    response = client.get("/api/faq", query_string={"q": query})
    response.close()  # runs the analytics write queued for after the response
    return response


def test_api_contract_shape(client: FlaskClient) -> None:
    body = _search(client, "what if I forget a dose").get_json()
    assert isinstance(body["answer"], str) and body["answer"]
    assert 1 <= len(body["matches"]) <= 3
    for match in body["matches"]:
        assert isinstance(match["text"], str) and isinstance(match["score"], float)
        assert match["id"] and match["question"] and match["source"]["url"]
    assert body["matches"][0]["id"] == "missed-dose"


def test_api_requires_exactly_one_q(client: FlaskClient) -> None:
    for query_string in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "bad\x00query"}):
        response = client.get("/api/faq", query_string=query_string)
        assert response.status_code == 400, query_string
        assert response.get_json()["details"][0]["field"] == "q"
    repeated = client.get("/api/faq?q=alcohol&q=grapefruit")
    assert repeated.status_code == 400
    page = client.get("/faq?q=alcohol&q=grapefruit")
    assert page.status_code == 400 and "give one q parameter" in page.get_data(as_text=True)


def test_off_topic_gets_no_confident_answer(client: FlaskClient) -> None:
    body = _search(client, "best pizza near me").get_json()
    assert body["confident"] is False
    assert "pharmacist" in body["answer"].lower()


def test_page_shows_answer_sources_and_popular_questions(client: FlaskClient) -> None:
    html = client.get("/faq", query_string={"q": "can I drink beer on my meds"}).get_data(
        as_text=True
    )
    assert "Can I drink alcohol while taking medicine?" in html and "Source:" in html
    assert html.count("It depends on the medicine.") == 1  # the answer is not repeated below
    assert "Informational only — not medical advice." in html
    assert "Popular questions" in html
    bare = client.get("/faq")
    assert bare.status_code == 200 and "Popular questions" in bare.get_data(as_text=True)
    # Each popular question links to its own answer.
    links = re.findall(r'<ul class="popular">(.*?)</ul>', bare.get_data(as_text=True), re.S)
    pairs = re.findall(r'<a href="([^"]+)">([^<]+)</a>', links[0])
    assert len(pairs) == 6
    for href, question in pairs:
        answer = client.get(html_lib.unescape(href)).get_data(as_text=True)
        assert f'<h2 id="answer-heading">{question}</h2>' in answer


def test_each_search_writes_one_item_in_the_seeds_shape(
    client: FlaskClient, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    _search(client, "Medication adherence")

    def ours() -> list[dict]:  # type: ignore[type-arg]
        # An earlier test's app may still be writing its last searches: they go to the one
        # table the process is configured for, this one.
        items = stored(dynamodb, table_name, "FAQ_SEARCH")
        return [i for i in items if i["Data"]["M"]["query"]["S"] == "Medication adherence"]

    (item,) = eventually(ours)
    data = item["Data"]["M"]
    ts = data["timestamp"]["S"]
    assert item["PK"]["S"] == f"FAQ_SEARCH#{ts[:10]}"
    sk = item["SK"]["S"]
    assert sk.startswith(f"QUERY#{ts}#{query_hash('Medication adherence')}#")  # + suffix
    assert data["query"]["S"] == "Medication adherence"
    assert int(data["matches"]["N"]) >= 1
    assert 0 <= float(data["searchTime"]["N"]) < 1000
    assert abs(int(item["TTL"]["N"]) - (keys.parse_timestamp(ts).timestamp() + 90 * 86400)) < 2


def test_a_failed_analytics_write_does_not_fail_the_search(engine, table_name: str) -> None:  # type: ignore[no-untyped-def]
    app = make_app(engine, table_name)  # no table created: every write fails
    client = app.test_client()
    response = _search(client, "grapefruit juice")
    assert response.status_code == 200
    assert response.get_json()["matches"][0]["id"] == "grapefruit-interactions"


def test_sharded_writes_are_read_back_from_every_shard(app: Flask) -> None:
    log = SearchLog(shards=4)
    with app.app_context():
        for n in range(20):
            log.record(f"query {n % 5}", 2, 1.0 + n, True, "x")
        log.flush()
        records = log.day(keys.day(keys.now()))
        summary = log.summary(days=1)
    assert len(records) == 20
    assert summary.total == 20 and summary.days[-1][1] == 20
    assert summary.top_queries[0][1] == 4


def test_admin_page_is_disabled_without_a_token(client: FlaskClient) -> None:
    assert client.get("/admin/analytics").status_code == 404


def test_admin_page_refuses_without_credentials_and_shows_figures_with_them(
    engine, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    app = make_app(engine, table_name, admin_token=TOKEN)
    with app.app_context():
        table.create()
    client = app.test_client()
    for query in ("missed dose", "missed dose", "best pizza near me"):
        _search(client, query)
        time.sleep(0.002)
    refused = client.get("/admin/analytics")
    assert refused.status_code == 401 and "Basic" in refused.headers["WWW-Authenticate"]
    wrong = client.get("/admin/analytics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    basic = base64.b64encode(f"admin:{TOKEN}".encode()).decode()
    for header in (f"Bearer {TOKEN}", f"Basic {basic}"):
        page = client.get("/admin/analytics", headers={"Authorization": header})
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "3 searches in the last 14 days" in html
        assert "<svg" in html
        assert "missed dose</td><td>2" in html
        assert "best pizza near me</td><td>1" in html  # a content gap
        assert "p99" in html


def test_busy_workers_write_searches_in_batches(app: Flask, dynamodb, table_name: str) -> None:  # type: ignore[no-untyped-def]
    from pynamodb.signals import pre_dynamodb_send

    sent: list[str] = []

    def count(sender: object, operation_name: str, **_: object) -> None:
        sent.append(operation_name)

    log = SearchLog()
    pre_dynamodb_send.connect(count)
    try:
        with app.app_context():
            for n in range(30):
                log.record(f"busy {n}", 1, 1.0, True, "x")  # the 25th fills a batch
            log.flush()  # the rest, unless the background thread wrote them first
    finally:
        pre_dynamodb_send.disconnect(count)
    assert set(sent) == {"BatchWriteItem"} and 2 <= len(sent) <= 3
    count_items = dynamodb.scan(TableName=table_name, Select="COUNT")["Count"]
    assert count_items == 30


def test_a_failed_batch_requeues_only_the_searches_it_did_not_write(
    app: Flask, engine, proxy, dynamodb, table_name: str
) -> None:  # type: ignore[no-untyped-def]
    """A queue of 100 searches is four BatchWriteItems; when the third fails, the two that
    landed are not sent again (a queue kept whole grows with every failure until searches
    are dropped), and the next flush writes exactly the 50 that are left."""
    make_app(engine, table_name, dynamodb_max_retries=0)  # the failure is not retried
    log = SearchLog()
    PERIODIC.add("faq analytics", lambda: None)  # the background thread leaves it to the test
    with app.app_context():
        for n in range(100):
            log.record(f"queued {n}", 1, 1.0, True, "x")
        sent_before = proxy.counts.get("BatchWriteItem", 0)
        proxy.update(
            error="InternalServerError", operations=frozenset({"BatchWriteItem"}), share=1 / 3
        )
        with pytest.raises(StoreUnavailable):
            log.flush()
        assert proxy.faulted == 1 and log.pending() == 50
        proxy.set(index_lag=INDEX_LAG)
        assert log.flush() == 50
    assert proxy.counts["BatchWriteItem"] - sent_before == 5
    assert len(stored(dynamodb, table_name, "FAQ_SEARCH")) == 100
