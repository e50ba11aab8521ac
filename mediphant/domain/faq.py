"""Plain-language FAQ: loading, validation and search.

The corpus (``data/faq.json``) is a short list of curated, sourced entries. Search is
lexical: BM25 (``bm25s``) over each entry's question, alternative phrasings and
answer, with English stop words removed and words reduced to their stems (PyStemmer),
blended with how closely the query matches the entry's single closest phrasing (its
question or one alternative), so that an entry's own wording always finds it first.
Two things make it work for the way people actually type:

* a small synonym map (``data/faq_synonyms.json``) that adds clinical terms for lay
  words ("booze" -> alcohol, "throw away" -> disposal), and
* typo correction: a query word that is not in the index vocabulary is replaced by the
  closest vocabulary word (RapidFuzz), but only when the two are very similar.

Scores are normalised to 0..1 so that one threshold decides whether the best entry is a
confident answer (see :meth:`FaqIndex.search`). This module is pure Python: no web
framework, no storage, no network.
"""

from __future__ import annotations

import functools
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN_PLUS
from rapidfuzz import process
from rapidfuzz.distance import OSA

from mediphant.domain.datafiles import Source, is_https_url, read_json
from mediphant.domain.medications import default_formulary

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "LOW_CONFIDENCE_ANSWER",
    "NOT_MEDICAL_ADVICE",
    "FaqEntry",
    "FaqIndex",
    "Match",
    "SearchResult",
    "Source",
    "default_index",
    "load_entries",
    "load_synonyms",
]

NOT_MEDICAL_ADVICE = "Informational only — not medical advice."

LOW_CONFIDENCE_ANSWER = (
    "Sorry, I couldn't find a good answer to that in our FAQ. "
    "Please ask a pharmacist or clinician — they can look at your own medicines and situation."
)

#: A result is confident when the best match's normalised score reaches this value.
#: The score is the IDF-weighted share of the query's concepts that the entry contains
#: (times the entry's relevance relative to the best one, normally 1 for the top hit).
#: A word found nowhere in the corpus counts against the match with more weight than
#: the rarest corpus word, so a two-word query sharing one word with the corpus ("fix
#: my car": "car") scores at most ~0.42, and a three-word one sharing two at most ~0.59.
#: Real questions mostly score 0.7-1.0 (median 1.0 on the evaluation set).
CONFIDENCE_THRESHOLD = 0.6

#: Words of a question about one medicine that name no FAQ topic ("how much metformin
#: should I take", "how does warfarin work", "lisinopril dose"): with a medicine's name
#: they ask about that medicine, which the FAQ does not answer (see FaqIndex.search).
_GENERIC_WORDS = frozenset(
    ("take", "takes", "taking", "took", "use", "uses", "using", "used", "work", "works")
    + ("dose", "doses", "dosage")
)

_WHOLE_PHRASING = 1.0 - 1e-9  # the query holds every term of the phrasing

#: Entries whose source may be a page of this app rather than an external https URL.
APP_PAGE_SOURCE_IDS = frozenset({"about-the-checker"})

_FAQ_FILE = "faq.json"
_SYNONYMS_FILE = "faq_synonyms.json"

# Same token pattern as bm25s.tokenize: words of two or more characters.
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# NLTK's English list (as shipped by bm25s) plus function and filler words people put
# in questions ("is it ok if i ..."), which carry no topic.
_FILLER_WORDS = (
    "would could might may must shall ok okay please thanks thank hi hello hey also really "
    "still yet im ive id dont cant wont doesnt isnt whats thing things anything something "
    "someone anyone anybody get got know tell want need let lot lots even much many whether "
    "either neither unless although though since however usually often etc via per instead "
    "rather"
)
_EXTRA_STOPWORDS = frozenset(_FILLER_WORDS.split())
STOPWORDS = frozenset(STOPWORDS_EN_PLUS) | _EXTRA_STOPWORDS

# Irregular forms the stemmer leaves apart from their verb: without this, "forgot" and
# "forgotten" (the missed-dose entry's words) never match "forget" or "forgetting".
_IRREGULAR_FORMS = {"forgot": "forget", "forgotten": "forget"}

