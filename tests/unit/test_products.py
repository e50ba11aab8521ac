"""Combination products, brand families and route: resolution, expansion and attribution.

The data-driven tests walk every product in the shipped knowledge base; the validation
tests use a small inline formulary so each rule of the data format is shown to fail.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mediphant.domain.interactions import Checker, Severity, default_checker
from mediphant.domain.medications import Formulary, Medication


@pytest.fixture(scope="module")
def real() -> Checker:
    return default_checker()


def _products(checker: Checker) -> list[Medication]:
    return [m for m in checker.formulary.medications.values() if m.is_product]


def _families(checker: Checker) -> list[Medication]:
    return [m for m in checker.formulary.medications.values() if m.is_family]


# --------------------------------------------------------------------- every product


def test_there_are_products_and_families(real: Checker) -> None:
    assert len(_products(real)) >= 40
    assert {f.id for f in _families(real)} >= {"nyquil", "dayquil", "excedrin", "lemsip"}


def test_every_product_name_resolves_to_it_and_expands(real: Checker) -> None:
    f = real.formulary
    for product in _products(real) + _families(real):
        assert f.components(product) or f.variants(product), product.id
        assert product.sources and all(s.url.startswith("https://") for s in product.sources)
        limited = dict(product.brand_countries)
        for name in (product.name, *product.brands, *product.synonyms):
            for country in limited.get(name, (None,)):
                res = f.resolve(name, country)
                assert res.medication is not None and res.medication.id == product.id, name
                assert not res.corrected


def test_every_product_typed_as_its_ingredients_in_any_order_resolves_to_it(
    real: Checker,
) -> None:
    f = real.formulary
    for product in _products(real):
        names = [f.get(i).name for i in product.ingredients]
        if len(names) < 2:  # a route of one medicine ("budesonide-inhaled")
            continue
        for typed in (
            " / ".join(reversed(names)),
            " and ".join(names),
            "+".join(names[1:] + names[:1]),
        ):
            res = f.resolve(typed)
            assert res.medication is not None and res.medication.id == product.id, typed


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("trimethoprim/sulfamethoxazole", "sulfamethoxazole-trimethoprim"),
        ("clavulanate + amoxicillin", "amoxicillin-clavulanate"),
        ("APAP/hydrocodone", "hydrocodone-acetaminophen"),
        ("HCTZ and losartan", "losartan-hydrochlorothiazide"),
    ],
)
def test_a_combination_named_in_another_order_or_by_synonyms(
    real: Checker, typed: str, expected: str
) -> None:
    res = real.formulary.resolve(typed)
    assert res.medication is not None and res.medication.id == expected


@pytest.mark.parametrize("typed", ["warfarin/aspirin", "ibuprofen and warfarin"])
def test_two_medicines_in_one_field_that_no_product_combines_stay_unknown(
    real: Checker, typed: str
) -> None:
    assert real.formulary.resolve(typed).medication is None
    assert real.check(typed, "omeprazole").status == "unknown"


def test_every_product_is_a_duplicate_of_each_ingredient(real: Checker) -> None:
    problems = []
    for product in _products(real):
        typed = product.brands[0] if product.brands else product.name
        for ingredient in real.formulary.components(product):
            result = real.check(typed, ingredient.name)
            ids = {x.rule_id for x in result.findings}
            if f"duplicate:{ingredient.id}" not in ids:
                problems.append(f"{typed} + {ingredient.name}: {ids}")
            elif ingredient.is_product or not result.is_potentially_risky:
                problems.append(f"{typed} + {ingredient.name}: not flagged")
    assert not problems, "\n".join(problems)


def test_every_product_reports_its_ingredients_in_the_api(real: Checker) -> None:
    for product in _products(real):
        api = real.check(product.name, "warfarin").to_api()
        names = [i.name for i in real.formulary.components(product)]
        assert api["resolved"][0]["ingredients"] == names
        assert api["resolved"][0]["name"] == product.name


# --------------------------------------------------------------------- expansion, attribution


def test_nyquil_and_tylenol_double_acetaminophen_with_daily_maximum(real: Checker) -> None:
    result = real.check("NyQuil Cold and Flu", "Tylenol")
    assert result.status == "duplicate"
    assert result.severity == Severity.MAJOR.value
    assert result.reason == "NyQuil Cold and Flu and Tylenol both contain acetaminophen"
    assert "NyQuil Cold and Flu contains acetaminophen" in result.explanation
    assert "4,000 mg" in result.advice
    assert any("fda.gov" in s.url for s in result.sources)
    assert result.to_api()["ingredients"] == ["acetaminophen"]


def test_two_products_share_an_ingredient(real: Checker) -> None:
    result = real.check("Tylenol PM", "Advil PM")
    dup = {f.rule_id: f for f in result.findings}["duplicate:diphenhydramine"]
    assert dup.reason == "Tylenol PM and Advil PM both contain diphenhydramine"
    assert "4,000 mg" not in dup.advice  # the daily maximum is acetaminophen's
    # Both also bring their own ingredients: Tylenol PM's acetaminophen is no duplicate here.
    assert "duplicate:acetaminophen" not in {f.rule_id for f in result.findings}


def test_product_and_other_product_each_finding_names_its_ingredient(real: Checker) -> None:
    result = real.check("NyQuil Cold and Flu", "Nardil")
    assert result.severity == Severity.CONTRAINDICATED.value
    lead = result.findings[0]
    assert lead.explanation.startswith("NyQuil Cold and Flu contains dextromethorphan")
    assert lead.ingredients == ("dextromethorphan",)


def test_sedative_stacking_through_a_product(real: Checker) -> None:
    result = real.check("Percocet", "Xanax")
    assert result.severity == Severity.MAJOR.value
    assert "Percocet contains oxycodone" in result.explanation


def test_contract_wording_survives_through_a_product(real: Checker) -> None:
    result = real.check("Zestoretic", "spironolactone")
    assert (result.reason, result.advice) == (
        "hyperkalemia risk",
        "monitor potassium, consult clinician",
    )
    assert "Zestoretic contains lisinopril" in result.explanation


def test_same_product_twice_is_a_duplicate(real: Checker) -> None:
    result = real.check("NyQuil Cold and Flu", "Vicks NyQuil Cold and Flu")
    assert result.status == "duplicate"
    assert "4,000 mg" in result.advice


def test_a_list_of_cold_remedies_finds_every_double_dose(real: Checker) -> None:
    result = real.check_list(["NyQuil Cold and Flu", "DayQuil Cold and Flu", "Tylenol"])
    assert len(result.pairs) == 3
    assert all("acetaminophen" in r.reason for r in result.pairs)


# --------------------------------------------------------------------- families


def test_family_resolves_to_shared_ingredients_and_says_versions_differ(real: Checker) -> None:
    result = real.check("NyQuil", "warfarin")
    api = result.to_api()
    assert api["resolved"][0]["ingredients"] == ["acetaminophen", "dextromethorphan", "doxylamine"]
    assert len(api["resolved"][0]["variants"]) == 2
    assert "check the label, versions differ" in result.explanation


def test_family_never_hides_what_only_some_versions_contain(real: Checker) -> None:
    result = real.check("Excedrin", "Coumadin")
    assert result.severity == Severity.MAJOR.value
    assert "Excedrin Migraine (one version of Excedrin) contains aspirin" in result.explanation
    assert "check the label, versions differ" in result.explanation


def test_family_with_no_finding_still_says_versions_differ(real: Checker) -> None:
    result = real.check("Lemsip", "metformin")
    assert result.status == "no_known_interaction"
    assert "check the label, versions differ" in result.explanation


# --------------------------------------------------------------------- route


def test_topical_gel_is_its_own_product_with_sourced_lower_grading(real: Checker) -> None:
    gel = real.check("Voltaren Gel", "warfarin")
    tablets = real.check("diclofenac", "warfarin")
    assert tablets.severity == Severity.MAJOR.value
    assert gel.severity == Severity.MODERATE.value
    assert "applied to the skin" in gel.explanation
    assert any("Voltaren" in s.title for s in gel.sources)
    assert real.formulary.resolve("diclofenac gel").medication.id == "diclofenac-topical"
    assert "Pulmicort" not in real.formulary.get("budesonide").brands  # inhaled, its own product


def test_topical_form_without_a_route_source_keeps_the_oral_grading_and_says_so(
    real: Checker,
) -> None:
    gel = real.check("ibuprofen gel", "warfarin")
    assert gel.severity == real.check("ibuprofen", "warfarin").severity
    assert "this rule concerns ibuprofen taken by mouth" in gel.explanation
    assert real.formulary.resolve("Ibuleve").medication.id == "ibuprofen-topical"


def test_inhaled_product_notes_an_oral_only_source(real: Checker) -> None:
    result = real.check("Symbicort", "clarithromycin")
    assert result.is_potentially_risky
    assert "taken by mouth" in result.explanation


@pytest.mark.parametrize(
    ("spray", "inhaler", "inhibitor"),
    [("Flonase", "Flovent", "ritonavir"), ("Nasonex", "Asmanex", "ketoconazole")],
)
def test_nasal_steroid_is_its_own_product_and_cites_its_own_label(
    real: Checker, spray: str, inhaler: str, inhibitor: str
) -> None:
    """A nasal spray is not a brand of the inhaler: it is named as the nasal form, and the
    CYP3A4 warning reaches it with the nasal label's own words and source."""
    nasal = real.formulary.resolve(spray).medication
    assert nasal is not None and nasal.route == "nasal"
    assert spray not in real.formulary.resolve(inhaler).medication.brands
    result = real.check(spray, inhibitor)
    assert result.severity == real.check(inhaler, inhibitor).severity
    assert "the nasal spray's own label" in result.explanation
    assert "taken by mouth" not in result.explanation
    assert any("nasal spray" in s.title.lower() for s in result.sources)


