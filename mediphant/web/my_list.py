"""The saved-list flow shared by pages and API: read, save, check against it, erase.

The session cookie remembers how many medicines the list holds, so the check page can
offer "Check against my medicines" without reading the table on every view.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import current_app, session

from mediphant.domain.interactions import default_checker
from mediphant.domain.medications import default_formulary
from mediphant.domain.saved_list import (
    ListCheck,
    Overlap,
    SavedMedicine,
    add,
    check_against,
    overlaps_with,
    resolve_name,
)
from mediphant.store.erasure import NOTHING, Erased, erase_visitor
from mediphant.store.medlists import EMPTY, MedListStore, StoredList, VersionConflict
from mediphant.web import checking
from mediphant.web.identity import OWNER_KEY, forget_visitor, session_id, visitor_id

LIST_UNAVAILABLE = (
    "Your saved list can't be read right now. You can still check two medicines at a time."
)
SAVE_FAILED = "Your list could not be saved right now; it is unchanged. Please try again shortly."
CONFLICT = (
    "Your list changed in another window. This is the list as it is now; "
    "make your change again if you still need it."
)
EMPTY_LIST = "Your saved list is empty; add the medicines you take first."
HINT_KEY = "my_meds"


def _store() -> MedListStore:
    return current_app.extensions["mediphant.medlists"]


def saved_count() -> int:
    """How many medicines the list held when this browser last saw it (no table read)."""
    count = session.get(HINT_KEY, 0)
    return count if isinstance(count, int) else 0


def _remember(stored: StoredList) -> StoredList:
    if saved_count() != len(stored.medicines):
        session[HINT_KEY] = len(stored.medicines)
    return stored


def load() -> StoredList:
    """The visitor's list (empty for a visitor we have not met); raises StoreUnavailable."""
    visitor = visitor_id()
    if visitor is None:
        return EMPTY
    return _remember(_store().get(visitor))


def save(medicines: Sequence[SavedMedicine], version: int) -> StoredList:
    """Replace the list if still at `version`; raises VersionConflict or StoreUnavailable."""
    visitor = visitor_id(create=True)
    assert visitor is not None
    try:
        return _remember(_store().save(visitor, medicines, version))
    except VersionConflict as conflict:
        _remember(conflict.current)
        raise


def resolve(raw: object, label: str = "a medicine") -> tuple[SavedMedicine | None, str]:
    return resolve_name(default_formulary(), raw, label)


def suggestions(text: str) -> tuple[str, ...]:
    """Names close to an unknown one, offered instead of saving it."""
    return default_formulary().resolve(text).suggestions if text.strip() else ()


def warnings_for(new: Sequence[SavedMedicine], saved: Sequence[SavedMedicine]) -> list[Overlap]:
    """Ingredient overlaps the new entries bring, against the list and each other."""
    found: list[Overlap] = []
    seen = list(saved)
    for entry in new:
        if entry in seen:
            continue
        found += overlaps_with(default_formulary(), entry, seen)
        seen.append(entry)
    return found


Edit = Callable[[list[SavedMedicine]], tuple[list[SavedMedicine], str]]


def update(
    edit: Edit,
    version: int | None = None,
) -> tuple[StoredList, str]:
    """Read the list, apply `edit`, save it conditionally. With `version` (the list the
    visitor saw) a change made meanwhile is a VersionConflict; without, the list just
    read is the base. Returns the saved list, or the unchanged list and why."""
    current = load()
    if version is not None and version != current.version:
        raise VersionConflict(current)
    medicines, error = edit(list(current.medicines))
    if error:
        return current, error
    if medicines == list(current.medicines):
        return current, ""
    return save(medicines, current.version), ""


def add_to_list(new: Sequence[SavedMedicine], version: int | None = None) -> tuple[StoredList, str]:
    return update(lambda medicines: add(medicines, new), version)


def check(medicine: SavedMedicine, stored: StoredList) -> tuple[ListCheck, bool]:
    """Check one medicine against the list already read and remember its risky pairs in
    the session's history (one QUERY item each, at most ten), as a pair check does."""
    result = check_against(default_checker(), medicine, stored.medicines)
    return result, checking.record(result.risky_results[:10])


def result_for(medicine: SavedMedicine, stored: StoredList) -> ListCheck:
    """The same check without recording it (the page a check redirects to)."""
    return check_against(default_checker(), medicine, stored.medicines)


def erase() -> Erased:
    """Delete everything the table holds for this visitor, then forget both cookies."""
    owners = [uid for uid in (visitor_id(), session.get(OWNER_KEY)) if isinstance(uid, str)]
    sid = session_id()
    if not owners and sid is None:
        forget_visitor()
        return NOTHING
    checking.forget_session_counts(owners)  # a late count must not outlive the erasure
    erased = erase_visitor(owners, [sid] if sid else [], checking.clear_session)
    forget_visitor()
    return erased
