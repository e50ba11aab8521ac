"""Medication names: normalisation, the validated formulary, resolution and autocomplete.

Pure domain code: no web framework or storage imports, so it can be unit-tested and
benchmarked on its own. The knowledge base is package data (``data/*.json``), described in
``docs/knowledge-base-format.md``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from itertools import zip_longest
from pathlib import Path
from typing import Any, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from mediphant.domain.datafiles import Source, is_https_url, read_json

__all__ = [
    "COUNTRIES",
    "ROUTES",
    "SEVERITY_NAMES",
    "Formulary",
    "MatchKind",
    "MedClass",
    "Medication",
    "Note",
    "Resolution",
    "compact",
    "default_formulary",
    "normalise",
]

MatchKind = Literal["name", "brand", "synonym"]

# Fuzzy correction: accept a single best match only if it is this similar (fuzz.ratio, 0-100)
# and beats the best candidate for any *other* medication by MARGIN points. Typos such as
# "warfrin" (93), "ibuprofin" (89) and "tylenl" (92) pass; look-alikes such as
# "prednislone" (prednisolone 96 vs prednisone 95) do not, and become suggestions instead.
CORRECTION_MIN_SCORE = 85.0
CORRECTION_MARGIN = 5.0
# Shorter queries are too ambiguous to auto-correct ("asa", "xyz").
CORRECTION_MIN_LENGTH = 4
# A name this long with one letter wrong, missing, extra or two swapped ("ambian", "pepsid")
# is corrected when it is that near to one medicine only: the ratio above scores a short
# name's one wrong letter below its bar.
ONE_EDIT_MIN_LENGTH = 5
SUGGESTION_MIN_SCORE = 75.0
# A name this short found inside a longer query ("coc" in "cocaine") is a coincidence, not a
# suggestion; WRatio's partial matching would otherwise score it 90.
SHORT_NAME_LENGTH = 4
MAX_SUGGESTIONS = 3
# A group word ("statin") lists this many of the group's medicines to choose from.
MAX_GROUP_SUGGESTIONS = 6

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_NON_ALNUM = re.compile(r"[\W_]+")
_CLASS_ID = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_MED_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# "Tylenol (acetaminophen)"; the generic may itself hold parentheses ("insulin (any type)").
_BRAND_WITH_GENERIC = re.compile(r"^(?P<first>[^()]+)\((?P<second>.+)\)\s*$")
# Between the ingredients of a combination as people type it: "trimethoprim/
# sulfamethoxazole", "benazepril + amlodipine", "acetaminophen and hydrocodone".
_INGREDIENT_SEPARATOR = re.compile(r"\s*(?:[/+&,;-]|\band\b|\bwith\b|\bplus\b)\s*", re.IGNORECASE)
# What people copy from a label after the name ("lisinopril 10mg", "Zoloft 50 mg tablets",
# "metoprolol succinate ER", "Bactrim DS", "Eliquis 5mg BID"): strengths, oral dose forms,
# release types, salts, how often it is taken and who it is for ("Children's Motrin"), none
# of which changes the ingredients. Words that change the route (gel, cream,
# patch, drops) or the ingredients (PM, D, DM, a single digit as in "Tylenol 3") are kept.
_STRENGTH = re.compile(
    r"\b\d+(?:[.,]\d+)?(?:\s*/\s*\d+(?:[.,]\d+)?)*\s*"
    r"(?:micrograms?|milligrams?|milli?lit(?:re|er)s?|mg|mcg|µg|μg|ug|gm?|grams?|ml|meq|iu|"
    r"units?|%)(?:\s*/\s*(?:ml|dose|tab(?:let)?))?"
    r"(?![\w%])"
    r"|\b\d+(?:[.,]\d+)?(?:\s*/\s*\d+(?:[.,]\d+)?)+\b"
)
_LABEL_WORDS = re.compile(
    r"\b(?:tablets?|tabs?|caplets?|capsules?|caps?|pills?|softgels?|chewables?|oral|syrup|"
    r"suspension|elixir|er|xr|xl|sr|cr|dr|ir|la|odt|ec|ds|otc|"
    r"liqui[- ]?gels?|liquid[- ]?gels?|gel[- ]?caps?|"
    r"(?:extended|delayed|immediate|sustained|controlled|modified|prolonged)[- ]release|"
    r"dispersible|orodispersible|effervescent|soluble|retard|mr|m/r|gastro[- ]resistant|"
    r"(?:enteric|film)[- ]coated|"
    r"(?:extra|maximum|regular|double|ultra)[- ]strength|low[- ]dose|z[- ]?pak|"
    r"dose[- ]?pac?k|cd|perles|reditabs?|gum|lozenges?|sl|sublingual|allergy|"
    r"(?:pre-?filled )?pens?|solostar|kwikpen|flexpen|flextouch|penfill|cartridges?|"
    r"auto-?injectors?|"
    r"(?:\d{1,2}[- ]?)?(?:hours?|hrs?)|(?:once|twice|three times)(?: a)? (?:daily|day)|"
    r"daily|nightly|at night|at bedtime|as needed|prn|qd|bid|tid|qid|"
    r"children'?s|childrens|kids'?|junior|infants'?)\b"
)
# The salt a medicine is made as ("sertraline HCl", "citalopram hydrobromide"): read past
# after the label words, so a name that holds a salt ("ferrous sulfate 325mg") is found
# before one without it.
_SALTS = re.compile(
    r"\b(?:hcl|hydrochloride|dihydrochloride|hbr|hydrobromide|besylate|besilate|succinate|"
    r"tartrate|bitartrate|maleate|mesylate|mesilate|fumarate|oxalate|tosylate|napsylate|"
    r"pamoate|embonate|bisulfate|bisulphate|sulfate|sulphate|hyclate|monohydrate|dihydrate|"
    r"trihydrate|hemihydrate)\b"
)
# Who made or sells a generic, as a box names it: Canadian generics joined to the medicine
# ("Apo-Metformin", "Teva-Amlodipine", "pms-Sertraline"), and makers' and pharmacies' own
# brands before or after it ("Boots Paracetamol", "Equate Ibuprofen", "Amlodipine Sandoz").
# Read past only to a name held exactly or as a typo of one; a held name always wins.
_MAKER_JOINED = (
    r"apo|teva|mylan|pms|ratio|novo|riva|mint|jamp|auro|ag|act|ran|dom|sivem|mar|taro|"
    r"accel|priva|nat|sandoz|sdz|gen|nu|bio"
)
_MAKER_NAMES = (
    r"apo|apotex|teva|mylan|viatris|sandoz|accord|aurobindo|zydus|cipla|lupin|"
    r"dr\.? ?reddy'?s|sun pharma|glenmark|amneal|zentiva|actavis|ranbaxy|hikma|torrent|"
    r"camber|ascend|macleods|solco|northstar|rugby|perrigo|pharmacor|arrow|noumed|"
    r"chemmart|terry white|chemists'? own|boots|superdrug|tesco|asda|sainsbury'?s|"
    r"lloyds(?: ?pharmacy)?|wilko|numark|galpharm|equate|kirkland(?: signature)?|"
    r"cvs(?: health)?|walgreens|up ?(?:&|and) ?up|good neighbou?r(?: pharmacy)?|rite aid|"
    r"member'?s mark|amazon basic care|basic care|goodsense|health mart|sunmark|top ?care|"
    r"signature care|quality choice|kroger|leader"
)
_MAKER = re.compile(
    rf"^\s*(?:(?:{_MAKER_JOINED})\s*-\s*|(?:{_MAKER_NAMES})\s+)"
    rf"|\s+\(?(?:{_MAKER_NAMES})\)?\s*$"
)
# Words after a name that say how it is used: an inhaler's device or form ("ProAir HFA",
# "Spiriva Respimat", "salbutamol nebules"), a nasal spray ("fluticasone nasal spray", "GTN
# spray"), a skin form ("diclofenac cream"). Read past towards the medicine's form of that
# route where the data has one ("budesonide Turbuhaler" is inhaled budesonide, not the
# capsules). Without one, inhaler and spray words fall back to the medicine itself (its own
# rules, never fewer); skin words do not, as rules written for tablets would overstate a cream.
_INHALER_WORDS = re.compile(
    r"\b(?:hfa|mdi|dpi|diskus|ellipta|respimat|evohaler|turbuhaler|accuhaler|easyhaler|"
    r"redihaler|digihaler|handihaler|flexhaler|twisthaler|genuair|breezhaler|aerosphere|turbohaler|"
    r"pressair|inhalers?|inhalation(?:\s+(?:aerosol|powder|solution))?|puffers?|nebules|"
    r"nebuli[sz]er(?:\s+solution)?)\b",
    re.IGNORECASE,
)
_NASAL_WORDS = re.compile(
    r"\b(?:(?:nasal|nose)(?:\s+(?:sprays?|drops|mists?|pumps?))?|sprays?)\b", re.IGNORECASE
)
_SKIN_WORDS = re.compile(
    r"\b(?:gels?|creams?|ointments?|emulgel|foams?|mousse|lotions?|topical|rub)\b", re.IGNORECASE
)
# (route, its words, whether a medicine without a form of that route is read as itself)
_ROUTE_WORDS = (
    ("inhaled", _INHALER_WORDS, True),
    ("nasal", _NASAL_WORDS, True),
    ("topical", _SKIN_WORDS, False),
)
# A release type ending a brand ("Entocort EC", "Nurtec ODT", "Xtampza ER"): the bare
# brand names the same medicine, so it is found too unless it is another name already.
_BRAND_RELEASE = re.compile(r"(?<=[A-Za-z]{4})[\s-]+(?:EC|XL|XR|ER|SR|CR|LA|ODT|DR)$")
# A salt after the medicine's name ("montelukast sodium", "rosuvastatin calcium"), but not
# a second ingredient ("vitamin D and calcium").
_TRAILING_SALT = re.compile(
    r"(?<=\w)(?<!\band)(?<!\bwith)(?<!\bplus)\s+(?:sodium|potassium|calcium|magnesium)\b"
)
_FILLERS = re.compile(r"\b(?:and|with)\b")
_BARE_NUMBER = re.compile(r"(?<![\w.,])(?:\d{2,}(?:[.,]\d+)?|\d+[.,]\d+)(?![\w.,])")
# How a product reaches the body; rules are written for the oral form unless a note says otherwise.
ROUTES = ("oral", "topical", "inhaled", "nasal")
# Countries whose brand names the data records; a brand may be limited to some of them.
COUNTRIES: dict[str, str] = {
    "US": "the United States",
    "UK": "the United Kingdom",
    "CA": "Canada",
    "AU": "Australia",
    "IE": "Ireland",
}
# Severity spellings, most severe first (the checker owns the enum; data only names them).
SEVERITY_NAMES = ("contraindicated", "major", "moderate", "minor")


def normalise(name: str) -> str:
    """Map a typed name to its lookup key, so case, width, punctuation and spacing don't matter.

    NFKC folds compatibility forms (full-width letters, ligatures), casefold handles case
    beyond ASCII, apostrophes vanish ("John's" -> "johns") and any other run of characters
    that are not letters or digits becomes a single space.
    """
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _APOSTROPHES.sub("", text)
    return _NON_ALNUM.sub(" ", text).strip()


def compact(name: str) -> str:
    """Normalised key with spaces removed, so "co-codamol", "co codamol" and "cocodamol" meet."""
    return normalise(name).replace(" ", "")


# Spellings that sound alike: a first "x" and "z", "x" and "ks", "ph" and "f", "c" and "k",
# "y" and "i", British "oe"/"ae", doubled letters. Applied to both sides, so "ibuprophen"
# meets "ibuprofen", "zyrtek" meets "Zyrtec" and "zanax" meets "Xanax" where a fuzzy score
# would stop short.
_SOUND_REWRITES = (
    (re.compile("^x"), "z"),
    (re.compile("x"), "ks"),
    (re.compile("ph"), "f"),
    (re.compile("[ao]e"), "e"),
    (re.compile("ck|c"), "k"),
    (re.compile("y"), "i"),
    (re.compile(r"(.)\1+"), r"\1"),
)


def sound(name: str) -> str | None:
    """A name's compact key as it sounds, for names spelled by ear; None for a name with a
    word shorter than three characters, which must be spelled as it is ("vitamin C" is not
    "vitamin K", and "vitaminc" is neither)."""
    words = normalise(name).split()
    if any(len(word) < 3 for word in words):
        return None
    key = "".join(words)
    for pattern, replacement in _SOUND_REWRITES:
        key = pattern.sub(replacement, key)
    return key


def _parts(name: str) -> list[str]:
    """The compact keys of a combination's parts, as split where people separate them."""
    return [key for key in map(compact, _INGREDIENT_SEPARATOR.split(name)) if key]


