"""Shared by the knowledge-base and FAQ loaders: JSON package data and cited sources."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Source:
    """A public reference backing a claim, shown so people can check it."""

    title: str
    url: str

    def to_api(self) -> dict[str, str]:
        return {"title": self.title, "url": self.url}


def is_https_url(url: str) -> bool:
    """An https URL with a host: we only cite sources people can open safely."""
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.netloc) and " " not in url


def read_json(path: Path | str | None, package_file: str) -> Any:
    """Parse `path`, or the named file under mediphant/domain/data; name the file if malformed."""
    if path is None:
        text = resources.files("mediphant.domain").joinpath("data", package_file).read_text("utf-8")
        origin = f"data/{package_file}"
    else:
        text = Path(path).read_text(encoding="utf-8")
        origin = str(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{origin}: invalid JSON: {exc}") from exc
