"""FAQ corpus, validation and search (mediphant.domain.faq)."""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from mediphant.domain import faq
from mediphant.domain.faq import (
    CONFIDENCE_THRESHOLD,
    LOW_CONFIDENCE_ANSWER,
    NOT_MEDICAL_ADVICE,
    FaqEntry,
    FaqIndex,
    SearchResult,
    Source,
    default_index,
    load_entries,
    load_synonyms,
)

EVAL_FILE = Path(__file__).resolve().parents[1] / "data" / "faq_queries.json"

REQUIRED_IDS = [
    "medication-adherence",
    "medication-list",
    "adherence-tools",
    "high-risk-interactions",
    "consult-pharmacist",
    "missed-dose",
    "double-dose",
    "alcohol-and-medications",
    "grapefruit-interactions",
    "otc-pain-relievers",
    "herbal-supplements",
    "storing-medications",
    "expired-medications",
    "medication-disposal",
    "antibiotics-course",
    "pregnancy-breastfeeding",
    "side-effects",
    "generic-vs-brand",
    "travel-with-medications",
    "children-dosing",
    "older-adults-polypharmacy",
    "food-and-timing",
    "driving-and-drowsiness",
    "allergy-vs-side-effect",
    "about-the-checker",
]

# The statements of the earlier product, each kept verbatim in its entry's answer,
# with a search for its key words that must return that entry first.
CONTRACT = [
    (
        "medication-adherence",
        "Medication adherence improves outcomes in diabetes; missed doses are a leading "
        "cause of poor control.",
        "adherence diabetes outcomes poor control",
    ),
    (
        "medication-list",
        "Keep an up-to-date medication list and reconcile it after every clinic or hospital visit.",
        "up-to-date medication list reconcile",
    ),
    (
        "adherence-tools",
        "Use a pill organizer or phone reminders to reduce unintentional nonadherence.",
        "pill organizer phone reminders",
    ),
    (
        "high-risk-interactions",
        "High-risk interactions include anticoagulants with NSAIDs, ACE inhibitors with "
        "potassium-sparing diuretics, and metformin around contrast imaging.",
        "anticoagulants NSAIDs potassium-sparing diuretics",
    ),
    (
        "consult-pharmacist",
        "When in doubt, consult a pharmacist or clinician — online lists can be incomplete.",
        "consult a pharmacist online lists incomplete",
    ),
]

ALLOWED_THIRD_PARTY_IMPORTS = {"bm25s", "numpy", "Stemmer", "rapidfuzz"}


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip()) if s]


@pytest.fixture(scope="module")
def entries() -> tuple[FaqEntry, ...]:
    return load_entries()


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return default_index()