def without_label_words(name: str) -> list[str]:
    """The name with what a label adds to it taken away, least taken first: strengths,
    oral forms, release types, salts and the maker; then also bare numbers of two or more
    digits or with a decimal point ("aspirin 81", "Xanax 0.5"). A single digit stays:
    "Tylenol 3" is another product than Tylenol."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = _MAKER.sub(" ", _LABEL_WORDS.sub(" ", _STRENGTH.sub(" ", text)))
    first = " ".join(text.split())
    second = " ".join(_TRAILING_SALT.sub(" ", _SALTS.sub(" ", first)).split())
    third = " ".join(_BARE_NUMBER.sub(" ", second).split())
    readings = dict.fromkeys((first, second, third))
    return [t for t in readings if t and compact(t) != compact(name)]


@dataclass(frozen=True, slots=True)
class MedClass:
    """A therapeutic class; rules can target a whole class instead of listing every drug."""

    id: str
    name: str
    singular: str
    description: str
    # Everyday words for the group ("blood thinner"), read like the class's own names.
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """What a person may type for the group: "Statins", "statin", and the aliases."""
        article, _, rest = self.singular.partition(" ")
        singular = rest if article in ("a", "an") and rest else self.singular
        return (self.name, singular, *self.aliases)


@dataclass(frozen=True, slots=True)
class Note:
    """A sourced remark attached to a product: a route caveat or a dose warning.

    ``max_severity`` caps the severity of findings through this product when the source says
    the route limits exposure (a topical gel); None leaves the oral grading in place.
    """

    text: str
    sources: tuple[Source, ...]
    max_severity: str | None = None


@dataclass(frozen=True, slots=True)
class Medication:
    """One active substance, or a product made of several, with every name people type for it.

    A product lists ``ingredients`` (medication ids) and the checker expands it; a family lists
    ``variants`` (products sold under one brand) and stands for the ingredients they share.
    """

    id: str
    name: str
    brands: tuple[str, ...]
    synonyms: tuple[str, ...]
    classes: tuple[str, ...]
    ingredients: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()
    route: str = "oral"
    route_note: Note | None = None
    duplicate_warning: Note | None = None
    sources: tuple[Source, ...] = ()
    # Brands sold only in some countries: (brand, country codes).
    brand_countries: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Set only on the stand-in for a name with several meanings: (medication id, countries).
    meanings: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def is_product(self) -> bool:
        """True for a combination (or non-oral) product whose ingredients are checked."""
        return bool(self.ingredients)

    @property
    def is_family(self) -> bool:
        """True for a brand family whose versions differ (NyQuil, DayQuil)."""
        return bool(self.variants)


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a typed name turned out to be, kept so the UI can explain corrections and misses."""

    query: str
    medication: Medication | None
    matched_name: str | None
    corrected: bool
    suggestions: tuple[str, ...]
    matched_kind: MatchKind | None = None
    # The country the name was read for (None: not chosen), the countries the matched name is
    # sold in when the data limits it, and what the same name means in other countries.
    country: str | None = None
    countries: tuple[str, ...] = ()
    elsewhere: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The text names a group of medicines ("statin", "blood thinner"), not one: the groups'
    # names; the suggestions are then some of its members.
    groups: tuple[str, ...] = ()

    @property
    def resolved(self) -> bool:
        """True when the text maps to a medication (exactly or by a confident correction)."""
        return self.medication is not None

    @property
    def is_brand(self) -> bool:
        """True when the name that matched is a brand, so explanations can say so."""
        return self.matched_kind == "brand"

    @property
    def display(self) -> str:
        """The name to show: as written in the knowledge base if matched, else as typed."""
        return self.matched_name if self.matched_name is not None else self.query


