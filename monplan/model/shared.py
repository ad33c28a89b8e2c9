"""One object for each distinct value of the model's many repeated small tuples."""

from __future__ import annotations

from collections.abc import Mapping

SHORT = 64  # annotation values up to this long are shared: sections, thresholds, tools (not a row's own words)


class Shared:
    """A 100,000-row plan's alerts and NoData watches repeat a few label sets, and the section
    and threshold annotations, thousands of times; a (key, value) tuple each is 64 bytes and
    the model lives to the end of the build (and in its forked worker). Equal values become
    one object. Made for one resolution of a plan and dropped with it."""

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table: dict[object, object] = {}

    def labels(self, mapping: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """tuple(sorted(mapping.items())), its pairs and itself shared with equal ones."""
        items = tuple(sorted(mapping.items()))
        found = self._table.get(items)
        if found is not None:  # the usual case: the label set of another row
            return found  # type: ignore[return-value]
        setdefault = self._table.setdefault
        items = tuple([setdefault(pair, pair) for pair in items])  # type: ignore[misc]
        self._table[items] = items
        return items

    def annotations(self, mapping: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
        """tuple(sorted(mapping.items())), its pairs with short values shared with equal ones."""
        setdefault = self._table.setdefault
        return tuple([setdefault(pair, pair) if len(pair[1]) <= SHORT else pair  # type: ignore[misc]
                      for pair in sorted(mapping.items())])
