"""How a check puts names into words: what a typed name stood for, and where it came from.

Pure domain code shared by the checker's findings: a brand's generic, a product's
ingredients, a family's shared ingredients ("check the label, versions differ"), and a brand
whose meaning depends on the country.
"""

from __future__ import annotations

from collections.abc import Sequence

from mediphant.domain.medications import Formulary, Medication, Resolution, compact


def lower_first(text: str) -> str:
    """Lower-case a class name inside a sentence, but keep acronyms such as "NSAIDs"."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def join(names: Sequence[str], last: str = "and") -> str:
    """ "a", "a and b", "a, b and c": ingredient lists read as a sentence."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {last} {names[-1]}"


def version_label(variant: Medication, family: Medication) -> str:
    """A version's name under its family's brand ("Excedrin PM"), else its own name."""
    brand = compact(family.brands[0] if family.brands else family.name)
    return next((b for b in (variant.name, *variant.brands) if brand in compact(b)), variant.name)


def display(med: Medication, res: Resolution | None) -> str:
    """The name a person typed for ``med`` when we have it, else its knowledge-base name."""
    if res is not None and res.medication is not None and res.medication.id == med.id:
        return res.display
    return med.name


def via_label(via: Medication, med: Medication, res: Resolution | None) -> str:
    """How to name the product an ingredient came through, as the person typed it."""
    if via.id == med.id:
        return display(med, res)
    if med.meanings:
        where = ", ".join(dict(med.meanings).get(via.id, ()))
        return f"{display(med, res)} ({via.name}, as sold in {where})"
    return f"{version_label(via, med)} (one version of {display(med, res)})"


def name_note(formulary: Formulary, res: Resolution) -> str | None:
    """Say what a typed name stands for: a brand's generic, a product's ingredients.

    A family (versions differ) always says so, so its shared ingredients are never
    mistaken for the whole contents of the version someone has.
    """
    med = res.medication
    if med is None:
        return None
    note = meaning_note(formulary, res, med)
    if note is not None:
        return note
    typed = res.display
    if med.is_family:
        versions = ", ".join(version_label(v, med) for v in formulary.variants(med))
        shared = join([i.name for i in formulary.components(med)])
        if not shared:
            return f"{typed}: check the label, versions differ ({versions}); we checked each"
        return (
            f"{typed}: check the label, versions differ ({versions}); every version "
            f"contains {shared}, which is what we checked"
        )
    if med.is_product:
        return f"{typed} contains {join([i.name for i in formulary.components(med)])}"
    if res.matched_kind == "name" or res.matched_name is None:
        return None
    if res.matched_kind == "brand":
        return f"{res.matched_name} is a brand of {med.name}"
    return f"{res.matched_name} is another name for {med.name}"


def meaning_note(formulary: Formulary, res: Resolution, med: Medication) -> str | None:
    """Say how a brand whose meaning depends on the country was read, and what else it means.

    Several meanings kept: list them and say every one was checked. One meaning for the
    chosen country: name it and what the brand means elsewhere. A brand used outside the
    countries it is sold in: say where it is sold.
    """
    typed = res.display
    where = res.country
    if med.meanings:
        listing = "; ".join(
            f"{formulary.get(mid).name} in {', '.join(c)}" for mid, c in med.meanings
        )
        if where is not None and all(where in c for _, c in med.meanings):
            return (
                f"in {where}, {typed} is sold as more than one medicine ({listing}); "
                "check the label: we checked each"
            )
        why = "no country was chosen" if where is None else f"none is recorded for {where}"
        return (
            f"{typed} means different medicines by country ({listing}); {why}, "
            "so we checked every meaning"
        )
    if res.elsewhere:
        others = "; ".join(f"{name} in {', '.join(c)}" for name, c in res.elsewhere)
        return f"in {where}, {typed} is {med.name}; elsewhere {typed} means {others}"
    if res.countries and where is not None and where not in res.countries:
        return (
            f"{typed} is a brand of {med.name} sold in {', '.join(res.countries)}, not in {where}"
        )
    return None


def unknown_hint(res: Resolution) -> str:
    """What to tell a person whose name we could not check: which member of a group they
    mean ("statin"), or the names closest to a typo, or that nothing is close."""
    if res.groups:
        kinds = join([lower_first(group) for group in res.groups])
        return (
            f"“{res.query}” is a group of medicines ({kinds}), not one medicine: "
            f"which one do you take? For example {join(res.suggestions, 'or')}."
        )
    if res.suggestions:
        return f"Did you mean {' or '.join(res.suggestions)}?"
    return "It is not in our database; check the spelling on the pack."
