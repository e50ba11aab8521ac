"""The MCP resources: the disclaimer, and a summary of the knowledge base behind the answers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from mediphant.domain.datafiles import read_json
from mediphant.domain.faq import NOT_MEDICAL_ADVICE, default_index
from mediphant.domain.interactions import default_checker

DISCLAIMER = (
    f"{NOT_MEDICAL_ADVICE} Mediphant can be incomplete or wrong; always confirm with a "
    "pharmacist or clinician before starting, stopping or combining medicines. A medicine "
    "Mediphant does not know, or a pair with no known interaction, is not evidence of safety."
)


@dataclass(frozen=True)
class ResourceSpec:
    """A resource as listed to clients, and its content."""

    uri: str
    name: str
    title: str
    description: str
    mime_type: str
    read: Callable[[], str]


@cache
def knowledge_base_summary() -> dict[str, Any]:
    """Counts, where the rules come from (by site), and the date the data was last updated."""
    checker = default_checker()
    medications = checker.formulary.medications.values()
    sources = {source for rule in checker.rules for source in rule.sources}
    by_site = Counter(urlsplit(source.url).netloc for source in sources)
    by_severity = Counter(rule.severity.value for rule in checker.rules)
    return {
        "medications": len(medications),
        "brandNames": sum(len(med.brands) for med in medications),
        "classes": len(checker.formulary.classes),
        "rules": len(checker.rules),
        "rulesBySeverity": dict(sorted(by_severity.items())),
        "faqEntries": len(default_index().entries),
        "sources": len(sources),
        "sourcesBySite": dict(sorted(by_site.items(), key=lambda item: (-item[1], item[0]))),
        "dataUpdated": read_json(None, "about.json")["updated"],
        "notice": NOT_MEDICAL_ADVICE,
    }


RESOURCES: tuple[ResourceSpec, ...] = (
    ResourceSpec(
        uri="mediphant://disclaimer",
        name="disclaimer",
        title="Disclaimer",
        description="Show this with any answer from Mediphant.",
        mime_type="text/plain",
        read=lambda: DISCLAIMER,
    ),
    ResourceSpec(
        uri="mediphant://knowledge-base",
        name="knowledge-base",
        title="About the knowledge base",
        description="How many medicines, classes, rules and FAQ entries Mediphant knows, "
        "the sites its rules cite, and the date of the data.",
        mime_type="application/json",
        read=lambda: json.dumps(knowledge_base_summary(), indent=2),
    ),
)

BY_URI: dict[str, ResourceSpec] = {resource.uri: resource for resource in RESOURCES}
