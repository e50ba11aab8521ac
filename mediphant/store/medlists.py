"""A visitor's saved medicine list: one MEDLIST item in the visitor's `USER#<id>` partition.

Every save replaces the whole item with one PutItem conditional on the version the writer
read, so two windows editing at once cannot silently overwrite each other, and a failed
save leaves the previous list whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.exceptions import PutError

from mediphant.domain.saved_list import SavedMedicine
from mediphant.store import condition_failed, guarded, keys, settled
from mediphant.store.models import MedListData, MedListItem, SavedMedicineData


@dataclass(frozen=True, slots=True)
class StoredList:
    medicines: tuple[SavedMedicine, ...]
    version: int
    updated_at: str | None

    def to_api(self) -> dict[str, object]:
        return {"medicines": [m.to_api() for m in self.medicines], "version": self.version}


EMPTY = StoredList((), 0, None)


class VersionConflict(Exception):
    """The list changed since the writer read it; `current` is what is stored now."""

    def __init__(self, current: StoredList) -> None:
        super().__init__("the list changed since it was read")
        self.current = current


class MedListStore:
    def __init__(self, idle_days: int = 180) -> None:
        self.idle = timedelta(days=idle_days)

    @guarded("your list could not be read")
    def get(self, user_id: str) -> StoredList:
        """One strongly consistent GetItem, so a save in another window is seen at once.

        An expired item reads as empty but keeps its version, so the next save's condition
        holds even before DynamoDB has deleted it.
        """
        try:
            item = MedListItem.get(keys.user_pk(user_id), keys.medlist_sk(), consistent_read=True)
        except MedListItem.DoesNotExist:
            return EMPTY
        version = int(item.Data.version)
        if item.TTL is not None and item.TTL <= keys.now():
            return StoredList((), version, None)
        medicines = tuple(SavedMedicine(m.input, m.id, m.name) for m in item.Data.medicines)
        return StoredList(medicines, version, item.Data.updatedAt)

    @guarded("your list could not be saved")
    def save(self, user_id: str, medicines: Sequence[SavedMedicine], version: int) -> StoredList:
        """Replace the list if it is still at `version` (0: never saved); raise
        VersionConflict with the current list otherwise."""
        now = keys.now()
        ts = keys.timestamp(now)
        item = MedListItem(
            keys.user_pk(user_id),
            keys.medlist_sk(),
            TTL=now + self.idle,
            Data=MedListData(
                medicines=[
                    SavedMedicineData(input=m.input, id=m.id, name=m.name) for m in medicines
                ],
                version=version + 1,
                updatedAt=ts,
            ),
        )
        condition = (
            MedListItem.PK.does_not_exist() if version == 0 else MedListItem.Data.version == version
        )
        try:
            item.save(condition=condition)
        except PutError as exc:
            if not condition_failed(exc):
                raise
            settled(exc)
            raise VersionConflict(self.get(user_id)) from None
        return StoredList(tuple(medicines), version + 1, ts)