@pytest.mark.parametrize(
    ("a", "b", "severity"),
    [
        ("Flonase", "Flovent", Severity.MODERATE),  # nasal and inhaled: both prescribed
        ("ibuprofen gel", "Advil", Severity.MODERATE),
        ("Pulmicort", "Symbicort", Severity.MAJOR),  # two inhalers: a second dose
        ("Lemsip", "Tylenol", Severity.MAJOR),
    ],
)
def test_one_ingredient_by_two_routes_is_not_a_double_dose(
    real: Checker, a: str, b: str, severity: Severity
) -> None:
    result = real.check(a, b)
    assert result.status == "duplicate" and result.severity == severity.value
    finding = result.findings[0]
    if severity is Severity.MODERATE:
        assert "one used" in finding.mechanism and "Take only one" not in finding.advice
    else:
        assert finding.advice.startswith("Take only one")


def test_every_route_has_its_wording_in_route_notes() -> None:
    from mediphant.domain.interactions import _ROUTE_WORDING
    from mediphant.domain.medications import ROUTES

    assert set(_ROUTE_WORDING) == set(ROUTES)


def test_nasacort_is_the_nasal_spray_not_the_injection(real: Checker) -> None:
    assert real.formulary.resolve("Nasacort").medication.id == "triamcinolone-nasal"
    assert real.formulary.resolve("Kenalog").medication.id == "triamcinolone"


