"""Unit tests for name normalisation, formulary validation, resolution and autocomplete.

Most tests run against a small inline knowledge base written to tmp_path, so they do not
depend on the shipped data; the data-driven tests at the end load the real package data
and skip if it is not there yet.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mediphant.domain.medications import (
    Formulary,
    compact,
    default_formulary,
    normalise,
)
from mediphant.domain.validation import clean_name

CLASSES: dict[str, Any] = {
    "classes": [
        {
            "id": "anticoagulant",
            "name": "Anticoagulants",
            "singular": "an anticoagulant",
            "description": "Medicines that slow blood clotting.",
        },
        {
            "id": "nsaid",
            "name": "NSAIDs",
            "singular": "an NSAID",
            "description": "Non-steroidal anti-inflammatory drugs such as ibuprofen.",
        },
        {
            "id": "corticosteroid",
            "name": "Corticosteroids",
            "singular": "a corticosteroid",
            "description": "Steroid anti-inflammatory medicines.",
        },
    ]
}

MEDICATIONS: dict[str, Any] = {
    "medications": [
        {
            "id": "warfarin",
            "name": "warfarin",
            "brands": ["Coumadin", "Jantoven"],
            "synonyms": ["warfarin sodium"],
            "classes": ["anticoagulant"],
        },
        {
            "id": "ibuprofen",
            "name": "ibuprofen",
            "brands": ["Advil", "Motrin", "Nurofen"],
            "synonyms": [],
            "classes": ["nsaid"],
        },
        {
            "id": "naproxen",
            "name": "naproxen",
            "brands": ["Aleve", "Naprosyn"],
            "synonyms": [],
            "classes": ["nsaid"],
        },
        {
            "id": "acetaminophen",
            "name": "acetaminophen",
            "brands": ["Tylenol", "Panadol"],
            "synonyms": ["paracetamol", "APAP"],
            "classes": [],
        },
        {
            "id": "simvastatin",
            "name": "simvastatin",
            "brands": ["Zocor"],
            "synonyms": [],
            "classes": [],
        },
        {
            "id": "iodinated-contrast",
            "name": "iodinated contrast",
            "brands": ["Omnipaque"],
            "synonyms": ["contrast dye", "contrast media"],
            "classes": [],
        },
        {
            "id": "st-johns-wort",
            "name": "St. John's Wort",
            "brands": [],
            "synonyms": ["hypericum"],
            "classes": [],
        },
        {
            "id": "co-codamol",
            "name": "co-codamol",
            "brands": ["Solpadol"],
            "synonyms": [],
            "classes": [],
        },
        {
            "id": "prednisone",
            "name": "prednisone",
            "brands": ["Deltasone"],
            "synonyms": [],
            "classes": ["corticosteroid"],
        },
        {
            "id": "prednisolone",
            "name": "prednisolone",
            "brands": ["Orapred"],
            "synonyms": [],
            "classes": ["corticosteroid"],
        },
    ]
}


def write_kb(tmp_path: Path, medications: Any, classes: Any) -> tuple[Path, Path]:
    """Write the two documents as JSON files, as they would be shipped."""
    med_path = tmp_path / "medications.json"
    cls_path = tmp_path / "classes.json"
    med_path.write_text(json.dumps(medications), encoding="utf-8")
    cls_path.write_text(json.dumps(classes), encoding="utf-8")
    return med_path, cls_path


@pytest.fixture()
def formulary(tmp_path: Path) -> Formulary:
    """The inline knowledge base, loaded through the file path like the real one."""
    return Formulary.from_files(*write_kb(tmp_path, MEDICATIONS, CLASSES))


def load_broken(tmp_path: Path, mutate: Any) -> None:
    """Load a copy of the inline data after ``mutate(meds, classes)`` breaks it."""
    meds, classes = copy.deepcopy(MEDICATIONS), copy.deepcopy(CLASSES)
    mutate(meds, classes)
    Formulary.from_files(*write_kb(tmp_path, meds, classes))


# --------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("St. John's Wort", "st johns wort"),
        ("st johns wort", "st johns wort"),
        ("  ST.  JOHN\u2019S   WORT ", "st johns wort"),
        ("Co-codamol", "co codamol"),
        ("co codamol", "co codamol"),
        ("Advil ", "advil"),
        ("\uff21\uff44\uff56\uff49\uff4c", "advil"),  # full-width letters (NFKC)
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),  # casefold, not lower
        ("vitamin B12", "vitamin b12"),
        ("!!!", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_compact_removes_spaces() -> None:
    assert compact("St. John's Wort") == compact("StJohnsWort") == "stjohnswort"
    assert compact("Co-codamol") == compact("co codamol") == compact("cocodamol")


# --------------------------------------------------------------------- exact resolution


@pytest.mark.parametrize(
    ("typed", "med_id", "matched", "kind"),
    [
        ("warfarin", "warfarin", "warfarin", "name"),
        ("Coumadin", "warfarin", "Coumadin", "brand"),
        ("COUMADIN", "warfarin", "Coumadin", "brand"),
        ("warfarin sodium", "warfarin", "warfarin sodium", "synonym"),
        ("Advil ", "ibuprofen", "Advil", "brand"),
        ("Tylenol", "acetaminophen", "Tylenol", "brand"),
        ("paracetamol", "acetaminophen", "paracetamol", "synonym"),
        ("contrast dye", "iodinated-contrast", "contrast dye", "synonym"),
        ("Contrast-Dye", "iodinated-contrast", "contrast dye", "synonym"),
        ("st johns wort", "st-johns-wort", "St. John's Wort", "name"),
        ("StJohnsWort", "st-johns-wort", "St. John's Wort", "name"),
        ("Co-codamol", "co-codamol", "co-codamol", "name"),
        ("co codamol", "co-codamol", "co-codamol", "name"),
        ("Tylenol (acetaminophen)", "acetaminophen", "Tylenol", "brand"),
    ],
)
def test_resolve_exact(
    formulary: Formulary, typed: str, med_id: str, matched: str, kind: str
) -> None:
    res = formulary.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id
    assert res.matched_name == matched
    assert res.matched_kind == kind
    assert res.is_brand is (kind == "brand")
    assert res.corrected is False
    assert res.suggestions == ()
    assert res.query == typed.strip()


def test_brand_with_wrong_generic_is_not_exact(formulary: Formulary) -> None:
    res = formulary.resolve("Tylenol (ibuprofen)")
    assert res.corrected or res.medication is None


# --------------------------------------------------------------------- fuzzy resolution


@pytest.mark.parametrize(
    ("typed", "med_id", "matched"),
    [
        ("warfrin", "warfarin", "warfarin"),
        ("ibuprofin", "ibuprofen", "ibuprofen"),
        ("simvastatn", "simvastatin", "simvastatin"),
        ("tylenl", "acetaminophen", "Tylenol"),
        ("paracetamole", "acetaminophen", "paracetamol"),
        ("Coumadine", "warfarin", "Coumadin"),
    ],
)
def test_resolve_typo_is_corrected(
    formulary: Formulary, typed: str, med_id: str, matched: str
) -> None:
    res = formulary.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id
    assert res.corrected is True
    assert res.matched_name == matched


@pytest.mark.parametrize("typed", ["xyz", "asdfgh", "qqqqqqqq", "a", "zz", "aspirin"])
def test_nonsense_is_not_force_matched(formulary: Formulary, typed: str) -> None:
    res = formulary.resolve(typed)
    assert res.medication is None
    assert res.corrected is False
    assert len(res.suggestions) <= 3


def test_blank_is_unresolved(formulary: Formulary) -> None:
    res = formulary.resolve("   ")
    assert res.medication is None and res.suggestions == () and res.query == ""


def test_ambiguous_typo_gives_suggestions_that_resolve(formulary: Formulary) -> None:
    # Equally close to prednisone and prednisolone: must not pick one.
    res = formulary.resolve("prednislone")
    assert res.medication is None
    assert 1 <= len(res.suggestions) <= 3
    assert {"prednisone", "prednisolone"} <= set(res.suggestions)


@pytest.mark.parametrize("typed", ["ibu", "warf 5mg", "tylen0l extra", "naprox", "asdfgh"])
def test_suggestions_resolve_when_typed_back(formulary: Formulary, typed: str) -> None:
    res = formulary.resolve(typed)
    assert len(res.suggestions) <= 3
    ids = []
    for suggestion in res.suggestions:
        back = formulary.resolve(suggestion)
        assert back.medication is not None, suggestion
        assert back.corrected is False, suggestion
        ids.append(back.medication.id)
    assert len(ids) == len(set(ids)), "suggestions must be distinct medications"


def test_brand_suggestion_shows_generic(formulary: Formulary) -> None:
    assert "Aleve (naproxen)" in formulary.suggest("alev")


# --------------------------------------------------------------------- autocomplete


def test_complete_generic_before_brand_before_substring(formulary: Formulary) -> None:
    assert formulary.complete("napr") == ["naproxen", "Naprosyn"]
    assert formulary.complete("na")[:2] == ["naproxen", "Naprosyn"]
    # prefix "pred": generics, then brands; then substring matches
    assert formulary.complete("pred") == ["prednisolone", "prednisone", "Orapred"]
    # "co": co-codamol (generic), Coumadin (brand), then "contrast ..." synonyms,
    # then substring matches such as "iodinated contrast"
    out = formulary.complete("co")
    assert out[:2] == ["co-codamol", "Coumadin"]
    assert out.index("iodinated contrast") > out.index("contrast dye")


def test_complete_normalises_prefix(formulary: Formulary) -> None:
    assert formulary.complete("CO COD") == ["co-codamol"]
    assert formulary.complete("cocod") == ["co-codamol"]
    assert formulary.complete("st. john") == ["St. John's Wort"]
    assert formulary.complete("") == []
    assert formulary.complete("  ") == []


def test_complete_limit(formulary: Formulary) -> None:
    assert len(formulary.complete("o", limit=3)) == 3
    assert formulary.complete("o", limit=0) == []


def test_members(formulary: Formulary) -> None:
    assert [m.id for m in formulary.members("nsaid")] == ["ibuprofen", "naproxen"]
    assert formulary.members("no-such-class") == ()


# --------------------------------------------------------------------- validation


def _unknown_class(meds: Any, classes: Any) -> None:
    meds["medications"][0]["classes"] = ["anticoagulant", "blood_thinner"]


def _duplicate_med_id(meds: Any, classes: Any) -> None:
    meds["medications"][1]["id"] = "warfarin"


def _duplicate_class_id(meds: Any, classes: Any) -> None:
    classes["classes"][1]["id"] = "anticoagulant"


def _name_claimed_twice(meds: Any, classes: Any) -> None:
    meds["medications"][1]["synonyms"] = ["Warfarin-Sodium"]


def _empty_name(meds: Any, classes: Any) -> None:
    meds["medications"][2]["name"] = "  "


def _empty_brand(meds: Any, classes: Any) -> None:
    meds["medications"][2]["brands"] = ["Aleve", ""]


def _punctuation_only_name(meds: Any, classes: Any) -> None:
    meds["medications"][2]["brands"] = ["---"]


def _empty_singular(meds: Any, classes: Any) -> None:
    classes["classes"][0]["singular"] = ""


def _empty_alias(meds: Any, classes: Any) -> None:
    classes["classes"][0]["aliases"] = ["blood thinner", " "]


def _bad_med_id(meds: Any, classes: Any) -> None:
    meds["medications"][0]["id"] = "Warfarin Sodium"


def _missing_list(meds: Any, classes: Any) -> None:
    del meds["medications"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_unknown_class, "unknown class id 'blood_thinner'"),
        (_duplicate_med_id, "duplicate medication id 'warfarin'"),
        (_duplicate_class_id, "duplicate class id 'anticoagulant'"),
        (_name_claimed_twice, "normalise to the same key 'warfarinsodium'"),
        (_empty_name, "medication 'naproxen': field 'name' must be a non-empty string"),
        (_empty_brand, "medication 'naproxen': 'brands' contains an empty"),
        (_punctuation_only_name, "no letters or digits"),
        (_empty_singular, "class 'anticoagulant': field 'singular'"),
        (_empty_alias, "class 'anticoagulant': 'aliases' contains an empty"),
        (_bad_med_id, "id must be lowercase words"),
        (_missing_list, "expected an object with a 'medications' list"),
    ],
)
def test_validation_rejects_bad_data(tmp_path: Path, mutate: Any, message: str) -> None:
    with pytest.raises(ValueError, match="invalid") as info:
        load_broken(tmp_path, mutate)
    assert message in str(info.value)


def test_validation_rejects_invalid_json(tmp_path: Path) -> None:
    med_path, cls_path = write_kb(tmp_path, MEDICATIONS, CLASSES)
    med_path.write_text('{"medications": [', encoding="utf-8")
    with pytest.raises(ValueError, match="invalid JSON"):
        Formulary.from_files(med_path, cls_path)


def test_validation_reports_all_problems_at_once(tmp_path: Path) -> None:
    def mutate(meds: Any, classes: Any) -> None:
        _unknown_class(meds, classes)
        _empty_name(meds, classes)

    with pytest.raises(ValueError) as info:
        load_broken(tmp_path, mutate)
    # field-shape errors are reported first; fix them and the cross-check error remains
    assert "'naproxen'" in str(info.value)


# --------------------------------------------------------------------- real package data


@pytest.fixture(scope="module")
def real() -> Formulary:
    """The shipped formulary; skipped while the data files are still being written."""
    try:
        return default_formulary()
    except FileNotFoundError as exc:
        pytest.skip(f"package data not present yet: {exc}")


@pytest.mark.parametrize(
    ("typed", "med_id"),
    [
        ("Coumadin", "warfarin"),
        ("Advil", "ibuprofen"),
        ("Tylenol", "acetaminophen"),
        ("paracetamol", "acetaminophen"),
        ("contrast dye", "iodinated-contrast"),
        ("lisinopril", "lisinopril"),
        ("spironolactone", "spironolactone"),
        ("metformin", "metformin"),
    ],
)
def test_real_exact_names(real: Formulary, typed: str, med_id: str) -> None:
    res = real.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id
    assert res.corrected is False


@pytest.mark.parametrize(
    ("typed", "med_id"),
    [
        ("warfrin", "warfarin"),
        ("ibuprofin", "ibuprofen"),
        ("simvastatn", "simvastatin"),
        ("tylenl", "acetaminophen"),
        # One letter off a short name, which the ratio scores too low: one medicine that near.
        ("xanex", "alprazolam"),
        ("pepsid", "famotidine"),
        ("ambian", "zolpidem"),
    ],
)
def test_real_typos(real: Formulary, typed: str, med_id: str) -> None:
    res = real.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id
    assert res.corrected is True


@pytest.mark.parametrize(
    ("typed", "med_id"),
    [
        ("lisinopril 10mg", "lisinopril"),
        ("Zoloft 50 mg tablets", "sertraline"),
        ("aspirin 81", "aspirin"),
        ("Xanax 0.5", "alprazolam"),
        ("metoprolol succinate ER 25 mg", "metoprolol"),
        ("losartan potassium 50mg", "losartan"),
        ("tramadol HCl", "tramadol"),
        ("doxycycline hyclate 100", "doxycycline"),
        ("Bactrim DS", "sulfamethoxazole-trimethoprim"),
        ("Zithromax Z-Pak", "azithromycin"),
        ("amoxicillin 500mg caps", "amoxicillin"),
        ("levothyroxine 75 mcg", "levothyroxine"),
        ("potassium chloride 20 mEq", "potassium-chloride"),
        ("insulin glargine 100 units/mL", "insulin-glargine"),
        ("Percocet 5/325", "oxycodone-acetaminophen"),
        ("ibuprofin 400mg", "ibuprofen"),  # a typo as well
        ("Prilosec OTC", "omeprazole"),
        ("Advil Liqui-Gels", "ibuprofen"),
        ("Zyrtec 24 hour", "cetirizine"),
        ("Children's Motrin", "ibuprofen"),
        ("Eliquis 5mg BID", "apixaban"),
        ("Xarelto 20 mg once daily", "rivaroxaban"),
        ("metoprolol 25 mg twice a day", "metoprolol"),
        ("aspirin 75mg dispersible", "aspirin"),  # UK label words
        ("Isosorbide mononitrate MR", "isosorbide-mononitrate"),
        ("omeprazole gastro-resistant capsules 20mg", "omeprazole"),
        ("citalopram hydrobromide", "citalopram"),
        ("rosuvastatin calcium 10 mg", "rosuvastatin"),
        ("hydroxychloroquine sulfate 200", "hydroxychloroquine"),
        # The maker or the pharmacy's own brand: Canadian generics, retailers' packs.
        ("Apo-Metformin", "metformin"),
        ("TEVA-AMLODIPINE 5MG", "amlodipine"),
        ("pms-Sertraline", "sertraline"),
        ("Boots Paracetamol 500mg caplets", "acetaminophen"),
        ("Equate Ibuprofen", "ibuprofen"),
        ("Sainsbury's ibuprofen", "ibuprofen"),
        ("Amlodipine Sandoz", "amlodipine"),
        ("atorvastatin (Mylan)", "atorvastatin"),
        ("Apo-Warfarn", "warfarin"),  # a typo as well
        # A pen, a pack or a form's word, and a salt read after them.
        ("Lantus Solostar", "insulin-glargine"),
        ("Ozempic 1mg pen", "semaglutide"),
        ("Medrol Dosepak", "methylprednisolone"),
        ("Cardizem CD", "diltiazem"),
        ("Zyrtec Allergy", "cetirizine"),
        ("nitroglycerin 0.4 mg SL", "nitroglycerin"),
        ("ferrous sulfate 325mg", "ferrous-sulfate"),  # the salt is the name here
        # An inhaler's device name: the medicine, in its inhaled form where it has one.
        ("ProAir HFA", "albuterol"),
        ("Ventolin Evohaler 100 micrograms", "albuterol"),
        ("salbutamol nebules", "albuterol"),
        ("Spiriva Respimat", "tiotropium"),
        ("Seretide Accuhaler", "fluticasone-salmeterol"),
        ("Symbicort Turbuhaler", "budesonide-formoterol"),  # not Pulmicort Turbuhaler
        ("budesonide Turbuhaler", "budesonide-inhaled"),  # not the capsules
        # A nasal spray: the nasal product where there is one, else the medicine itself.
        ("fluticasone nose spray 50 mcg", "fluticasone-nasal"),
        ("Flonase nasal spray", "fluticasone-nasal"),
        ("mometasone spray", "mometasone-nasal"),
        ("budesonide nasal", "budesonide-nasal"),
        ("GTN spray", "nitroglycerin"),
        # A skin form: the topical product where there is one.
        ("diclofenac cream", "diclofenac-topical"),
        ("ibuprofen gel 5%", "ibuprofen-topical"),
    ],
)
def test_real_names_as_copied_from_a_label(real: Formulary, typed: str, med_id: str) -> None:
    """Strengths, oral forms, release types and salts are read past, and the answer says
    what was read (corrected), as for a typo."""
    res = real.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id
    assert res.corrected is True and res.query == typed


@pytest.mark.parametrize(
    ("typed", "med_id"),
    [
        ("ibuprophen", "ibuprofen"),  # ph for f: a fuzzy score alone stops short
        ("zyrtek", "cetirizine"),
        ("sulphasalazine", "sulfasalazine"),
        ("fenobarbital", "phenobarbital"),
        ("diklofenak", "diclofenac"),
        ("zanax", "alprazolam"),  # a first x sounds as z
        ("Zarelto", "rivaroxaban"),
        ("cocodomol", "acetaminophen-codeine"),  # co-codamol without its hyphen, misspelt
    ],
)
def test_names_spelled_by_ear(real: Formulary, typed: str, med_id: str) -> None:
    res = real.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id
    assert res.corrected is True


@pytest.mark.parametrize("typed", ["vitamin C", "vitaminc", "vitamin c 1000mg"])
def test_a_one_letter_difference_is_never_heard_as_another_vitamin(
    real: Formulary, typed: str
) -> None:
    """Vitamin K reverses warfarin: vitamin C must never be read as it."""
    res = real.resolve(typed)
    assert res.medication is None or res.medication.id != "phytonadione"


def test_a_sound_two_medicines_share_belongs_to_neither(tmp_path: Path) -> None:
    meds = copy.deepcopy(MEDICATIONS)
    meds["medications"][0]["brands"].append("Kalmo")  # warfarin
    meds["medications"][1]["brands"].append("Calmo")  # ibuprofen: sounds the same
    formulary = Formulary.from_files(*write_kb(tmp_path, meds, CLASSES))
    assert formulary.resolve("ckalmo").medication is None  # as near to both by ear and by eye
    assert formulary.resolve("Kalmo").medication.id == "warfarin"  # exact names still work
    assert formulary.resolve("Calmo").medication.id == "ibuprofen"


SOURCE = {"title": "A label (DailyMed)", "url": "https://dailymed.nlm.nih.gov/dailymed/"}
NOT_COVERED = {"medicines": [{"names": ["warfarinox", "Ibuprax"], "sources": [SOURCE]}]}


def test_a_medicine_not_covered_is_never_corrected_into_one_that_is() -> None:
    """A real medicine the data does not hold stays unknown, without suggestions of its
    look-alikes, and so does a misspelling nearer to it than to a held one."""
    plain = Formulary.from_data(MEDICATIONS, CLASSES)
    assert plain.resolve("warfarinox").medication.id == "warfarin"  # read as a typo
    formulary = Formulary.from_data(MEDICATIONS, CLASSES, NOT_COVERED)
    for typed in ("warfarinox", "Warfarinox 5 mg", "warfarinoxx", "ibuprax"):
        res = formulary.resolve(typed)
        assert res.medication is None and not res.corrected, typed
    assert formulary.resolve("warfarinox").suggestions == ()
    assert formulary.resolve("warfarinoxx").suggestions == ()  # nor does a misspelling of it
    assert formulary.resolve("warfrin").medication.id == "warfarin"  # still a typo of warfarin


def test_a_not_covered_name_may_not_be_a_held_medicines_name() -> None:
    clash = {"medicines": [{"names": ["Coumadin"], "sources": [SOURCE]}]}
    with pytest.raises(ValueError, match="not-covered name 'coumadin' is the name of 'warfarin'"):
        Formulary.from_data(MEDICATIONS, CLASSES, clash)
    unsourced = {"medicines": [{"names": ["quinine"]}]}
    with pytest.raises(ValueError, match="needs at least one source"):
        Formulary.from_data(MEDICATIONS, CLASSES, unsourced)


@pytest.mark.parametrize(
    ("typed", "not_read_as"),
    [
        ("quinine", "quinidine"),
        ("tretinoin", "isotretinoin"),
        ("olopatadine", "loratadine"),
        ("famciclovir", "acyclovir"),
        ("Alka-Seltzer Plus", "aspirin-citric-acid-sodium-bicarbonate"),
        ("Robitussin", "dextromethorphan-guaifenesin"),
        ("DHEA", "dihydroergotamine"),
        ("penicillamine", "penicillin-v"),
        ("valganciclovir", "valacyclovir"),
        ("Noroxin", "levothyroxine"),
        ("ampicillin", "amoxicillin"),
        ("iodine", "etodolac"),  # Lodine
    ],
)
def test_real_medicines_not_held_are_not_read_as_their_look_alikes(
    real: Formulary, typed: str, not_read_as: str
) -> None:
    res = real.resolve(typed)
    assert res.medication is None, f"{typed} read as {res.medication.id}"


@pytest.mark.parametrize("typed", ["Benylin Dry Coughs", "Sudafed Blocked Nose"])
def test_a_word_fewer_than_a_product_name_is_not_read_as_that_product(
    real: Formulary, typed: str
) -> None:
    """'Benylin Dry Coughs' is a line of two products (Original and Night) and 'Sudafed
    Blocked Nose' names capsules and a spray: a missing word is not a typo."""
    res = real.resolve(typed)
    assert res.medication is None and res.suggestions