@dataclass(frozen=True, slots=True)
class _NameEntry:
    """One searchable name; precomputed keys keep lookups and autocomplete cheap."""

    text: str
    kind: MatchKind
    medication: Medication
    norm: str
    compact: str
    countries: tuple[str, ...] = ()


_KIND_ORDER: dict[MatchKind, int] = {"name": 0, "brand": 1, "synonym": 2}


class Formulary:
    """The validated medication list with indexes for exact, fuzzy and prefix lookup."""

    def __init__(
        self,
        medications: Iterable[Medication],
        classes: Iterable[MedClass],
        not_covered: Iterable[str] = (),
    ) -> None:
        """Index validated objects; raise ValueError if they break the data-format invariants.

        `not_covered`: names of real medicines the knowledge base does not hold. They stay
        unknown, and no typo correction turns them, or a misspelling of them, into a
        medicine that is held ("quinine" is not quinidine).
        """
        self._classes: dict[str, MedClass] = {}
        self._medications: dict[str, Medication] = {}
        errors: list[str] = []
        for cls in classes:
            if cls.id in self._classes:
                errors.append(f"duplicate class id {cls.id!r}")
            self._classes[cls.id] = cls
        for med in medications:
            if med.id in self._medications:
                errors.append(f"duplicate medication id {med.id!r}")
            self._medications[med.id] = med
            for class_id in med.classes:
                if class_id not in self._classes:
                    errors.append(f"medication {med.id!r}: unknown class id {class_id!r}")

        self._exact: dict[str, _NameEntry] = {}
        # Names that mean different medicines (by country): every meaning, in file order.
        self._meanings: dict[str, list[_NameEntry]] = {}
        entries: list[_NameEntry] = []
        for med in self._medications.values():
            limited = dict(med.brand_countries)
            named: list[tuple[str, MatchKind]] = [(med.name, "name")]
            named += [(brand, "brand") for brand in med.brands]
            named += [(syn, "synonym") for syn in med.synonyms]
            for text, kind in named:
                countries = limited.get(text, ()) if kind == "brand" else ()
                entry = _NameEntry(text, kind, med, normalise(text), compact(text), countries)
                if not entry.compact:
                    errors.append(
                        f"medication {med.id!r}: {kind} {text!r} has no letters or digits"
                    )
                    continue
                other = self._exact.get(entry.compact)
                if other is None:
                    self._exact[entry.compact] = entry
                    entries.append(entry)
                elif other.medication.id != med.id and other.countries and entry.countries:
                    # A brand that means different medicines: allowed when every use of the
                    # name says where it is sold, so a country can choose between them.
                    self._meanings.setdefault(entry.compact, [other]).append(entry)
                elif other.medication.id != med.id:
                    errors.append(
                        f"name {text!r} ({kind} of {med.id!r}) and {other.text!r} "
                        f"({other.kind} of {other.medication.id!r}) normalise to the same "
                        f"key {entry.compact!r}"
                    )
        # "Entocort" for "Entocort EC": a bare brand where no other name has that key.
        for med in self._medications.values():
            limited = dict(med.brand_countries)
            for brand in med.brands:
                bare = _BRAND_RELEASE.sub("", brand)
                entry = _NameEntry(bare, "brand", med, normalise(bare), compact(bare))
                if bare != brand and brand not in limited and entry.compact not in self._exact:
                    self._exact[entry.compact] = entry
                    entries.append(entry)
        # Names by how they sound; a sound shared by two medicines (or by a name that means
        # different medicines in different countries) belongs to neither.
        self._sounds: dict[str, _NameEntry | None] = {}
        for entry in entries:
            key = sound(entry.text)
            if key is None:
                continue
            known = self._sounds.get(key, entry)
            different = known is None or known.medication.id != entry.medication.id
            if different or entry.compact in self._meanings:
                self._sounds[key] = None
            else:
                self._sounds.setdefault(key, entry)
        self._not_covered = {compact(n): normalise(n) for n in not_covered}
        errors += [
            f"not-covered name {self._not_covered[key]!r} is the name of {entry.medication.id!r}"
            for key, entry in self._exact.items()
            if key in self._not_covered
        ]
        self._not_covered_keys = list(self._not_covered.values())
        errors += _product_errors(self._medications)
        if errors:
            raise ValueError("invalid medication data:\n- " + "\n- ".join(errors))
        self._components: dict[str, tuple[Medication, ...]] = {
            med.id: self._expand(med) for med in self._medications.values()
        }
        # A medicine's single-ingredient product of each route ("budesonide-inhaled").
        self._forms: dict[tuple[str, str], Medication] = {
            (med.route, med.ingredients[0]): med
            for med in self._medications.values()
            if med.route != "oral" and len(med.ingredients) == 1
        }
        # Combinations by their parts, for typing them in another order: by the words of
        # a name such as "sulfamethoxazole-trimethoprim", and a product by its ingredients.
        # A set that would mean two medicines means neither.
        combinations: dict[frozenset[str], set[str]] = {}
        for entry in entries:
            parts = frozenset(_parts(entry.text))
            if len(parts) > 1:
                combinations.setdefault(parts, set()).add(entry.medication.id)
        for med in self._medications.values():
            if len(set(med.ingredients)) > 1:
                combinations.setdefault(frozenset(med.ingredients), set()).add(med.id)
        self._combinations: dict[frozenset[str], Medication] = {
            parts: self._medications[next(iter(ids))]
            for parts, ids in combinations.items()
            if len(ids) == 1
        }

        entries.sort(key=lambda e: (_KIND_ORDER[e.kind], e.norm))
        self._entries: tuple[_NameEntry, ...] = tuple(entries)
        # Fuzzy choices: one per distinct normalised spelling, with the entry it came from.
        by_norm: dict[str, _NameEntry] = {}
        for entry in entries:
            by_norm.setdefault(entry.norm, entry)
            if "-" in entry.text:  # "cocodamol": people drop a name's hyphen
                by_norm.setdefault(entry.compact, entry)
        self._fuzzy_keys: list[str] = list(by_norm)
        self._fuzzy_entries: list[_NameEntry] = list(by_norm.values())
        self._suggestion_keys = [_without_fillers(key) for key in self._fuzzy_keys]
        self._compact_keys = [entry.compact for entry in self._fuzzy_entries]
        self._members: dict[str, tuple[Medication, ...]] = {
            class_id: tuple(m for m in self._medications.values() if class_id in m.classes)
            for class_id in self._classes
        }
        # Group words; a medication's own name always wins ("tetracycline" is a drug).
        self._groups: dict[str, list[MedClass]] = {}
        for cls in self._classes.values():
            for text in cls.names:
                key = compact(text)
                if key and key not in self._exact and cls not in self._groups.get(key, []):
                    self._groups.setdefault(key, []).append(cls)

    # ----------------------------------------------------------------- construction

    @classmethod
    def from_data(
        cls, medications_data: Any, classes_data: Any, not_covered_data: Any = None
    ) -> Formulary:
        """Build from the parsed JSON documents, validating field by field."""
        classes = parse_classes(classes_data)
        medications = parse_medications(medications_data)
        not_covered = parse_not_covered(not_covered_data) if not_covered_data else ()
        return cls(medications, classes, not_covered)

    @classmethod
    def from_files(cls, medications_path: Path | str, classes_path: Path | str) -> Formulary:
        """Build from JSON files on disk (tests, tooling)."""
        return cls.from_data(
            read_json(medications_path, "medications.json"), read_json(classes_path, "classes.json")
        )

    # ----------------------------------------------------------------- accessors

    @property
    def medications(self) -> Mapping[str, Medication]:
        """All medications by id."""
        return self._medications

    @property
    def classes(self) -> Mapping[str, MedClass]:
        """All classes by id."""
        return self._classes

    def get(self, medication_id: str) -> Medication:
        """A medication by id; KeyError if unknown."""
        return self._medications[medication_id]

    def med_class(self, class_id: str) -> MedClass:
        """A class by id; KeyError if unknown."""
        return self._classes[class_id]

    def members(self, class_id: str) -> tuple[Medication, ...]:
        """Medications in a class, in file order."""
        return self._members.get(class_id, ())

    def components(self, medication: Medication) -> tuple[Medication, ...]:
        """The ingredients a check expands to: a product's, a family's shared ones, else ()."""
        found = self._components.get(medication.id)
        return found if found is not None else self._expand(medication)

    def variants(self, medication: Medication) -> tuple[Medication, ...]:
        """The products of a family, in the order the data lists them."""
        return tuple(self._medications[v] for v in medication.variants)

    def _expand(self, med: Medication) -> tuple[Medication, ...]:
        """Ingredients of a product, or those every variant of a family contains."""
        if med.ingredients:
            return tuple(self._medications[i] for i in med.ingredients)
        if med.variants:
            first, *rest = (self._medications[v].ingredients or (v,) for v in med.variants)
            shared = [i for i in first if all(i in other for other in rest)]
            return tuple(self._medications[i] for i in shared)
        return ()

    # ----------------------------------------------------------------- resolution

    def lookup(self, text: str, country: str | None = None) -> Resolution | None:
        """Exact match only (generic, brand or synonym); None if there is none."""
        entry = self._exact.get(compact(text))
        if entry is None:
            return None
        return self._from_entry(text.strip(), entry, False, country)

    def resolve(self, text: str, country: str | None = None) -> Resolution:
        """Resolve typed text: exact name, then one confident fuzzy correction, else suggestions.

        A correction is only made when exactly one medication is clearly the best match, so a
        typo is fixed but an ambiguous or nonsense input is never silently turned into a drug.
        A brand that means different medicines in different countries is read for ``country``;
        without one (or with none recorded there) every meaning is kept.
        """
        query = text.strip()
        if not compact(query):
            return Resolution(query, None, None, False, (), country=country)
        # "lisinopril 10mg": the name without what a label adds is read too, and the answer
        # says so (the page shows "Showing results for lisinopril (you typed ...)"). Every
        # reading is looked up exactly before any is corrected for a typo.
        readings = [query, *without_label_words(query)]
        routed: list[tuple[str, str, bool]] | None = None  # made once, only if needed
        for fuzzy in (False, True):
            for n, reading in enumerate(readings):
                if compact(reading) in self._not_covered:  # not "Alka-Seltzer" and a word
                    return Resolution(query, None, None, False, (), country=country)
                found = self._resolve_name(reading, country, fuzzy)
                if found is not None:
                    return found if n == 0 else replace(found, query=query, corrected=True)
            # Then without the words of a route, read towards that route's form.
            routed = _routed(readings) if routed is None else routed
            for reading, route, fallback in routed:
                found = self._resolve_name(reading, country, fuzzy)
                if found is not None:
                    found = self._route_form(found, route, fallback)
                if found is not None:
                    return replace(found, query=query, corrected=True)
            if not fuzzy:
                # "statin" names a group: never correct it into a look-alike drug (nystatin).
                group = next(filter(None, map(self._group, readings)), None)
                if group is not None:
                    return replace(group, query=query, country=country)
        norm = normalise(query)
        # A misspelling of a medicine we do not hold ("betahistin") suggests no other one.
        near_uncovered = process.extractOne(
            norm, self._not_covered_keys, scorer=fuzz.ratio, score_cutoff=CORRECTION_MIN_SCORE
        )
        suggestions = () if near_uncovered else self.suggest(norm)
        return Resolution(query, None, None, False, suggestions, country=country)

    def _route_form(self, found: Resolution, route: str, fallback: bool) -> Resolution | None:
        """A medicine named with the words of a route: its product of that route if it has
        one, or the medicine itself if it is of that route or `fallback` allows; else None."""
        med = found.medication
        if med is None or med.route == route:
            return found
        product = self._forms.get((route, med.id))
        if product is None:
            return found if fallback else None
        return replace(found, medication=product, matched_name=product.name, matched_kind="name")

    def _group(self, text: str) -> Resolution | None:
        """Text that names a group of medicines: unresolved, with some members as suggestions."""
        classes = self._groups.get(compact(text))
        if not classes:
            return None
        # Several groups ("water pill"): take their medicines in turn, so each is shown.
        lists = [
            [m for m in self._members[cls.id] if not (m.is_product or m.is_family)]
            for cls in classes
        ]
        members = dict.fromkeys(m.name for turn in zip_longest(*lists) for m in turn if m)
        return Resolution(
            text,
            None,
            None,
            False,
            tuple(members)[:MAX_GROUP_SUGGESTIONS],
            groups=tuple(cls.name for cls in classes),
        )

    def _resolve_name(self, query: str, country: str | None, fuzzy: bool) -> Resolution | None:
        """An exact name (or "Brand (generic)"), or with `fuzzy` one clear typo correction."""
        if not fuzzy:
            entry = self._exact.get(compact(query))
            if entry is not None:
                return self._from_entry(query, entry, False, country)
            return (
                self._resolve_brand_with_generic(query, country)
                or self._resolve_brand_and_generic(query, country)
                or self._resolve_combination(query, country)
            )
        key = compact(query)
        if len(key) < CORRECTION_MIN_LENGTH:
            return None
        heard = self._sounds.get(sound(query) or "")
        if heard is not None:
            return self._from_entry(query, heard, True, country)
        return self._correct(query, normalise(query), country)

    def _from_entry(
        self, query: str, entry: _NameEntry, corrected: bool, country: str | None
    ) -> Resolution:
        """The resolution of one matched name, or of all its meanings when it has several."""
        meanings = self._meanings.get(entry.compact)
        if meanings is not None:
            return self._resolve_meanings(query, meanings, corrected, country)
        return Resolution(
            query,
            entry.medication,
            entry.text,
            corrected,
            (),
            entry.kind,
            country=country,
            countries=entry.countries,
        )

    def _resolve_meanings(
        self, query: str, meanings: list[_NameEntry], corrected: bool, country: str | None
    ) -> Resolution:
        """Read a many-meaning brand for a country; keep every meaning when that cannot decide.

        Several meanings become a stand-in family of them, so the checker checks each one
        and says so instead of silently picking one.
        """
        here = [m for m in meanings if country in m.countries] if country else []
        chosen = here or meanings
        elsewhere = tuple((m.medication.name, m.countries) for m in meanings if m not in chosen)
        first = chosen[0]
        if len(chosen) == 1:
            return Resolution(
                query,
                first.medication,
                first.text,
                corrected,
                (),
                "brand",
                country=country,
                countries=first.countries,
                elsewhere=elsewhere,
            )
        stand_in = Medication(
            id=f"{first.compact}-meanings",
            name=first.text,
            brands=(),
            synonyms=(),
            classes=(),
            variants=tuple(m.medication.id for m in chosen),
            meanings=tuple((m.medication.id, m.countries) for m in chosen),
        )
        return Resolution(
            query,
            stand_in,
            first.text,
            corrected,
            (),
            "brand",
            country=country,
            elsewhere=elsewhere,
        )

    def _resolve_brand_with_generic(self, query: str, country: str | None) -> Resolution | None:
        """Accept the "Tylenol (acetaminophen)" form we show as suggestions, when consistent."""
        match = _BRAND_WITH_GENERIC.match(query)
        if match is None:
            return None
        first = self._exact.get(compact(match["first"]))
        second = self._exact.get(compact(match["second"]))
        return self._agreeing(query, first, second, False, country)

    def _agreeing(
        self,
        query: str,
        first: _NameEntry | None,
        second: _NameEntry | None,
        corrected: bool,
        country: str | None,
    ) -> Resolution | None:
        """The meaning of `first` that is the medicine `second` names, if one is."""
        if first is None or second is None:
            return None
        for meaning in self._meanings.get(first.compact, [first]):
            if meaning.medication.id == second.medication.id:
                return Resolution(
                    query,
                    meaning.medication,
                    meaning.text,
                    corrected,
                    (),
                    meaning.kind,
                    country=country,
                    countries=meaning.countries,
                )
        return None

    def _resolve_brand_and_generic(self, query: str, country: str | None) -> Resolution | None:
        """Two names of one medicine side by side, as a box prints them ("apixaban Eliquis",
        "Lixiana edoxaban"): that medicine. Names of two different medicines are not."""
        words = normalise(query).split()
        for cut in range(1, len(words)):
            left = self._exact.get("".join(words[:cut]))
            right = self._exact.get("".join(words[cut:]))
            brand, other = (
                (right, left) if left is not None and left.kind != "brand" else (left, right)
            )
            found = self._agreeing(query, brand, other, True, country)
            if found is not None:
                return found
        return None

    def _resolve_combination(self, query: str, country: str | None) -> Resolution | None:
        """A combination product typed as its ingredients, in any order and with any
        separator ("trimethoprim/sulfamethoxazole" is sulfamethoxazole-trimethoprim).
        Every part must be an exact name, and the product's ingredients exactly theirs."""
        parts = _parts(query)
        if len(parts) < 2:
            return None
        found = self._combinations.get(frozenset(parts))
        if found is None:
            ingredients: set[str] = set()
            for part in parts:
                entry = self._exact.get(part)
                if entry is None or part in self._meanings:
                    return None
                ingredients.update(entry.medication.ingredients or (entry.medication.id,))
            found = self._combinations.get(frozenset(ingredients))
        if found is None:
            return None
        return Resolution(query, found, found.name, True, (), "name", country=country)

    def _correct(self, query: str, norm: str, country: str | None) -> Resolution | None:
        """Return the single clear fuzzy match, or None when no candidate is clearly best."""
        hits = process.extract(
            norm,
            self._fuzzy_keys,
            scorer=fuzz.ratio,
            limit=12,
            score_cutoff=CORRECTION_MIN_SCORE - CORRECTION_MARGIN,
        )
        if not hits or hits[0][1] < CORRECTION_MIN_SCORE:
            return self._one_edit(query, norm, country)
        _, best_score, best_index = hits[0]
        near = best_score - CORRECTION_MARGIN
        if process.extractOne(norm, self._not_covered_keys, scorer=fuzz.ratio, score_cutoff=near):
            return None  # as close to a medicine we do not hold: not a typo of this one
        best = self._fuzzy_entries[best_index]
        if _word_added_or_dropped(norm, best.norm):
            return None
        for _, score, index in hits[1:]:
            if self._fuzzy_entries[index].medication.id != best.medication.id:
                if best_score - score < CORRECTION_MARGIN:
                    return None
                break
        return self._from_entry(query, best, True, country)

    def _one_edit(self, query: str, norm: str, country: str | None) -> Resolution | None:
        """The one medicine a name is a single edit away from, when no other medicine, held
        or not, is. Digits are never edited ("Tylenol 5" is no typo), nor a whole word
        ("Benylin DM" for "Benylin DM-E")."""
        key = norm.replace(" ", "")
        if len(key) < ONE_EDIT_MIN_LENGTH or any(c.isdigit() for c in key):
            return None
        if process.extractOne(key, self._not_covered.keys(), scorer=OSA.distance, score_cutoff=1):
            return None
        near = process.extract(
            key, self._compact_keys, scorer=OSA.distance, score_cutoff=1, limit=None
        )
        entries = [self._fuzzy_entries[index] for _, _, index in near]
        if len({entry.medication.id for entry in entries}) != 1:
            return None
        if _word_added_or_dropped(norm, entries[0].norm):
            return None
        return self._from_entry(query, entries[0], True, country)

    def suggest(self, text: str, limit: int = MAX_SUGGESTIONS) -> tuple[str, ...]:
        """Up to ``limit`` names of distinct medications close to ``text``, best first.

        Each suggestion resolves exactly when typed back: a generic name as is, a brand or
        synonym as "Tylenol (acetaminophen)".
        """
        norm = normalise(text)
        if not norm:
            return ()
        hits = process.extract(
            _without_fillers(norm),
            self._suggestion_keys,
            scorer=fuzz.WRatio,
            limit=max(limit * 6, 12),
            score_cutoff=SUGGESTION_MIN_SCORE,
        )
        seen: set[str] = set()
        out: list[str] = []
        for _, _, index in hits:
            entry = self._fuzzy_entries[index]
            med = entry.medication
            if med.id in seen or self._coincidental(entry, norm):
                continue
            seen.add(med.id)
            out.append(med.name if entry.kind == "name" else f"{entry.text} ({med.name})")
            if len(out) == limit:
                break
        return tuple(out)

    @staticmethod
    def _coincidental(entry: _NameEntry, norm: str) -> bool:
        """True for a short name (an abbreviation) that merely occurs inside a longer query."""
        return len(entry.compact) <= SHORT_NAME_LENGTH < len(norm.replace(" ", ""))

    # ----------------------------------------------------------------- autocomplete

    def complete(self, prefix: str, limit: int = 10) -> list[str]:
        """Names for an autocomplete box: prefix matches before substring matches.

        Groups: names starting with the prefix, then names with a later word starting with
        it ("contrast" -> "iodinated contrast"), then any other substring match. Within each
        group generics come first, then brands, then other names, alphabetically.
        Matching ignores case, punctuation and spaces ("co cod" and "cocod" both find
        Co-codamol).
        """
        norm = normalise(prefix)
        key = norm.replace(" ", "")
        if not key or limit <= 0:
            return []
        starts: list[str] = []
        word_starts: list[str] = []
        contains: list[str] = []
        word_prefix = " " + norm
        for entry in self._entries:  # already sorted by kind, then name
            if entry.norm.startswith(norm) or entry.compact.startswith(key):
                starts.append(entry.text)
            elif word_prefix in entry.norm:
                word_starts.append(entry.text)
            elif norm in entry.norm or key in entry.compact:
                contains.append(entry.text)
        out: list[str] = []
        seen: set[str] = set()
        for text in starts + word_starts + contains:
            if text not in seen:
                seen.add(text)
                out.append(text)
                if len(out) == limit:
                    break
        return out