@pytest.fixture(scope="module")
def evaluation() -> dict:
    return json.loads(EVAL_FILE.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- corpus


def test_required_ids_present_once_and_first_in_order(entries):
    ids = [e.id for e in entries]
    assert ids[: len(REQUIRED_IDS)] == REQUIRED_IDS
    counts = Counter(ids)
    assert all(counts[i] == 1 for i in REQUIRED_IDS)


def test_every_entry_is_sourced(entries):
    for e in entries:
        assert e.source.title.strip(), e.id
        if e.id == "about-the-checker":
            assert e.source.url == "/about"
        else:
            assert e.source.url.startswith("https://"), e.id


def test_entries_are_plain_and_complete(entries):
    for e in entries:
        assert 2 <= len(_sentences(e.answer)) <= 5, (e.id, _sentences(e.answer))
        assert 6 <= len(e.alternatives) <= 10, e.id
        assert len({_norm(a) for a in e.alternatives}) == len(e.alternatives), e.id
        assert NOT_MEDICAL_ADVICE not in e.answer


@pytest.mark.parametrize(("entry_id", "statement", "_query"), CONTRACT)
def test_contract_statements_are_kept(entries, entry_id, statement, _query):
    entry = next(e for e in entries if e.id == entry_id)
    assert statement in _sentences(entry.answer)


@pytest.mark.parametrize(("entry_id", "statement", "query"), CONTRACT)
def test_contract_statements_are_findable(index, entry_id, statement, query):
    for q in (query, statement):
        result = index.search(q)
        assert result.matches[0].entry.id == entry_id, q
        assert result.confident, q
        assert statement in result.answer


def test_about_entry_describes_the_checker(index):
    answer = index.get("about-the-checker").answer
    assert "pairs of medicines" in answer
    assert "source" in answer
    assert "not medical advice" in answer
    assert "unknown medicine is never reported as safe" in answer
    assert "pharmacist" in answer


def test_synonyms_load(index):
    synonyms = load_synonyms()
    assert synonyms["blood thinner"] == ("anticoagulant", "warfarin")
    assert all(k == k.lower().strip() and v for k, v in synonyms.items())


# ----------------------------------------------------------------------- validation


def _valid_raw(**overrides) -> dict:
    raw = {
        "id": "missed-dose",
        "question": "What if I miss a dose?",
        "answer": "Take it when you remember. Do not double up.",
        "alternatives": ["forgot my pill"],
        "source": {"title": "NHS", "url": "https://www.nhs.uk/medicines/"},
    }
    raw.update(overrides)
    return raw


def _write(tmp_path: Path, entries: list) -> Path:
    path = tmp_path / "faq.json"
    path.write_text(json.dumps({"entries": entries}), encoding="utf-8")
    return path


def test_valid_small_file_loads(tmp_path):
    loaded = load_entries(_write(tmp_path, [_valid_raw()]))
    assert loaded == (
        FaqEntry(
            "missed-dose",
            "What if I miss a dose?",
            "Take it when you remember. Do not double up.",
            ("forgot my pill",),
            Source("NHS", "https://www.nhs.uk/medicines/"),
        ),
    )


@pytest.mark.parametrize(
    ("entries_json", "message"),
    [
        ([_valid_raw(), _valid_raw()], "duplicate FAQ entry id"),
        ([{k: v for k, v in _valid_raw().items() if k != "source"}], "'source' is missing"),
        ([_valid_raw(source={"title": "NHS"})], "source 'url'"),
        ([_valid_raw(source={"title": "", "url": "https://x.org"})], "source 'title'"),
        ([_valid_raw(source={"title": "NHS", "url": "http://www.nhs.uk/"})], "https"),
        ([_valid_raw(source={"title": "NHS", "url": "/about"})], "https"),
        ([_valid_raw(answer="   ")], "'answer'"),
        ([_valid_raw(question="")], "'question'"),
        ([_valid_raw(id="")], "'id'"),
        ([_valid_raw(id="Missed Dose")], "'id'"),
        ([_valid_raw(alternatives="forgot my pill")], "'alternatives'"),
        ([_valid_raw(alternatives=["ok", ""])], "alternative #1"),
        ([_valid_raw(answer=f"Take it. {NOT_MEDICAL_ADVICE}")], "notice"),
        ([], "no entries"),
    ],
)
def test_validation_rejects_bad_data(tmp_path, entries_json, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        load_entries(_write(tmp_path, entries_json))


def test_only_the_about_entry_may_link_to_an_app_page(tmp_path):
    raw = _valid_raw(id="about-the-checker", source={"title": "About", "url": "/about"})
    assert load_entries(_write(tmp_path, [raw]))[0].source.url == "/about"


def test_validation_rejects_malformed_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="invalid JSON"):
        load_entries(bad)
    bad.write_text(json.dumps({"faq": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="entries"):
        load_entries(bad)


@pytest.mark.parametrize(
    "synonyms",
    [
        {"synonyms": {"booze": []}},
        {"synonyms": {"booze": "alcohol"}},
        {"synonyms": {"booze": ["alcohol"], "Booze ": ["ethanol"]}},
        {"synonyms": {" ": ["alcohol"]}},
        {"words": {}},
    ],
)
def test_synonym_validation(tmp_path, synonyms):
    path = tmp_path / "syn.json"
    path.write_text(json.dumps(synonyms), encoding="utf-8")
    with pytest.raises(ValueError):
        load_synonyms(path)


def test_build_validates_entries(entries):
    with pytest.raises(ValueError, match="duplicate"):
        FaqIndex.build([entries[0], entries[0]], {})
    with pytest.raises(ValueError, match="without entries"):
        FaqIndex.build([], {})
    http = FaqEntry("x", "q?", "A. B.", (), Source("t", "http://example.org"))
    with pytest.raises(ValueError, match="https"):
        FaqIndex.build([http], {})


# --------------------------------------------------------------------------- search


def test_evaluation_set_is_independent_of_the_corpus(entries, evaluation):
    written = {_norm(a) for e in entries for a in (*e.alternatives, e.question)}
    copies = [q["q"] for q in evaluation["queries"] if _norm(q["q"]) in written]
    assert copies == []
    per_id = Counter(q["expect"] for q in evaluation["queries"])
    assert set(per_id) == {e.id for e in entries}
    assert min(per_id.values()) >= 4
    assert len(evaluation["off_topic"]) >= 12


def test_evaluation_rates(index, evaluation):
    queries = evaluation["queries"]
    top1 = top3 = 0
    misses = []
    for item in queries:
        ranked = [m.entry.id for m in index.search(item["q"]).matches]
        top1 += ranked[:1] == [item["expect"]]
        top3 += item["expect"] in ranked[:3]
        if ranked[:1] != [item["expect"]]:
            misses.append(f"{item['q']!r}: expected {item['expect']}, got {ranked}")
    rate1, rate3 = top1 / len(queries), top3 / len(queries)
    print(f"\nFAQ eval: top-1 {rate1:.1%}, top-3 {rate3:.1%} over {len(queries)} queries")
    print("\n".join(misses))
    assert rate3 >= 0.95
    assert rate1 >= 0.80


def test_most_real_questions_are_confident(index, evaluation):
    queries = evaluation["queries"]
    confident = sum(index.search(item["q"]).confident for item in queries)
    assert confident / len(queries) >= 0.85


def test_off_topic_queries_are_not_confident(index, evaluation):
    for query in evaluation["off_topic"]:
        result = index.search(query)
        assert not result.confident, (query, result.matches[:1])
        assert result.answer == LOW_CONFIDENCE_ANSWER


@pytest.mark.parametrize(
    ("query", "typo", "expected"),
    [
        ("grapefriut", "grapefriut", "grapefruit-interactions"),
        ("antibiotcs", "antibiotcs", "antibiotics-course"),
        ("pregnent", "pregnent", "pregnancy-breastfeeding"),
        ("alchol and medicine", "alchol", "alcohol-and-medications"),
        ("penicilin allergy", "penicilin", "allergy-vs-side-effect"),
        ("expierd meds", "expierd", "expired-medications"),
    ],
)
def test_typos_are_corrected(index, query, typo, expected):
    assert typo not in index._known_words  # the word itself matches nothing
    result = index.search(query)
    assert result.matches[0].entry.id == expected
    assert result.confident


def test_real_words_are_not_corrected_into_the_corpus(index):
    assert index._correct("weather") == "weather"
    assert index._correct("translate") == "translate"
    assert index._correct("grapefruit") == "grapefruit"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("booze", "alcohol-and-medications"),
        ("chuck out my old tablets", "medication-disposal"),
        ("grandma", "older-adults-polypharmacy"),
        ("advil with coumadin", "high-risk-interactions"),
    ],
)
def test_synonyms_expand_lay_words(index, query, expected):
    assert index.search(query).matches[0].entry.id == expected


@pytest.mark.parametrize("query", ["", " ", "\n\t "])
def test_empty_query_raises(index, query):
    with pytest.raises(ValueError):
        index.search(query)


def test_confident_result(index):
    result = index.search("can i drink alcohol with my antibiotics")
    assert isinstance(result, SearchResult)
    assert result.confident
    best = result.matches[0]
    assert best.score >= CONFIDENCE_THRESHOLD
    assert best.entry.id == "alcohol-and-medications"
    assert result.answer == best.entry.answer
    assert not result.answer.rstrip().endswith(NOT_MEDICAL_ADVICE)
    scores = [m.score for m in result.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)


def test_low_confidence_result(index):
    assert "pharmacist or clinician" in LOW_CONFIDENCE_ANSWER
    result = index.search("asdfgh")
    assert not result.confident
    assert result.answer == LOW_CONFIDENCE_ANSWER
    assert result.matches == ()


def test_k_limits_matches(index):
    assert len(index.search("pills", k=1).matches) == 1
    assert len(index.search("pills").matches) == 3


def test_to_api_shape(index):
    api = index.search("expired pills").to_api()
    assert set(api) == {"answer", "matches", "confident"}
    assert api["confident"] is True
    assert isinstance(api["answer"], str)
    assert 1 <= len(api["matches"]) <= 3
    first = api["matches"][0]
    assert set(first) == {"text", "score", "id", "question", "source"}
    assert first["id"] == "expired-medications"
    assert first["text"] == index.get("expired-medications").answer
    assert first["score"] == round(first["score"], 4)
    assert isinstance(first["score"], float)
    assert set(first["source"]) == {"title", "url"}
    json.dumps(api)  # serialisable as is

    empty = index.search("qwerty zxcv").to_api()
    assert empty == {"answer": LOW_CONFIDENCE_ANSWER, "matches": [], "confident": False}


def test_get_and_entries(index, entries):
    assert index.entries == entries
    assert index.get("missed-dose").id == "missed-dose"
    assert index.get("no-such-entry") is None


def test_default_index_is_cached():
    assert default_index() is default_index()


def test_module_is_pure_python_domain_code():
    tree = ast.parse(Path(faq.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module)
    for name in imported:
        top = name.split(".")[0]
        if top == "mediphant":
            assert name.startswith("mediphant.domain"), name
        else:
            assert top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY_IMPORTS, name


# ------------------------------------------------------------ ranking invariants


def _phrasings(entries):
    return [(e.id, text) for e in entries for text in (e.question, *e.alternatives)]


@pytest.mark.parametrize(("entry_id", "text"), _phrasings(load_entries()))
def test_every_question_and_alternative_finds_its_own_entry_first(index, entry_id, text):
    """Searching an entry's own wording verbatim must return that entry, confidently."""
    result = index.search(text)
    ranked = [(m.entry.id, round(m.score, 3)) for m in result.matches]
    assert ranked[0][0] == entry_id, (text, ranked)
    assert result.confident, (text, ranked)


# Realistic questions about missed, forgotten and doubled doses, reminders and
# adherence in general (written before the scorer was tuned; none is a copy of an
# entry's wording except where noted).
ADHERENCE_QUESTIONS = [
    ("what if I forget a dose", "missed-dose"),  # an alternative of missed-dose
    ("what should I do if I forget to take my medicine", "missed-dose"),  # NHS wording
    ("what happens if i forget to take a dose", "missed-dose"),
    ("forgot to take my pill last night", "missed-dose"),
    ("I missed my evening dose, should I take it now", "missed-dose"),
    ("is it too late to take my morning tablet", "missed-dose"),
    ("forgotten dose", "missed-dose"),
    ("I forgot my blood pressure tablet yesterday", "missed-dose"),
    ("accidentally took two pills", "double-dose"),  # an alternative of double-dose
    ("I took my tablets twice this morning", "double-dose"),
    ("took an extra dose by mistake", "double-dose"),
    ("what if i accidentally take a double dose", "double-dose"),
    ("i took too many of my blood pressure pills", "double-dose"),
    ("i keep forgetting my tablets, any tips", "adherence-tools"),
    ("how can i stop forgetting to take my pills", "adherence-tools"),
    ("app that reminds me to take my medicine", "adherence-tools"),
    ("how to remember my evening pills", "adherence-tools"),
    ("my mum keeps forgetting her medication", "adherence-tools"),
    ("set a reminder on my phone for my medication", "adherence-tools"),
    ("why should i take my medication regularly", "medication-adherence"),
    pytest.param(
        "is it bad to stop taking my tablets when i feel better",
        "medication-adherence",
        marks=pytest.mark.xfail(
            strict=True,
            reason="lexically antibiotics-course is closer: only it has 'feel better' "
            "('can i stop antibiotics when i feel better'); medication-adherence says "
            "'feel fine'",
        ),
    ),
    ("what does adherence mean", "medication-adherence"),
    ("does missing doses make my diabetes worse", "medication-adherence"),
]


@pytest.mark.parametrize(("query", "expected"), ADHERENCE_QUESTIONS)
def test_adherence_questions_rank_the_right_entry_first(index, query, expected):
    ranked = [(m.entry.id, round(m.score, 3)) for m in index.search(query).matches]
    assert ranked[0][0] == expected, (query, ranked)


def test_most_adherence_questions_are_confident(index):
    # Words the corpus lacks ("evening", "mum") count against confidence by design.
    queries = [p.values[0] if hasattr(p, "values") else p[0] for p in ADHERENCE_QUESTIONS]
    confident = [q for q in queries if index.search(q).confident]
    assert len(confident) / len(queries) >= 0.75, sorted(set(queries) - set(confident))


def test_forget_forgot_and_forgotten_share_a_stem(index):
    stem = index._analyzer.stem
    assert stem("forget") == stem("forgetting") == stem("forgot") == stem("forgotten")


def test_derived_synonym_keys_do_not_capture_their_base_word(index):
    """'forgetful' is stemmed to 'forget', but 'forget' must not expand to reminders."""
    vocab = {i: t for t, i in index._vocab.items()}

    def terms(query):
        concepts, _, _ = index._concepts(query)
        return {vocab[t] for c in concepts for t in c.terms}

    assert "remind" not in terms("what if i forget a dose")
    assert "remind" not in terms("forgetting")
    assert "remind" in terms("i am forgetful")
    assert "remind" in terms("i keep forgetting")
    assert "breastfeed" not in terms("ask the nurse")
    assert "breastfeed" in terms("nursing")
    assert "medic" in terms("capsules")  # a base-form key still matches its plural


def test_synonym_expansions_count_once_per_word(index):
    """'pills' stands for pill/medication/medicine: one word, scored by its best term."""
    plain = index.search("pill organizer").matches[0]
    assert plain.entry.id == "adherence-tools"
    assert plain.score == pytest.approx(1.0)


@pytest.mark.parametrize(
    "query",
    [
        "how much warfarin should i take",
        "what is insulin",
        "how does metformin work",
        "what is the dose of amlodipine",  # a medicine no entry names, and a generic word
        "what is metoprolol for",
    ],
)
def test_a_question_about_one_medicine_alone_is_not_confident(index, query):
    """The FAQ answers topics; an entry that merely mentions the medicine is no answer."""
    result = index.search(query)
    assert not result.confident, (query, result.matches[:1])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("grapefruit", "grapefruit-interactions"),  # the entry's question names it
        ("warfarin and ibuprofen together", "high-risk-interactions"),  # two medicines
        ("insulin in the fridge", "storing-medications"),  # a topic word
        ("can i drive on tramadol", "driving-and-drowsiness"),  # a medicine no entry names
        ("missed a dose of amlodipine", "missed-dose"),
    ],
)
def test_a_medicine_with_a_topic_is_still_answered(index, query, expected):
    result = index.search(query)
    assert result.confident and result.matches[0].entry.id == expected, result.matches[:2]