def test_a_strength_missing_from_a_name_is_still_read(real: Formulary) -> None:
    res = real.resolve("polyethylene glycol")
    assert res.medication is not None and res.medication.id == "polyethylene-glycol-3350"


@pytest.mark.parametrize("typed", ["hydrocortisone cream", "amoxicillin ointment"])
def test_a_skin_form_is_never_read_as_the_tablets(real: Formulary, typed: str) -> None:
    """Rules written for tablets would overstate a cream: without a topical product in the
    data the name stays unknown (with suggestions), never the oral medicine."""
    assert real.resolve(typed).medication is None


@pytest.mark.parametrize(
    ("typed", "med_id"),
    [("Entocort", "budesonide"), ("Nurtec", "rimegepant"), ("xtampza", "oxycodone")],
)
def test_a_brand_without_its_release_type(real: Formulary, typed: str, med_id: str) -> None:
    res = real.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id


@pytest.mark.parametrize(
    ("typed", "med_id"),
    [
        ("apixaban Eliquis", "apixaban"),
        ("Lixiana edoxaban 60mg", "edoxaban"),
        ("paracetamol Panadol", "acetaminophen"),
    ],
)
def test_a_brand_and_its_generic_side_by_side(real: Formulary, typed: str, med_id: str) -> None:
    res = real.resolve(typed)
    assert res.medication is not None and res.medication.id == med_id and res.corrected