def _without_fillers(norm: str) -> str:
    """A normalised name without the words that join other words ("cold and flu"): a
    suggestion must share more with the query than an "and" ("Sudafed Day and Night" is not
    near "abacavir, dolutegravir and lamivudine")."""
    return " ".join(_FILLERS.sub(" ", norm).split()) or norm


def _routed(readings: list[str]) -> list[tuple[str, str, bool]]:
    """Each reading without the words of a route: (text, route, fallback), new texts only."""
    seen = {compact(r) for r in readings}
    routed: list[tuple[str, str, bool]] = []
    for route, words, fallback in _ROUTE_WORDS:
        for reading in readings:
            text = " ".join(words.sub(" ", reading).split())
            if text and compact(text) not in seen:
                seen.add(compact(text))
                routed.append((text, route, fallback))
    return routed


def _product_errors(meds: Mapping[str, Medication]) -> list[str]:
    """Cross-check products and families: known ids, one level deep, sourced, no own classes.

    A product's classes are its ingredients' (so findings name the ingredient that caused
    them). A family's versions are products or single medicines ("Anadin": aspirin and
    caffeine, or paracetamol alone); they may share nothing, and each is checked.
    """
    errors: list[str] = []
    for med in meds.values():
        where = f"medication {med.id!r}"
        if med.ingredients and med.variants:
            errors.append(f"{where}: a product lists ingredients or variants, not both")
        if (med.ingredients or med.variants) and med.classes:
            errors.append(f"{where}: a product takes its classes from its ingredients")
        if (med.ingredients or med.variants) and not med.sources:
            errors.append(f"{where}: a product needs a source for what it contains")
        if med.route not in ROUTES:
            errors.append(f"{where}: route must be one of {', '.join(ROUTES)}")
        if len(med.ingredients) == 1 and med.route == "oral":
            errors.append(f"{where}: a one-ingredient oral product is a brand of that ingredient")
        for ing in med.ingredients:
            other = meds.get(ing)
            if other is None:
                errors.append(f"{where}: unknown ingredient {ing!r}")
            elif other.ingredients or other.variants:
                errors.append(f"{where}: ingredient {ing!r} is itself a product")
        if len(set(med.ingredients)) != len(med.ingredients):
            errors.append(f"{where}: an ingredient is listed twice")
        for v in med.variants:
            other = meds.get(v)
            if other is None or other.variants:
                errors.append(f"{where}: variant {v!r} is not a medicine or a product")
        if med.variants and len(med.variants) < 2:
            errors.append(f"{where}: a family needs at least two variants")
    return errors