# Index construction: how many times each field is repeated in an entry's document.
_QUESTION_WEIGHT = 2
_ALTERNATIVES_WEIGHT = 1
_ANSWER_WEIGHT = 1
_BM25_K1 = 1.2
_BM25_B = 0.75

# Relevance = (1 - w) x BM25 relative to the best entry + w x the best phrasing match.
_PHRASE_WEIGHT = 0.6

# Typo correction: words shorter than this are never corrected, and a word is only
# replaced by a corpus word whose normalised optimal-string-alignment similarity
# (Levenshtein plus adjacent transpositions, 1 - edits / longer length) reaches the
# cutoff: one edit in five letters, two in ten ("grapefriut", "antibiotcs", "pregnent").
_MIN_CORRECTION_LENGTH = 4
_CORRECTION_CUTOFF = 0.8

_MAX_QUERY_CHARS = 1000  # longer input is cut: an FAQ question is a sentence or two
_MAX_QUERY_WORDS = 64
_CACHE_LIMIT = 20_000


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    question: str
    answer: str
    alternatives: tuple[str, ...]
    source: Source


@dataclass(frozen=True, slots=True)
class Match:
    entry: FaqEntry
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    confident: bool
    answer: str
    matches: tuple[Match, ...]

    def to_api(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "matches": [
                {
                    "text": m.entry.answer,
                    "score": round(float(m.score), 4),
                    "id": m.entry.id,
                    "question": m.entry.question,
                    "source": {"title": m.entry.source.title, "url": m.entry.source.url},
                }
                for m in self.matches
            ],
            "confident": self.confident,
        }


# ---------------------------------------------------------------------- validation


def _is_app_path(url: str) -> bool:
    parts = urlsplit(url)
    return url.startswith("/") and not url.startswith("//") and not parts.netloc


def _require_text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string")
    return value.strip()


def _entry_from_json(raw: Any, position: int) -> FaqEntry:
    where = f"FAQ entry #{position}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object")
    entry_id = raw.get("id")
    if isinstance(entry_id, str) and entry_id.strip():
        where = f"FAQ entry {entry_id!r}"
    entry_id = _require_text(entry_id, f"{where}: 'id'")
    if not _ID_RE.match(entry_id):
        raise ValueError(f"{where}: 'id' must be lowercase words joined by '-'")
    question = _require_text(raw.get("question"), f"{where}: 'question'")
    answer = _require_text(raw.get("answer"), f"{where}: 'answer'")
    alternatives = raw.get("alternatives")
    if not isinstance(alternatives, list):
        raise ValueError(f"{where}: 'alternatives' must be a list of strings")
    alts = tuple(_require_text(a, f"{where}: alternative #{i}") for i, a in enumerate(alternatives))
    source = raw.get("source")
    if not isinstance(source, Mapping):
        raise ValueError(f"{where}: 'source' is missing (it needs a title and a url)")
    title = _require_text(source.get("title"), f"{where}: source 'title'")
    url = _require_text(source.get("url"), f"{where}: source 'url'")
    entry = FaqEntry(entry_id, question, answer, alts, Source(title, url))
    _check_entry(entry)
    return entry


def _check_entry(entry: FaqEntry) -> None:
    where = f"FAQ entry {entry.id!r}"
    if not _ID_RE.match(entry.id):
        raise ValueError(f"{where}: 'id' must be lowercase words joined by '-'")
    for name in ("question", "answer"):
        if not getattr(entry, name).strip():
            raise ValueError(f"{where}: '{name}' must be a non-empty string")
    if any(not a.strip() for a in entry.alternatives):
        raise ValueError(f"{where}: alternatives must be non-empty strings")
    if NOT_MEDICAL_ADVICE in entry.answer:
        raise ValueError(f"{where}: the answer must not carry the notice; the page adds it")
    if not entry.source.title.strip() or not entry.source.url.strip():
        raise ValueError(f"{where}: source needs a title and a url")
    url = entry.source.url
    if entry.id in APP_PAGE_SOURCE_IDS:
        if not (is_https_url(url) or _is_app_path(url)):
            raise ValueError(f"{where}: source url must be https or a path of this app")
    elif not is_https_url(url):
        raise ValueError(f"{where}: source url must be an https URL, got {url!r}")


