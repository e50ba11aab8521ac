"""The OpenAPI description of the JSON API, served at /api/openapi.json and fuzzed in tests."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from mediphant.domain.saved_list import MAX_SAVED
from mediphant.domain.schemas import CHECK, COUNTRY, FAQ_RESULT, NAME, QUERY, SOURCE

bp = Blueprint("openapi", __name__, url_prefix="/api")

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {"type": "string"},
        "details": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_HISTORY_ENTRY = {
    "type": "object",
    "required": ["id", "medA", "medB", "isPotentiallyRisky", "reason", "timestamp"],
    "properties": {
        "id": {"type": "string"},
        "medA": {"type": "string"},
        "medB": {"type": "string"},
        "isPotentiallyRisky": {"type": "boolean"},
        "reason": {"type": "string"},
        "timestamp": {"type": "string"},
    },
}


_SAVED_MEDICINE = {
    "type": "object",
    "required": ["input", "id", "name"],
    "properties": {
        "input": {"type": "string"},
        "id": {"type": "string"},
        "name": {"type": "string"},
    },
}
_SAVED_LIST = {
    "type": "object",
    "required": ["medicines", "version"],
    "properties": {
        "medicines": {"type": "array", "maxItems": MAX_SAVED, "items": _SAVED_MEDICINE},
        "version": {"type": "integer", "minimum": 0},
        "warnings": {"type": "array", "items": {"type": "string"}},
    },
}
_CONFLICT = {
    "type": "object",
    "required": ["error", "medicines", "version"],
    "properties": {"error": {"type": "string"}, **_SAVED_LIST["properties"]},
}
_LIST_FINDING = {
    "type": "object",
    "required": ["with", "severity", "reason", "mechanism", "advice", "sources"],
    "properties": {
        "with": _SAVED_MEDICINE,
        "severity": {"enum": ["contraindicated", "major", "moderate", "minor"]},
        "reason": {"type": "string"},
        "mechanism": {"type": "string"},
        "advice": {"type": "string"},
        "explanation": {"type": "string"},
        "sources": {"type": "array", "items": SOURCE},
    },
}
_LIST_CHECK = {
    "type": "object",
    "required": [
        "medicine",
        "isPotentiallyRisky",
        "findings",
        "noKnownInteraction",
        "historySaved",
    ],
    "properties": {
        "medicine": _SAVED_MEDICINE,
        "isPotentiallyRisky": {"type": "boolean"},
        "findings": {"type": "array", "items": _LIST_FINDING},
        "noKnownInteraction": {"type": "array", "items": {"type": "string"}},
        "historySaved": {"type": "boolean"},
    },
}
_ERASED = {
    "type": "object",
    "required": ["message", "deleted"],
    "properties": {
        "message": {"type": "string"},
        "deleted": {
            "type": "object",
            "required": ["MEDLIST", "SESSION", "QUERY"],
            "properties": {
                name: {"type": "integer", "minimum": 0} for name in ("MEDLIST", "SESSION", "QUERY")
            },
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {
        400: "invalid input",
        413: "body too large",
        429: "rate limited (see Retry-After)",
        503: "storage unavailable",
    }
    return {str(code): _json(_ERROR, text[code]) for code in codes}


# gunicorn refuses a request line over 4 KB (limit_request_line) before the app sees it,
# with an HTML page: a query string can be long enough to get there.
_URI_TOO_LONG = {"414": {"description": "request line too long (refused by the server)"}}


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Mediphant API",
        "version": "1",
        "description": "Medication interaction checks, session history and FAQ search. "
        "Informational only — not medical advice.",
    },
    "paths": {
        "/api/interactions": {
            "post": {
                "summary": "Check two medicines",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["medA", "medB"],
                                "properties": {"medA": NAME, "medB": NAME, "country": COUNTRY},
                            }
                        }
                    },
                },
                "responses": {"200": _json(CHECK, "the verdict"), **_errors(400, 413, 429)},
            }
        },
        "/api/history": {
            "get": {
                "summary": "This session's recent checks, newest first (at most 10)",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["history"],
                            "properties": {"history": {"type": "array", "items": _HISTORY_ENTRY}},
                        },
                        "recent checks",
                    ),
                    **_errors(429, 503),
                },
            },
            "delete": {
                "summary": "Clear this session's checks",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["message"],
                            "properties": {"message": {"type": "string"}},
                        },
                        "cleared",
                    ),
                    **_errors(429, 503),
                },
            },
        },
        "/api/faq": {
            "get": {
                "summary": "Search the FAQ",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": QUERY,
                    }
                ],
                "responses": {
                    "200": _json(
                        FAQ_RESULT,
                        "the answer and up to three matches",
                    ),
                    **_errors(400, 429),
                    **_URI_TOO_LONG,
                },
            }
        },
        "/api/my-medicines": {
            "get": {
                "summary": "The saved medicine list of this visitor (not rate limited)",
                "responses": {"200": _json(_SAVED_LIST, "the list"), **_errors(503)},
            },
            "put": {
                "summary": "Replace the saved list, if it is still at `version`",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["medicines", "version"],
                                "properties": {
                                    "medicines": {
                                        "type": "array",
                                        "maxItems": MAX_SAVED,
                                        "items": NAME,
                                    },
                                    "version": {"type": "integer", "minimum": 0},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(_SAVED_LIST, "the saved list"),
                    "409": _json(_CONFLICT, "changed meanwhile; the current list"),
                    **_errors(400, 413, 429, 503),
                },
            },
        },
        "/api/my-medicines/check": {
            "post": {
                "summary": "Check one medicine against every saved medicine",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["medicine"],
                                "properties": {"medicine": NAME},
                            }
                        }
                    },
                },
                "responses": {
                    "200": _json(_LIST_CHECK, "findings, most severe first"),
                    **_errors(400, 413, 429, 503),
                },
            }
        },
        "/api/my-data": {
            "delete": {
                "summary": "Erase everything kept for this visitor and forget the cookies",
                "responses": {"200": _json(_ERASED, "what was deleted"), **_errors(429, 503)},
            }
        },
        "/api/medications": {
            "get": {
                "summary": "Medication names for autocomplete",
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": True,
                        "schema": NAME,
                    }
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["q", "names"],
                            "properties": {
                                "q": {"type": "string"},
                                "names": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "matching names",
                    ),
                    **_errors(400),
                    **_URI_TOO_LONG,
                },
            }
        },
    },
}


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(SPEC)
