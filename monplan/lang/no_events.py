"""A ratio of events is 0, not "no data", while nothing happened.

`sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))` has
no value at all while a healthy service has never answered a 5xx: a labelled counter has no
series until its first event, so the numerator is an empty vector and so is the ratio. The
threshold alert is rightly quiet then, but the row's NoData alert (`absent()` of the recorded
series) would page, and go on paging until the first error ever.

The generated recording rule (and the dashboard panel) therefore reads each division whose
numerator counts events (`rate`, `irate` or `increase`, summed or not) as

    (N / D or 0 * D / D)

which is N / D wherever the numerator has a series, and 0 wherever only the denominator
has one and counts events: the events happened zero times. Where the denominator is 0 too
(its counters exist but nothing happened in the window) it is 0 / 0, NaN, as N / D is then:
no share of no events. A plain `0 * D` read 0 there, so a success ratio (`<99%`) or one
minus it (`1 - N / D > 1%`) paged through every idle night on a series that did not exist
yet (no 200 since the restart). The ratio is absent, and the NoData alert fires,
only when the denominator vanished too: the data really is gone. The SLO rules read their
error counts the same way (`errors or 0 * total`).

The division is rewritten where it is the whole query or sits under a number (`1 - N / D`,
`100 * N / D`), only when both sides are `sum`s with the same grouping (`sum by (route)`)
and without vector matching (`on`, `ignoring`, `group_left`): there the two sides' label
sets are the same by construction, so `or` fills in exactly the missing ones. A gauge ratio
(free / size) is left as it is, a missing gauge being missing data, and so is a ratio of
bare series, whose differing labels would match nothing and must stay visibly empty.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

_EVENT_FUNCTIONS = frozenset({"rate", "irate", "increase"})
_ARITHMETIC = frozenset({"+", "-", "*", "/"})
_OPENING, _CLOSING = "([{", ")]}"


@lru_cache(maxsize=4096)  # a plan repeats its few query shapes over many services' rows
def guard_event_ratios(query: str) -> str:
    """The query with each event ratio reading 0 while only its denominator has data."""
    import promql_parser

    try:
        node = promql_parser.parse(query)
    except ValueError:  # checked elsewhere; a query this cannot read is left as it is
        return query
    return _rewrite(query, node)


def _rewrite(text: str, node: Any) -> str:
    kind = type(node).__name__
    if kind == "ParenExpr":
        inner = _strip_parens(text)
        if inner is None:
            return text
        rewritten = _rewrite(inner, node.expr)
        return text if rewritten == inner else f"({rewritten})"
    if kind != "BinaryExpr" or str(node.op) not in _ARITHMETIC or node.modifier is not None:
        return text
    sides = _split(text, node)
    if sides is None:
        return text
    left, op, right = sides
    if str(node.op) == "/" and _summed_events(node.lhs, node.rhs):
        return f"({text} or 0 * ({right.strip()}) / ({right.strip()}))"
    # a number around a ratio: 1 - N / D, 100 * N / D, N / D * 100
    if _is_number(node.lhs):
        rewritten = _rewrite(right.strip(), node.rhs)
        return text if rewritten == right.strip() else f"{left.strip()} {op} {rewritten}"
    if _is_number(node.rhs):
        rewritten = _rewrite(left.strip(), node.lhs)
        return text if rewritten == left.strip() else f"{rewritten} {op} {right.strip()}"
    return text


def _summed_events(numerator: Any, denominator: Any) -> bool:
    """Both sides sums with the same grouping, the numerator's of events: their label sets are
    then the same by construction (a ratio of bare series whose labels differ matches nothing,
    and must stay visibly empty rather than read 0)."""
    top, bottom = _unparen(numerator), _unparen(denominator)
    return (type(top).__name__ == type(bottom).__name__ == "AggregateExpr" and str(top.op) == str(bottom.op) == "sum"
            and _grouping(top) == _grouping(bottom) and _counts_events(top.expr))


def _grouping(node: Any) -> str:
    modifier = node.modifier
    return "" if modifier is None else str(modifier)


def _unparen(node: Any) -> Any:
    while type(node).__name__ == "ParenExpr":
        node = node.expr
    return node


def _counts_events(node: Any) -> bool:
    """rate/irate/increase of a series, maybe summed (with or without grouping), or a sum of such."""
    kind = type(node).__name__
    if kind == "ParenExpr":
        return _counts_events(node.expr)
    if kind == "AggregateExpr":
        return str(node.op) == "sum" and _counts_events(node.expr)
    if kind == "Call":
        return node.func.name in _EVENT_FUNCTIONS
    if kind == "BinaryExpr":
        return str(node.op) == "+" and node.modifier is None and _counts_events(node.lhs) and _counts_events(node.rhs)
    return False


def _is_number(node: Any) -> bool:
    kind = type(node).__name__
    return kind == "NumberLiteral" or (kind == "ParenExpr" and _is_number(node.expr))


def _split(text: str, node: Any) -> tuple[str, str, str] | None:
    """The text of the binary expression's two operands, found at an operator outside any
    brackets or strings, and proven by parsing each side back to the node's own operands."""
    import promql_parser

    op = str(node.op)
    want = (str(node.lhs), str(node.rhs))
    for at in reversed(_top_level(text, op)):  # left-associative: the last one is the top
        left, right = text[:at], text[at + len(op):]
        try:
            if (str(promql_parser.parse(left)), str(promql_parser.parse(right))) == want:
                return left, op, right
        except ValueError:
            continue
    return None