def test_inhaled_ingredient_rules_need_no_route_note(real: Checker) -> None:
    result = real.check("Advair", "ritonavir")
    assert result.severity == Severity.MAJOR.value
    assert "taken by mouth" not in result.explanation


# --------------------------------------------------------------------- validation

CLASSES: dict[str, Any] = {
    "classes": [{"id": "nsaid", "name": "NSAIDs", "singular": "an NSAID", "description": "x"}]
}
SRC = [{"title": "label", "url": "https://example.org/label"}]
MEDS: dict[str, Any] = {
    "medications": [
        {"id": "a", "name": "a", "brands": [], "synonyms": [], "classes": []},
        {"id": "b", "name": "b", "brands": [], "synonyms": [], "classes": ["nsaid"]},
        {"id": "c", "name": "c", "brands": [], "synonyms": [], "classes": []},
        {"id": "ab", "name": "ab", "brands": ["AB"], "synonyms": [], "classes": [],
         "ingredients": ["a", "b"], "sources": SRC},
        {"id": "bc", "name": "bc", "brands": [], "synonyms": [], "classes": [],
         "ingredients": ["b", "c"], "sources": SRC},
        {"id": "fam", "name": "fam", "brands": [], "synonyms": [], "classes": [],
         "variants": ["ab", "bc"], "sources": SRC},
    ]
}  # fmt: skip


def _with(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(MEDS)
    change(data["medications"])
    return data


def test_inline_formulary_is_valid_and_family_shares_b() -> None:
    f = Formulary.from_data(MEDS, CLASSES)
    assert [m.id for m in f.components(f.get("fam"))] == ["b"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m[3].update(ingredients=["a", "zz"]), "unknown ingredient"),
        (lambda m: m[3].update(classes=["nsaid"]), "takes its classes from its ingredients"),
        (lambda m: m[3].pop("sources"), "needs a source"),
        (lambda m: m[3].update(ingredients=["a"]), "one-ingredient oral product"),
        (lambda m: m[3].update(ingredients=["a", "bc"]), "is itself a product"),
        (lambda m: m[3].update(route="rectal"), "route must be one of"),
        (lambda m: m[4].update(ingredients=["c", "c"]), "listed twice"),
        (lambda m: m[5].update(variants=["ab"]), "at least two variants"),
        (lambda m: m[5].update(variants=["ab", "zz"]), "not a medicine or a product"),
        (lambda m: m[5].update(variants=["ab", "fam"]), "not a medicine or a product"),
        (
            lambda m: m[3].update(routeNote={"text": "t", "sources": SRC, "maxSeverity": "x"}),
            "maxSeverity",
        ),
    ],
)
def test_product_validation(change: Any, message: str) -> None:
    data = _with(change)
    with pytest.raises(ValueError, match=message):
        Formulary.from_data(data, CLASSES)