def test_two_medicines_side_by_side_are_not_read_as_one(real: Formulary) -> None:
    assert real.resolve("Advil Tylenol").medication is None


def test_a_nasal_spray_is_not_the_capsules(real: Formulary) -> None:
    for spray, ingredient in (("Rhinocort", "budesonide"), ("Beconase", "beclomethasone")):
        product = real.resolve(spray).medication
        assert product is not None and product.route == "nasal"
        assert [m.id for m in real.components(product)] == [ingredient]


def test_a_bare_brand_never_takes_another_medicines_name(real: Formulary) -> None:
    # "Zantac 360" is famotidine; "Zantac" was ranitidine, and in the US may be either:
    # never read one as the other alone.
    assert real.resolve("Zantac 360").medication.id == "famotidine"
    assert real.resolve("Zantac", country="UK").medication.id == "ranitidine"
    us = real.resolve("Zantac", country="US").medication
    assert us is not None and set(us.variants) == {"famotidine", "ranitidine"}


@pytest.mark.parametrize(
    ("typed", "read_as", "not_as"),
    [
        # The words that change what is taken stay: a product number, a combination, a route.
        ("Tylenol #3 300/30mg", "Tylenol 3", "Tylenol"),
        ("Tylenol PM extra strength", "Tylenol PM", "Tylenol"),
        ("ibuprofen 5% gel", "ibuprofen gel", "ibuprofen"),
    ],
)
def test_real_label_words_that_matter_are_kept(
    real: Formulary, typed: str, read_as: str, not_as: str
) -> None:
    res, meant, other = real.resolve(typed), real.resolve(read_as), real.resolve(not_as)
    assert res.medication is not None and meant.medication is not None
    assert other.medication is not None
    assert res.medication.id == meant.medication.id != other.medication.id