def _check_unique(entries: Iterable[FaqEntry]) -> None:
    counts = Counter(e.id for e in entries)
    duplicates = sorted(i for i, n in counts.items() if n > 1)
    if duplicates:
        raise ValueError(f"duplicate FAQ entry id(s): {', '.join(duplicates)}")


def load_entries(path: str | os.PathLike[str] | None = None) -> tuple[FaqEntry, ...]:
    """Load and validate the FAQ corpus (the package's ``data/faq.json`` by default).

    Raises ValueError, naming the entry and field, on malformed data: missing or empty
    fields, duplicate ids, a missing source, or a source URL that is not https (only
    ``about-the-checker`` may point at a page of this app, such as ``/about``).
    """
    data = read_json(path, _FAQ_FILE)
    if not isinstance(data, Mapping) or not isinstance(data.get("entries"), list):
        raise ValueError('FAQ file must be an object with an "entries" list')
    entries = tuple(_entry_from_json(raw, i) for i, raw in enumerate(data["entries"]))
    if not entries:
        raise ValueError("FAQ file has no entries")
    _check_unique(entries)
    return entries


def _normalise_key(key: str) -> str:
    return " ".join(key.lower().split())


def load_synonyms(path: str | os.PathLike[str] | None = None) -> dict[str, tuple[str, ...]]:
    """Load the synonym map: lay word or phrase -> terms added to the query."""
    data = read_json(path, _SYNONYMS_FILE)
    if not isinstance(data, Mapping) or not isinstance(data.get("synonyms"), Mapping):
        raise ValueError('synonym file must be an object with a "synonyms" object')
    result: dict[str, tuple[str, ...]] = {}
    for key, terms in data["synonyms"].items():
        norm = _normalise_key(_require_text(key, "synonym key"))
        if norm in result:
            raise ValueError(f"duplicate synonym key {norm!r}")
        if not isinstance(terms, list) or not terms:
            raise ValueError(f"synonym {norm!r} must map to a non-empty list of terms")
        result[norm] = tuple(_require_text(t, f"synonym {norm!r} term") for t in terms)
    return result


# -------------------------------------------------------------------------- search


