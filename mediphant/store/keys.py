"""Key builders and the timestamp format: the only place key strings are made."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

QUERY = "QUERY"
RATE_LIMIT = "RATE_LIMIT"
FAQ_SEARCH = "FAQ_SEARCH"
SESSION = "SESSION"
MEDLIST = "MEDLIST"
USER = "USER"
WINDOW = "WINDOW"
METADATA = "METADATA"
SEP = "#"


def now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC ISO-8601 with milliseconds and Z, so string order is time order."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """Read our format and the seed's plain `toISOString()` form (with or without millis)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


# QUERY -------------------------------------------------------------------


def query_pk(ts: str, suffix: str | None = None) -> str:
    """`QUERY#<ts>#<rand>`: the suffix keeps two checks in the same millisecond apart."""
    return SEP.join((QUERY, ts, suffix if suffix is not None else secrets.token_hex(4)))


def query_id(pk: str) -> str:
    """The public id of a QUERY item: its PK without the prefix (seed items have no suffix)."""
    return pk.removeprefix(QUERY + SEP)


def query_pk_of(query_id: str) -> str:
    """The PK of the QUERY item with this public id (the inverse of `query_id`)."""
    return QUERY + SEP + query_id


def query_gsi1sk(ts: str) -> str:
    return QUERY + SEP + ts


QUERY_GSI1SK_PREFIX = QUERY + SEP


# USER / SESSION ----------------------------------------------------------


def user_pk(user_id: str) -> str:
    """`USER#<id>`: the GSI1PK of a session's queries and the PK of a visitor's sessions."""
    return USER + SEP + user_id


def session_sk(session_id: str) -> str:
    return SESSION + SEP + session_id


SESSION_SK_PREFIX = SESSION + SEP


def session_id_of(sk: str) -> str:
    """The session id in a SESSION item's sort key."""
    return sk.removeprefix(SESSION_SK_PREFIX)


# MEDLIST -----------------------------------------------------------------


def medlist_sk() -> str:
    """`MEDLIST`: one saved list per visitor, beside their SESSION items in `USER#<id>`."""
    return MEDLIST


# RATE_LIMIT --------------------------------------------------------------


def client_key(secret: str, address: str) -> str:
    """A keyed hash (HMAC-SHA256 with the app secret) of a client address: no raw IP at rest."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


def rate_limit_pk(client_key: str) -> str:
    return RATE_LIMIT + SEP + client_key


def window_sk(window_start: str) -> str:
    return WINDOW + SEP + window_start


WINDOW_SK_PREFIX = WINDOW + SEP


# FAQ_SEARCH --------------------------------------------------------------


def faq_search_pk(day: str, shard: int | None = None) -> str:
    """`FAQ_SEARCH#<yyyy-mm-dd>`, or with `#<shard>` when writes are sharded."""
    base = FAQ_SEARCH + SEP + day
    return base if shard is None else base + SEP + str(shard)


def faq_search_sk(ts: str, query_hash: str, suffix: str | None = None) -> str:
    """`QUERY#<ts>#<query hash>#<rand>`: the seed's key, with a suffix that keeps two
    workers' searches in the same millisecond apart (readers accept the seed's form)."""
    return SEP.join((QUERY, ts, query_hash, suffix if suffix is not None else secrets.token_hex(4)))


def day(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d")
