"""Prometheus durations ("5m", "1h30m", "1w") as the plan and the outputs write them."""

from __future__ import annotations

import re
from functools import lru_cache

_UNITS = (("y", 365 * 86400 * 1000), ("w", 7 * 86400 * 1000), ("d", 86400 * 1000),
          ("h", 3600 * 1000), ("m", 60 * 1000), ("s", 1000), ("ms", 1))
_DURATION = re.compile(
    r"^(?:(?P<y>\d+)y)?(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?"
    r"(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?(?:(?P<ms>\d+)ms)?$"
)
EXPECTED = 'expected a duration such as "30s", "5m", "1h30m" or "7d" (units ms, s, m, h, d, w, y)'
# Prometheus and Alertmanager hold durations as Go's time.Duration, int64 nanoseconds: about
# 292 years. Past it promtool says "duration out of range" and Alertmanager will not start.
MAX_MS = (2**63 - 1) // 1_000_000
_MAX_TEXT = 64  # characters; the longest useful spelling, 292y52w6d23h59m59s999ms, has 22


class DurationError(ValueError):
    pass


def parse_ms(text: str) -> int:
    """Milliseconds in a Prometheus duration; raises DurationError."""
    if isinstance(text, str) and len(text) <= _MAX_TEXT:
        return _parse_ms(text)  # a plan repeats a few durations over every row and test
    return _parse_uncached(text)


@lru_cache(maxsize=1024)
def _parse_ms(text: str) -> int:
    return _parse_uncached(text)


def _parse_uncached(text: str) -> int:
    if not isinstance(text, str) or not text or text == "0":
        if text == "0":
            return 0
        raise DurationError(EXPECTED)
    if len(text) > _MAX_TEXT:
        raise DurationError(f'cannot read duration "{text[:20]}..." ({len(text):,} characters); {EXPECTED}')
    match = _DURATION.match(text.strip())
    if not match or not any(match.groupdict().values()):
        raise DurationError(f'cannot read duration "{text}"; {EXPECTED}')
    ms = sum(int(match[unit] or 0) * size for unit, size in _UNITS)
    if ms > MAX_MS:
        raise DurationError(f'duration "{text}" is longer than Prometheus and Alertmanager accept '
                            f"(Go's time.Duration: at most {format_ms(MAX_MS)}, about 292 years)")
    return ms


def parse_seconds(text: str) -> float:
    return parse_ms(text) / 1000


def format_ms(ms: int) -> str:
    """The canonical Prometheus spelling: 90000 -> '1m30s', 0 -> '0s'."""
    if ms == 0:
        return "0s"
    out = []
    for unit, size in _UNITS:
        if unit in ("y", "w"):  # Prometheus prints days, not weeks or years, unless exact
            continue
        count, ms = divmod(ms, size)
        if count:
            out.append(f"{count}{unit}")
    return "".join(out)


def canonical(text: str) -> str:
    if isinstance(text, str) and len(text) <= _MAX_TEXT:
        return _canonical(text)  # the same few durations on every row
    return format_ms(parse_ms(text))


@lru_cache(maxsize=1024)
def _canonical(text: str) -> str:
    return format_ms(parse_ms(text))