class _Analyzer:
    """Lowercase, split into words, drop stop words, stem (English Snowball)."""

    def __init__(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        self._lock = threading.Lock()  # PyStemmer objects are not thread-safe
        self._cache: dict[str, str] = {}

    @staticmethod
    def words(text: str) -> list[str]:
        return _TOKEN_RE.findall(text.lower())

    def stem(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            with self._lock:
                stem = self._stemmer.stemWord(_IRREGULAR_FORMS.get(word, word))
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[word] = stem
        return stem

    def terms(self, text: str) -> list[str]:
        return [self.stem(w) for w in self.words(text) if w not in STOPWORDS]


@dataclass(frozen=True, slots=True)
class _Concept:
    """One word or synonym phrase of the query, with the term ids that stand for it."""

    terms: tuple[int, ...]  # its own in-vocabulary stems, then the synonym map's terms
    kind: str = "topic"  # or "medicine" (a medicine's name) or "generic" (_GENERIC_WORDS)


def _inflects(word: str, key_word: str, key_stem: str) -> bool:
    """Whether ``word``, which has the stem of ``key_word``, may stand for that key word.

    A key in its base form (it is its own stem: "pill", "drink") matches every word with
    that stem ("pills", "drinking"). A key in a derived form does not match its base:
    "forgetful" is stemmed to "forget", but "forget" and "forgetting" are not
    "forgetful", and "nursing" (breastfeeding) is not "nurse". Such a key matches only
    its own inflections ("forgetful", "capsules", "doubled", "remedies").
    """
    if word == key_word or key_word == key_stem:
        return True
    base = key_word[:-1] if key_word[-1] in "ey" else key_word
    return word.startswith(base)


class FaqIndex:
    """A BM25 index over the FAQ entries; build once (see :func:`default_index`)."""

    __slots__ = (
        "entries",
        "_by_id",
        "_analyzer",
        "_term_scores",
        "_vocab",
        "_presence",
        "_idf",
        "_phrase_presence",
        "_phrase_weight",
        "_phrase_starts",
        "_unknown_weight",
        "_synonyms",
        "_max_key_len",
        "_known_words",
        "_choices",
        "_corrections",
        "_medicines",
        "_medicine_words",
        "_question_terms",
    )

    def __init__(self) -> None:  # use FaqIndex.build
        self.entries: tuple[FaqEntry, ...] = ()

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        synonyms: Mapping[str, Sequence[str]],
        medicines: Iterable[str] = (),
    ) -> FaqIndex:
        """`medicines`: names of medicines (one word each counts), so that a question about
        one medicine alone is not answered with an entry that merely mentions it."""
        entries = tuple(entries)
        if not entries:
            raise ValueError("cannot build an FAQ index without entries")
        for entry in entries:
            _check_entry(entry)
        _check_unique(entries)

        self = cls()
        self.entries = entries
        self._by_id = {e.id: e for e in entries}
        analyzer = self._analyzer = _Analyzer()

        docs: list[list[str]] = []
        phrasings: list[list[str]] = []  # each entry's question and alternatives, in order
        phrase_starts: list[int] = []
        surface: Counter[str] = Counter()
        for e in entries:
            fields = [
                (e.id.replace("-", " "), 1),
                (e.question, _QUESTION_WEIGHT),
                (" ".join(e.alternatives), _ALTERNATIVES_WEIGHT),
                (e.answer, _ANSWER_WEIGHT),
            ]
            tokens: list[str] = []
            for text, weight in fields:
                words = [w for w in analyzer.words(text) if w not in STOPWORDS]
                surface.update(words)
                tokens.extend([analyzer.stem(w) for w in words] * weight)
            docs.append(tokens)
            phrase_starts.append(len(phrasings))
            phrasings.extend(analyzer.terms(text) for text in (e.question, *e.alternatives))

        bm25 = bm25s.BM25(k1=_BM25_K1, b=_BM25_B)
        bm25.index(docs, show_progress=False)
        self._vocab = {t: i for t, i in bm25.vocab_dict.items() if t}

        # BM25 contribution of every vocabulary term to every entry (a small dense
        # matrix), so that a query concept can take the best of its terms' scores.
        n_docs, n_terms = len(docs), max(bm25.vocab_dict.values()) + 1
        term_scores = np.zeros((n_terms, n_docs))
        data, doc_ids, indptr = (bm25.scores[k] for k in ("data", "indices", "indptr"))
        for t in range(len(indptr) - 1):
            term_scores[t, doc_ids[indptr[t] : indptr[t + 1]]] = data[indptr[t] : indptr[t + 1]]
        self._term_scores = term_scores

        presence = np.zeros((n_terms, n_docs), dtype=bool)
        for d, tokens in enumerate(docs):
            presence[[self._vocab[t] for t in set(tokens)], d] = True
        df = presence.sum(axis=1)
        # Lucene's BM25 idf, as bm25s uses; an unknown query word gets the idf of a
        # word in no entry (df = 0), a little more than the rarest corpus word.
        self._idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
        self._presence = presence
        self._unknown_weight = math.log1p((n_docs + 0.5) / 0.5)

        phrase_presence = np.zeros((n_terms, len(phrasings)), dtype=bool)
        for j, terms in enumerate(phrasings):
            phrase_presence[[self._vocab[t] for t in set(terms)], j] = True
        self._phrase_presence = phrase_presence
        weight = self._idf @ phrase_presence
        self._phrase_weight = np.where(weight > 0.0, weight, np.inf)  # no terms: no match
        self._phrase_starts = np.asarray(phrase_starts)

        # Keys are looked up by the stems of their words; each stem sequence keeps the
        # key words it came from, since a key in a derived form must only match that
        # form (see _inflects).
        compiled: dict[tuple[str, ...], list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for key, terms in synonyms.items():
            key_words = analyzer.words(key)
            if not key_words:
                raise ValueError(f"synonym key {key!r} has no words")
            if isinstance(terms, str):
                terms = (terms,)
            expansion: list[str] = []
            for term in terms:
                expansion.extend(analyzer.terms(term))
                surface.update(w for w in analyzer.words(term) if w not in STOPWORDS)
            surface.update(w for w in key_words if w not in STOPWORDS)
            stems = tuple(analyzer.stem(w) for w in key_words)
            compiled.setdefault(stems, []).append(
                (tuple(key_words), tuple(dict.fromkeys(expansion)))
            )
        self._synonyms = compiled
        self._max_key_len = max((len(k) for k in compiled), default=1)

        # Typo-correction targets: every word of the corpus and of the synonym map,
        # most frequent first so that ties go to the more common word.
        self._known_words = frozenset(surface)
        self._choices = [w for w, _ in surface.most_common() if len(w) >= 3]
        self._corrections: dict[str, str] = {}
        self._medicine_words = frozenset(
            words[0]
            for words in map(analyzer.words, medicines)
            if len(words) == 1 and words[0] not in STOPWORDS
        )
        self._medicines = frozenset(map(analyzer.stem, self._medicine_words))
        self._question_terms = [
            frozenset(self._vocab[t] for t in analyzer.terms(e.question)) for e in entries
        ]
        return self

    # ------------------------------------------------------------------ public API

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def search(self, query: str, k: int = 3) -> SearchResult:
        """Best entries for ``query``; raises ValueError for an empty query.

        The query is split into *concepts* (words, or synonym phrases together with
        their expansions). Three measures are computed for every entry:

        * coverage: the IDF-weighted share of the concepts that occur in the entry; a
          word found nowhere in the corpus counts as a missed concept weighing a little
          more than the rarest corpus word;
        * BM25: the sum over concepts of the best BM25 score among the concept's terms
          (a synonym's expansions are alternatives for one word, not extra words);
        * phrasing match: how well the query matches the entry's closest single
          phrasing (its question or one alternative): the geometric mean of the share
          of the query that the phrasing contains and the share of the phrasing that
          the query contains, both IDF-weighted. A phrasing searched verbatim scores 1.

        Relevance is a weighted mean of BM25 relative to the best entry's (0.4) and of
        the phrasing match (0.6); an entry's score (0..1) is coverage x relevance / best
        relevance, and the top ``k`` by score are returned.
        """
        if not isinstance(query, str) or not query.strip():
            raise ValueError("query must be a non-empty string")
        if k < 1:
            raise ValueError("k must be at least 1")
        query = query.strip()
        concepts, unknown, named = self._concepts(query)
        if not concepts:
            return SearchResult(query, False, LOW_CONFIDENCE_ANSWER, ())

        # One row per (concept, term); np.maximum.reduceat takes each concept's best row.
        ids = np.fromiter((t for c in concepts for t in c.terms), dtype=np.intp)
        starts = np.cumsum([0] + [len(c.terms) for c in concepts[:-1]])
        idf = self._idf[ids]

        bm25 = np.maximum.reduceat(self._term_scores[ids], starts).sum(axis=0)
        top = float(bm25.max())
        if top <= 0.0:
            return SearchResult(query, False, LOW_CONFIDENCE_ANSWER, ())

        total = float(np.maximum.reduceat(idf, starts).sum()) + unknown * self._unknown_weight
        coverage = np.maximum.reduceat(self._presence[ids] * idf[:, None], starts).sum(axis=0)
        coverage /= total

        phrases = self._phrase_presence
        query_share = np.maximum.reduceat(phrases[ids] * idf[:, None], starts).sum(axis=0) / total
        distinct = np.unique(ids)
        phrase_share = (self._idf[distinct] @ phrases[distinct]) / self._phrase_weight
        best_phrase = np.maximum.reduceat(np.sqrt(query_share * phrase_share), self._phrase_starts)

        relevance = (1.0 - _PHRASE_WEIGHT) * (bm25 / top) + _PHRASE_WEIGHT * best_phrase
        scores = coverage * relevance / float(relevance.max())

        order = np.argsort(-scores, kind="stable")[:k]
        matches = tuple(Match(self.entries[i], float(scores[i])) for i in order if scores[i] > 0.0)
        confident = (
            bool(matches)
            and matches[0].score >= CONFIDENCE_THRESHOLD
            and self._names_a_topic(concepts, named, int(order[0]), phrase_share)
        )
        answer = matches[0].entry.answer if confident else LOW_CONFIDENCE_ANSWER
        return SearchResult(query, confident, answer, matches)

    # ----------------------------------------------------------------- internals

    def _names_a_topic(
        self, concepts: Sequence[_Concept], named: int, entry: int, phrase_share: np.ndarray
    ) -> bool:
        """Whether the query asks about something the entry is about, not only about one
        medicine: a topic word, a medicine the entry's question names ("grapefruit"), two
        medicines (whether they go together), or the whole of one of the entry's
        phrasings ("how much paracetamol can I take")."""
        start = self._phrase_starts[entry]
        end = self._phrase_starts[entry + 1] if entry + 1 < len(self.entries) else None
        if phrase_share[start:end].max(initial=0.0) >= _WHOLE_PHRASING:
            return True
        question = self._question_terms[entry]
        medicines = named
        for concept in concepts:
            if concept.kind == "topic":
                return True
            if concept.kind == "medicine" and question.intersection(concept.terms):
                return True  # "grapefruit": the entry is about it
            medicines += concept.kind == "medicine"
        return medicines >= 2

    def _ids(self, stems: Iterable[str]) -> list[int]:
        vocab = self._vocab
        return [vocab[s] for s in stems if s in vocab]

    def _correct(self, word: str) -> str:
        """The closest corpus word to an unknown ``word``, or ``word`` itself."""
        if (
            word in STOPWORDS
            or len(word) < _MIN_CORRECTION_LENGTH
            or word.isdigit()
            or word in self._known_words
            or word in self._medicine_words
            or self._analyzer.stem(word) in self._vocab
        ):
            return word
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        best = process.extractOne(
            word, self._choices, scorer=OSA.normalized_similarity, score_cutoff=_CORRECTION_CUTOFF
        )
        corrected = best[0] if best is not None else word
        if len(self._corrections) < _CACHE_LIMIT:
            self._corrections[word] = corrected
        return corrected

    def _concepts(self, query: str) -> tuple[list[_Concept], int, int]:
        """Split the query into concepts; also count the words that match nothing, and the
        medicines named that no entry mentions ("can I drive on tramadol"): those are the
        question's subject, not words the FAQ failed to match, so they weigh nothing."""
        analyzer = self._analyzer
        vocab = self._vocab
        raw_words = analyzer.words(query[:_MAX_QUERY_CHARS])[:_MAX_QUERY_WORDS]
        words = [self._correct(w) for w in raw_words]
        stems = [analyzer.stem(w) for w in words]
        concepts: list[_Concept] = []
        unknown = named = 0
        i = 0
        while i < len(words):
            for n in range(min(self._max_key_len, len(words) - i), 0, -1):
                expansion = self._expansion(words[i : i + n], stems[i : i + n])
                if expansion is not None:
                    own = (
                        s
                        for w, s in zip(words[i : i + n], stems[i : i + n], strict=True)
                        if w not in STOPWORDS
                    )
                    terms = tuple(dict.fromkeys(vocab[s] for s in (*own, *expansion) if s in vocab))
                    if terms:
                        concepts.append(_Concept(terms))
                    else:
                        unknown += 1
                    i += n
                    break
            else:
                word, stem = words[i], stems[i]
                if word not in STOPWORDS:
                    if stem in vocab:
                        kind = (
                            "medicine"
                            if stem in self._medicines
                            else "generic"
                            if word in _GENERIC_WORDS
                            else "topic"
                        )
                        concepts.append(_Concept((vocab[stem],), kind))
                    elif word in self._medicine_words:
                        named += 1
                    elif not word.isdigit():
                        unknown += 1
                i += 1
        return concepts, unknown, named

    def _expansion(self, words: Sequence[str], stems: Sequence[str]) -> tuple[str, ...] | None:
        """The synonym map's terms for this run of query words, or None."""
        candidates = self._synonyms.get(tuple(stems))
        if candidates is None:
            return None
        found: tuple[str, ...] | None = None
        for key_words, expansion in candidates:
            if all(_inflects(w, kw, s) for w, kw, s in zip(words, key_words, stems, strict=True)):
                found = (found or ()) + expansion
        return found


@functools.cache
def default_index() -> FaqIndex:
    """The index over the packaged corpus and synonyms, built once per process, told the
    knowledge base's medicine names."""
    formulary = default_formulary()
    medicines = (
        name
        for med in formulary.medications.values()
        for name in (med.name, *med.brands, *med.synonyms)
    )
    return FaqIndex.build(load_entries(), load_synonyms(), medicines)
