"""The single-table schema: one base model, the GSI1 index, one subclass per entity."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    TTLAttribute,
    UnicodeAttribute,
)
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

DEFAULT_TABLE_NAME = "mediphant-data"


class GSI1(GlobalSecondaryIndex["Item"]):
    """Reverse lookups: a session's queries (`USER#<session>`), newest first.

    Sparse: only QUERY items carry GSI1 keys; see store/sessions.py for why SESSION does not.
    """

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class Item(Model):
    """Every item of the table; `EntityType` picks the subclass when reading."""

    class Meta:
        table_name = DEFAULT_TABLE_NAME
        billing_mode = PAY_PER_REQUEST_BILLING_MODE
        region = "us-east-1"

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    EntityType = DiscriminatorAttribute()
    TTL = TTLAttribute(null=True)
    gsi1 = GSI1()


class QueryData(MapAttribute):
    """The seed's camelCase fields, so the TypeScript store reads what we write."""

    medA = UnicodeAttribute()
    medB = UnicodeAttribute()
    isPotentiallyRisky = BooleanAttribute()
    reason = UnicodeAttribute()
    timestamp = UnicodeAttribute()
    sessionId = UnicodeAttribute()
    severity = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)


class QueryItem(Item, discriminator="QUERY"):
    Data = QueryData()


class RateLimitData(MapAttribute):
    count = NumberAttribute()
    windowStart = UnicodeAttribute()
    windowEnd = UnicodeAttribute()


class RateLimitItem(Item, discriminator="RATE_LIMIT"):
    Data = RateLimitData()


class FaqSearchData(MapAttribute):
    query = UnicodeAttribute()
    matches = NumberAttribute()
    searchTime = NumberAttribute()
    timestamp = UnicodeAttribute()
    confident = BooleanAttribute(null=True)
    topId = UnicodeAttribute(null=True)


class FaqSearchItem(Item, discriminator="FAQ_SEARCH"):
    Data = FaqSearchData()


class SessionData(MapAttribute):
    createdAt = UnicodeAttribute()
    lastActivity = UnicodeAttribute()
    queryCount = NumberAttribute()


class SessionItem(Item, discriminator="SESSION"):
    Data = SessionData()


class SavedMedicineData(MapAttribute):
    """One entry of a saved list: what the visitor typed and what it resolved to."""

    input = UnicodeAttribute()
    id = UnicodeAttribute()
    name = UnicodeAttribute()


class MedListData(MapAttribute):
    medicines = ListAttribute(of=SavedMedicineData)
    version = NumberAttribute()
    updatedAt = UnicodeAttribute()


class MedListItem(Item, discriminator="MEDLIST"):
    Data = MedListData()


ENTITY_MODELS: tuple[type[Item], ...] = (
    Item,
    QueryItem,
    RateLimitItem,
    FaqSearchItem,
    SessionItem,
    MedListItem,
)