def _outside_strings(text: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, bracket depth before it) of each character outside strings and
    comments; brackets change the depth after themselves."""
    depth, index, quote = 0, 0, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote != "`":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'`":
            quote = char
        elif char == "#":  # a comment runs to the end of the line
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        else:
            yield index, char, depth
            depth += (char in _OPENING) - (char in _CLOSING)
        index += 1


def _top_level(text: str, op: str) -> list[int]:
    """Where `op` stands outside brackets, strings and comments."""
    return [index for index, char, depth in _outside_strings(text) if depth == 0 and char == op]


def _strip_parens(text: str) -> str | None:
    """The text inside one pair of parentheses that encloses all of it, or None."""
    stripped = text.strip()
    if not (stripped.startswith("(") and stripped.endswith(")")):
        return None
    inner = stripped[1:-1]
    return inner if _balanced(inner) else None


def _balanced(text: str) -> bool:
    """Every bracket closed, none closed before it opened."""
    after = 0
    for _, char, depth in _outside_strings(text):
        after = depth + (char in _OPENING) - (char in _CLOSING)
        if after < 0:
            return False
    return after == 0


# Labels saying where a series comes from, not what kind of event it counts: the anchor of a
# sum of events keeps the query's equality matchers on these (a per-service row's service).
_SOURCE_LABELS = frozenset({"job", "instance", "service", "namespace", "cluster", "env", "environment", "app",
                            "application", "region", "zone", "pod", "container", "deployment", "tenant"})


@lru_cache(maxsize=4096)
def guard_event_counts(query: str) -> str:
    """A sum of events, `sum(increase(c{code=~"5.."}[5m]))` (also of rate or irate, or a sum of
    such), without grouping, as `(Q or 0 * group(c{job="..."}))`: 0 while the counter's metric
    has series where the query reads (its equality matchers on job, instance, service and the
    like, see _SOURCE_LABELS) but none the query selects.

    Client libraries create a labelled counter's series at its first event, so a healthy
    service that never answered a 5xx had no value at all, and the row's NoData alert paged
    until its first error ever. The value is absent, and NoData fires, only when the metric
    itself is gone from the job (renamed, not scraped)."""
    import promql_parser

    try:
        node = promql_parser.parse(query)
    except (ValueError, TypeError):
        return query
    top = _unparen(node)
    if (type(top).__name__ != "AggregateExpr" or str(top.op) != "sum" or top.modifier is not None
            or top.param is not None or not _counts_events(top.expr)):
        return query
    anchors: list[str] = []
    plain = True

    def visit(child: Any) -> None:
        nonlocal plain
        if type(child).__name__ != "VectorSelector":
            return
        if not child.name or child.offset is not None or child.at is not None:
            plain = False
            return
        matchers = child.matchers.matchers if child.matchers is not None else []
        where = sorted(f"{m.name}={json.dumps(m.value)}" for m in matchers
                       if m.name in _SOURCE_LABELS and str(m.op) == "MatchOp.Equal")
        anchors.append(child.name + ("{" + ", ".join(where) + "}" if where else ""))

    promql_parser.walk(top.expr, visit)
    if not plain or not anchors:
        return query
    return f"({query.strip()} or 0 * group({' or '.join(dict.fromkeys(anchors))}))"