def test_a_family_whose_versions_share_nothing_expands_to_nothing_but_lists_them() -> None:
    """ "Anadin" is aspirin and caffeine in one version, paracetamol alone in another: no
    ingredient stands for the name, and each version is checked."""

    def change(meds: list[dict[str, Any]]) -> None:
        meds[5]["variants"] = ["ab", "c"]  # a product and a single medicine

    f = Formulary.from_data(_with(change), CLASSES)
    family = f.get("fam")
    assert f.components(family) == ()
    assert [v.id for v in f.variants(family)] == ["ab", "c"]


@pytest.mark.parametrize(
    ("family", "other", "version", "ingredient"),
    [
        ("Anadin", "warfarin", "Anadin Original", "aspirin"),
        ("Beechams", "warfarin", "Beechams Powders", "aspirin"),
        ("Anadin", "Tylenol", "Anadin Extra", "acetaminophen"),
        ("Benylin", "phenelzine", "Benylin Dry Coughs Original", "dextromethorphan"),
    ],
)
def test_real_a_brand_whose_lines_share_nothing_is_checked_line_by_line(
    family: str, other: str, version: str, ingredient: str
) -> None:
    result = default_checker().check(family, other)
    assert result.severity in ("major", "contraindicated")
    explanation = " ".join(f.explanation for f in result.findings)
    assert f"{version} (one version of {family}) contains {ingredient}" in explanation
    assert "versions differ" in explanation and "we checked each" in explanation


COMMON = [
    "Tylenol",
    "Advil",
    "Motrin",
    "Aleve",
    "Excedrin",
    "Excedrin Migraine",
    "Bayer",
    "aspirin",
    "NyQuil",
    "DayQuil",
    "NyQuil Severe",
    "Theraflu Nighttime",
    "Mucinex",
    "Mucinex DM",
    "Mucinex D",
    "Robitussin DM",
    "Delsym",
    "Claritin",
    "Claritin-D",
    "Zyrtec",
    "Zyrtec-D",
    "Allegra",
    "Allegra-D",
    "Benadryl",
    "ZzzQuil",
    "Unisom",
    "Tylenol PM",
    "Advil PM",
    "Aleve PM",
    "Sudafed",
    "Sudafed PE",
    "Pepcid",
    "Prilosec",
    "Nexium",
    "Tums",
    "Imodium",
    "Pepto-Bismol",
    "Lipitor",
    "Crestor",
    "Zocor",
    "Vytorin",
    "Zestril",
    "Zestoretic",
    "Hyzaar",
    "Diovan HCT",
    "Norvasc",
    "Lasix",
    "metoprolol",
    "Synthroid",
    "Glucophage",
    "Janumet",
    "Jardiance",
    "Xigduo XR",
    "Ozempic",
    "Eliquis",
    "Xarelto",
    "Coumadin",
    "Plavix",
    "Zoloft",
    "Lexapro",
    "Prozac",
    "Wellbutrin",
    "Xanax",
    "Ambien",
    "Percocet",
    "Norco",
    "Ultracet",
    "tramadol",
    "Flonase",
    "Advair",
    "Symbicort",
    "Ventolin",
    "Singulair",
    "Voltaren Gel",
    "Lemsip",
    "Night Nurse",
    "Beechams All-in-One",
    "co-codamol",
    "co-dydramol",
    "Nurofen Plus",
    "Panadol Extra",
    "Calpol",
    "Piriton",
    "Gaviscon",
    "Rennie",
    "Mersyndol",
    "Panadeine Forte",
    "Tylenol 3",
    "Robax",
    "Robaxacet",
    "Gravol",
    "Dramamine",
    "melatonin",
    "vitamin D",
    "fish oil",
    "St John's wort",
    "ginkgo",
    "Viagra",
    "Cialis",
    "Flomax",
    "prednisone",
    "amoxicillin",
    "azithromycin",
    "Cipro",
    "Diflucan",
    "gabapentin",
    "Lyrica",
    "Neurontin",
    "Flexeril",
    "Metamucil",
    "Miralax",
    "Dulcolax",
    "Senokot",
    "Colace",
]


def test_a_broad_list_of_commonly_taken_medicines_is_recognised(real: Checker) -> None:
    """The names new users typed most often, combination products among them."""
    unknown = [name for name in COMMON if real.formulary.resolve(name).medication is None]
    assert not unknown, unknown
    assert len(COMMON) > 100