# --------------------------------------------------------------------- parsing / validation


def require_str(obj: Mapping[str, Any], field: str, where: str, errors: list[str]) -> str:
    """Read a required non-empty string field, recording a clear error if it is not one."""
    value = obj.get(field)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}: field {field!r} must be a non-empty string, got {value!r}")
        return ""
    return value.strip()


def _require_str_list(
    obj: Mapping[str, Any], field: str, where: str, errors: list[str]
) -> tuple[str, ...]:
    """Read a list of non-empty strings (may be empty), recording errors for bad items."""
    value = obj.get(field, [])
    if not isinstance(value, list):
        errors.append(f"{where}: field {field!r} must be a list of strings, got {value!r}")
        return ()
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            errors.append(f"{where}: {field!r} contains an empty or non-string item {item!r}")
        else:
            out.append(item.strip())
    return tuple(out)


def _items(data: Any, key: str, what: str) -> list[Any]:
    """The top-level list of a knowledge-base document, or a ValueError naming the file."""
    if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
        raise ValueError(f"invalid {what} data: expected an object with a {key!r} list")
    return data[key]


def _objects(
    data: Any, key: str, what: str, errors: list[str]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each object of a document's top-level list, with where it is ("class #3"); an item
    that is not an object is recorded in `errors` and skipped."""
    for i, raw in enumerate(_items(data, key, what)):
        where = f"{what} #{i}"
        if isinstance(raw, Mapping):
            yield where, raw
        else:
            errors.append(f"{where}: expected an object, got {raw!r}")


def _raise_if(errors: Sequence[str], what: str) -> None:
    """Raise one ValueError listing every problem, so a data author can fix them in one go."""
    if errors:
        raise ValueError(f"invalid {what} data:\n- " + "\n- ".join(errors))


def parse_sources(
    raw: Any, where: str, errors: list[str], *, required: bool = True
) -> tuple[Source, ...]:
    """Sources as a list of {title, url}, each url https; at least one when ``required``."""
    if not isinstance(raw, list) or (required and not raw):
        errors.append(f"{where}: needs at least one source")
        return ()
    out: list[Source] = []
    for j, item in enumerate(raw):
        here = f"{where} source #{j}"
        if not isinstance(item, Mapping):
            errors.append(f"{here}: expected an object with title and url, got {item!r}")
            continue
        title = require_str(item, "title", here, errors)
        url = require_str(item, "url", here, errors)
        if url and not is_https_url(url):
            errors.append(f"{here}: url must be an https URL, got {url!r}")
        out.append(Source(title, url))
    return tuple(out)


def _parse_brands(raw: Any, where: str, errors: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    """Brands as names sold everywhere, or {name, countries} for those sold only in some."""
    if not isinstance(raw, list):
        errors.append(f"{where}: field 'brands' must be a list, got {raw!r}")
        return []
    out: list[tuple[str, tuple[str, ...]]] = []
    for item in raw:
        if isinstance(item, str) and item.strip():
            out.append((item.strip(), ()))
            continue
        if not isinstance(item, Mapping):
            errors.append(f"{where}: 'brands' contains an empty or non-string item {item!r}")
            continue
        name = require_str(item, "name", f"{where} brand", errors)
        countries = item.get("countries")
        if (
            not isinstance(countries, list)
            or not countries
            or any(c not in COUNTRIES for c in countries)
        ):
            errors.append(
                f"{where} brand {name!r}: countries must be a non-empty list of "
                f"{', '.join(COUNTRIES)}"
            )
            continue
        out.append((name, tuple(countries)))
    return out


def _parse_note(raw: Any, where: str, errors: list[str]) -> Note | None:
    """An optional sourced note: {text, sources, maxSeverity?}."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        errors.append(f"{where}: expected an object with text and sources, got {raw!r}")
        return None
    cap = raw.get("maxSeverity")
    if cap is not None and cap not in SEVERITY_NAMES:
        errors.append(f"{where}: maxSeverity must be one of {', '.join(SEVERITY_NAMES)}")
        cap = None
    return Note(
        text=require_str(raw, "text", where, errors),
        sources=parse_sources(raw.get("sources"), where, errors),
        max_severity=cap,
    )


def parse_classes(data: Any) -> list[MedClass]:
    """Validate and build classes from the parsed ``classes.json`` document."""
    errors: list[str] = []
    out: list[MedClass] = []
    seen: set[str] = set()
    for where, raw in _objects(data, "classes", "class", errors):
        class_id = require_str(raw, "id", where, errors)
        if class_id:
            where = f"class {class_id!r}"
            if not _CLASS_ID.match(class_id):
                errors.append(f"{where}: id must be lowercase snake_case")
            if class_id in seen:
                errors.append(f"duplicate class id {class_id!r}")
            seen.add(class_id)
        out.append(
            MedClass(
                id=class_id,
                name=require_str(raw, "name", where, errors),
                singular=require_str(raw, "singular", where, errors),
                description=require_str(raw, "description", where, errors),
                aliases=_require_str_list(raw, "aliases", where, errors),
            )
        )
    _raise_if(errors, "class")
    return out


def parse_medications(data: Any) -> list[Medication]:
    """Validate field shapes in ``medications.json``; cross-checks happen in Formulary."""
    errors: list[str] = []
    out: list[Medication] = []
    seen: set[str] = set()
    for where, raw in _objects(data, "medications", "medication", errors):
        med_id = require_str(raw, "id", where, errors)
        if med_id:
            where = f"medication {med_id!r}"
            if not _MED_ID.match(med_id):
                errors.append(f"{where}: id must be lowercase words joined by '-'")
            if med_id in seen:
                errors.append(f"duplicate medication id {med_id!r}")
            seen.add(med_id)
        route = raw.get("route", "oral")
        brands = _parse_brands(raw.get("brands", []), where, errors)
        out.append(
            Medication(
                id=med_id,
                name=require_str(raw, "name", where, errors),
                brands=tuple(name for name, _ in brands),
                brand_countries=tuple((name, c) for name, c in brands if c),
                synonyms=_require_str_list(raw, "synonyms", where, errors),
                classes=_require_str_list(raw, "classes", where, errors),
                ingredients=_require_str_list(raw, "ingredients", where, errors),
                variants=_require_str_list(raw, "variants", where, errors),
                route=route if isinstance(route, str) else repr(route),
                route_note=_parse_note(raw.get("routeNote"), f"{where} routeNote", errors),
                duplicate_warning=_parse_note(
                    raw.get("duplicateWarning"), f"{where} duplicateWarning", errors
                ),
                sources=parse_sources(raw.get("sources", []), where, errors, required=False),
            )
        )
    _raise_if(errors, "medication")
    return out


def _word_added_or_dropped(typed: str, name: str) -> bool:
    """A whole word more or fewer than a name ("Benylin DM" for "Benylin DM-E", "Advil" and a
    word for "Advil"), not a misspelt one: another product of the line, not a typo. A
    number alone is not such a word ("polyethylene glycol" for "polyethylene glycol 3350")."""
    words, named = set(typed.split()), set(name.split())
    differ = words ^ named
    return bool(differ) and (words < named or named < words) and not all(map(str.isdigit, differ))


def parse_not_covered(data: Any) -> tuple[str, ...]:
    """The names in ``not_covered.json``, each entry with the source that shows it is a
    medicine."""
    errors: list[str] = []
    names: list[str] = []
    for where, raw in _objects(data, "medicines", "not-covered medicine", errors):
        found = _require_str_list(raw, "names", where, errors)
        if not found:
            errors.append(f"{where}: needs at least one name")
        parse_sources(raw.get("sources"), where, errors)
        names += found
    _raise_if(errors, "not-covered")
    return tuple(names)


@cache
def default_formulary() -> Formulary:
    """The shipped formulary, loaded and validated once per process."""
    return Formulary.from_data(
        read_json(None, "medications.json"),
        read_json(None, "classes.json"),
        read_json(None, "not_covered.json"),
    )
