"""A counter model on a table of its own: the dynamodb:// storage without Mediphant's models."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.constants import PAY_PER_REQUEST_BILLING_MODE
from pynamodb.models import Model


class CounterData(MapAttribute):
    count = NumberAttribute()
    windowStart = UnicodeAttribute()
    windowEnd = UnicodeAttribute()


def counter_model(host: str, table_name: str) -> type[Model]:
    """A model class bound to `table_name` on a local engine: key, TTL and Data only."""

    class Counter(Model):
        class Meta:
            region = "us-east-1"
            billing_mode = PAY_PER_REQUEST_BILLING_MODE
            aws_access_key_id = "local"
            aws_secret_access_key = "local"

        PK = UnicodeAttribute(hash_key=True)
        SK = UnicodeAttribute(range_key=True)
        TTL = TTLAttribute(null=True)
        Data = CounterData()

    Counter.Meta.host = host
    Counter.Meta.table_name = table_name
    return Counter