@pytest.mark.parametrize(
    ("typed", "maker_alone"), [("vitamin D and calcium", None), ("Boots", "Boots")]
)
def test_real_a_maker_or_salt_word_is_not_read_past_into_another_medicine(
    real: Formulary, typed: str, maker_alone: str | None
) -> None:
    """A second ingredient is not a salt, and a maker's name alone names no medicine."""
    res = real.resolve(typed)
    if maker_alone:
        assert res.medication is None
        return
    assert res.medication is not None
    assert {m.id for m in real.components(res.medication)} == {
        "calcium-carbonate",
        "cholecalciferol",
    }


@pytest.mark.parametrize(
    "typed", ["Sudafed Day and Night", "Codral Cold and Flu", "Lemsip Cough and Cold"]
)
def test_real_suggestions_share_more_than_a_joining_word(real: Formulary, typed: str) -> None:
    """An unknown product named "X and Y" is not near every combination named "A and B"."""
    res = real.resolve(typed)
    assert res.medication is None and res.suggestions
    typed_words = set(normalise(typed).split()) - {"and"}
    for suggestion in res.suggestions:
        assert typed_words & set(normalise(suggestion).split()), suggestion


@pytest.mark.parametrize("typed", ["xyz", "asdfgh", "qwertyuiop", "zzzz"])
def test_real_nonsense(real: Formulary, typed: str) -> None:
    res = real.resolve(typed)
    assert res.medication is None
    assert len(res.suggestions) <= 3
    for suggestion in res.suggestions:
        back = real.resolve(suggestion)
        assert back.medication is not None and not back.corrected, suggestion


