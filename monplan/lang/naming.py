"""Names derived from the plan's own words: alert names, series names, file slugs."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_WORDS = re.compile(r"[A-Za-z0-9]+")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def ascii_words(text: str) -> list[str]:
    """The ASCII words of a text, accents folded: 'Überwachung API' -> ['Uberwachung', 'API']."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _WORDS.findall(folded)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def alert_name(metric: str) -> str:
    """PascalCase with acronyms kept: 'HTTP 5xx Errors' -> 'HTTP5xxErrors'.

    Words are split at spaces and punctuation only, so 'Cross-tenant' becomes
    'CrossTenant' and an acronym such as 'API' or 'RLS' stays as written.
    """
    words = ascii_words(metric)
    name = "".join(word[0].upper() + word[1:] for word in words)
    if not name:
        return "Alert" + _short_hash(metric)
    if name[0].isdigit():
        name = "Alert" + name
    return name


@functools.lru_cache(maxsize=65536)
def snake(text: str) -> str:
    """snake_case for series and label names: 'API Endpoint Availability' -> 'api_endpoint_availability'."""
    parts: list[str] = []
    for word in ascii_words(text):
        parts.extend(_CAMEL_BOUNDARY.split(word))
    name = "_".join(part.lower() for part in parts if part)
    if not name:
        return "x" + _short_hash(text)
    if name[0].isdigit():
        name = "x" + name
    return name


def slug(text: str) -> str:
    """A file-name slug: 'System Availability' -> 'system-availability'."""
    return snake(text).replace("_", "-")