@pytest.mark.parametrize(
    ("typed", "groups", "member"),
    [
        ("statin", ("Statins",), "atorvastatin"),  # not corrected into nystatin
        ("Statins", ("Statins",), "simvastatin"),
        ("an SSRI", None, None),  # the article is not part of the word
        ("NSAIDs", ("NSAIDs",), "ibuprofen"),
        ("beta blocker", ("Beta blockers",), "metoprolol"),
        ("gabapentinoid", ("Gabapentinoids",), "pregabalin"),  # not corrected into gabapentin
        ("blood thinners", ("Anticoagulants", "Antiplatelet medicines"), "clopidogrel"),
        ("water pill", None, "furosemide"),
        ("birth control", ("Hormonal contraceptives",), "levonorgestrel"),
        ("statins 20 mg", ("Statins",), "rosuvastatin"),
    ],
)
def test_real_group_words_ask_which_medicine(
    real: Formulary, typed: str, groups: tuple[str, ...] | None, member: str | None
) -> None:
    res = real.resolve(typed)
    assert res.medication is None
    if groups is None and member is None:
        assert not res.groups
        return
    assert res.groups == groups if groups else len(res.groups) == 3
    assert member in res.suggestions
    # Several groups are shown in turn, so each has a member among the first few.
    for group in res.groups:
        cls = next(c for c in real.classes.values() if c.name == group)
        assert {m.name for m in real.members(cls.id)} & set(res.suggestions)
    for suggestion in res.suggestions:
        assert real.resolve(suggestion).medication is not None


def test_real_a_medicine_named_like_its_group_stays_the_medicine(real: Formulary) -> None:
    for typed, med_id in (("tetracycline", "tetracycline"), ("insulin", "insulin")):
        res = real.resolve(typed)
        assert res.medication is not None and res.medication.id.startswith(med_id), typed
        assert not res.groups


def test_real_every_class_has_members(real: Formulary) -> None:
    empty = sorted(c for c in real.classes if not real.members(c))
    assert not empty, f"classes without members: {empty}"


def test_real_every_name_resolves_to_itself(real: Formulary) -> None:
    """Every name resolves to its medication; a brand sold only in some countries, there."""
    for med in real.medications.values():
        limited = dict(med.brand_countries)
        for name in (med.name, *med.brands, *med.synonyms):
            for country in limited.get(name, (None,)):
                res = real.resolve(name, country)
                if res.medication is not None and res.medication.meanings:
                    # Several meanings in that country: each is kept, this one among them.
                    assert med.id in dict(res.medication.meanings), (name, country)
                    continue
                assert res.medication is med and not res.corrected, (name, country)


def test_complete_word_start_before_other_substrings(formulary: Formulary) -> None:
    assert formulary.complete("contrast") == [
        "contrast dye",
        "contrast media",
        "iodinated contrast",
    ]
    assert formulary.complete("media") == ["contrast media"]


def test_short_name_inside_longer_query_is_not_suggested(formulary: Formulary) -> None:
    # "APAP" occurs inside the query but is only an abbreviation: no suggestion from it
    assert all("APAP" not in s for s in formulary.resolve("zapapolol").suggestions)
    # typed alone, an abbreviation still resolves
    assert formulary.resolve("apap").matched_name == "APAP"


def test_real_every_name_can_be_typed_into_the_forms(real: Formulary) -> None:
    """A name the validation refuses could never be checked, nor offered as a suggestion."""
    refused = [
        name
        for med in real.medications.values()
        for name in (med.name, *med.brands, *med.synonyms)
        if clean_name(name, "name")[1] is not None
    ]
    assert not refused, refused


def test_real_every_suggestion_form_resolves_back(real: Formulary) -> None:
    """Suggestions read "brand (generic)"; each such text must resolve to that medicine."""
    problems = []
    for med in real.medications.values():
        limited = dict(med.brand_countries)
        for name in (*med.brands, *med.synonyms):
            for country in limited.get(name, (None,)):
                res = real.resolve(f"{name} ({med.name})", country)
                if res.medication is None or res.medication.id != med.id:
                    problems.append((name, med.name, country))
    assert not problems, problems


@pytest.mark.parametrize(
    ("brand", "progestin"),
    [
        ("Microgynon", "levonorgestrel"),
        ("Femodene", "gestodene"),
        ("Marvelon", "desogestrel"),
        ("Loestrin", "norethindrone"),
        ("Sprintec", "norgestimate"),
    ],
)
def test_real_a_combined_pill_holds_its_progestin(
    real: Formulary, brand: str, progestin: str
) -> None:
    res = real.resolve(brand)
    assert res.medication is not None
    assert {m.id for m in real.components(res.medication)} == {"ethinyl-estradiol", progestin}


def test_real_bare_solpadeine_is_checked_as_each_of_its_lines(real: Formulary) -> None:
    """Solpadeine Plus has caffeine, Max has none, Headache has no codeine."""
    res = real.resolve("Solpadeine")
    assert res.medication is not None and res.medication.is_family
    assert {v.id for v in real.variants(res.medication)} == {
        "acetaminophen-caffeine-codeine",
        "acetaminophen-codeine",
        "acetaminophen-caffeine",
    }


def test_one_letter_off_two_medicines_is_no_typo(tmp_path: Path) -> None:
    meds = copy.deepcopy(MEDICATIONS)
    meds["medications"][0]["brands"].append("Varfex")  # warfarin
    meds["medications"][1]["brands"].append("Varmex")  # ibuprofen: one letter from it
    formulary = Formulary.from_files(*write_kb(tmp_path, meds, CLASSES))
    assert formulary.resolve("Varfex").medication.id == "warfarin"
    assert formulary.resolve("Varlex").medication is None  # one letter from each
    corrected = formulary.resolve("Varfez")  # one letter from Varfex only
    assert corrected.medication.id == "warfarin" and corrected.corrected
    # One letter from a medicine we do not hold too, though its name is two words.
    assert formulary.resolve("Varfeb").medication.id == "warfarin"  # one letter from Varfex
    not_held = {"medicines": [{"names": ["Var Feeb"], "sources": [SOURCE]}]}
    guarded = Formulary.from_data(meds, CLASSES, not_held)
    assert guarded.resolve("Varfeb").medication is None


@pytest.mark.parametrize("typed", ["Tylenol 5", "Benylin DM"])
def test_real_a_digit_or_a_word_is_not_a_one_letter_typo(real: Formulary, typed: str) -> None:
    res = real.resolve(typed)
    assert res.medication is None or not res.corrected
