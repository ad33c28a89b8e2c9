"""Grafana's side of PromQL: macros and template variables in dashboard queries.

Dashboard queries may use Grafana's macros (`$__rate_interval`, `$__interval`, ...) and
the dashboard's variables (`$instance`); Prometheus sees them only after Grafana has
substituted them. `substitute` does what Grafana does, so that a query can be parsed and
evaluated outside Grafana. `filter_by` adds a variable's matcher to a query's selectors.
"""

from __future__ import annotations

import functools
import re

# What Grafana puts in for each macro; the exact values do not matter for parsing, and a
# check that evaluates queries over synthetic series only needs them to be valid ranges.
DURATION_MACROS = {"__rate_interval": "1m", "__interval": "1m", "__range": "1h", "__auto": "1m"}
NUMBER_MACROS = {"__interval_ms": "60000", "__range_s": "3600", "__range_ms": "3600000"}
ALL_VALUE = ".*"  # a multi-value variable's All, as its allValue regex

_REFERENCE = re.compile(r"\$\{(\w+)(?::[\w:]+)?\}|\$(\w+)|\[\[(\w+)(?::[\w:]+)?\]\]")


def substitute(expr: str, values: dict[str, str] | None = None) -> str:
    """The query as Prometheus receives it: macros replaced, variables set to `values` or All."""

    def replace(match: re.Match[str]) -> str:
        name = match[1] or match[2] or match[3]
        if name in DURATION_MACROS:
            return DURATION_MACROS[name]
        if name in NUMBER_MACROS:
            return NUMBER_MACROS[name]
        return (values or {}).get(name, ALL_VALUE)

    return _REFERENCE.sub(replace, expr)


def check(expr: str) -> str:
    """Parse the query as Grafana would send it; raises ValueError saying why it does not parse."""
    import promql_parser  # deferred: the spec imports this module at startup

    try:
        promql_parser.parse(substitute(expr))
    except (ValueError, TypeError) as err:
        raise ValueError(f"PromQL does not parse (after substituting Grafana's macros and variables): {err}") from None
    return expr


def grouped_by(expr: str) -> list[str]:
    """Labels the query's outermost aggregation keeps (`max by (instance) (...)` -> [instance])."""
    return list(_grouped_by(expr))


_BY = re.compile(r"\bby\b", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)
def _grouped_by(expr: str) -> tuple[str, ...]:
    # Each query is asked about for its filter and its legend, on every dashboard showing it.
    if not _BY.search(expr):  # no `by` anywhere, so no aggregation keeps labels: skip the parse
        return ()
    import promql_parser

    found: list[list[str]] = []

    def visit(node: object) -> bool:
        modifier = getattr(node, "modifier", None) if isinstance(node, promql_parser.AggregateExpr) else None
        if modifier is not None and modifier.type == promql_parser.AggModifierType.By:
            found.append([label for label in modifier.labels if label != "le"])
            return False  # the outermost aggregation decides what the result carries
        return True

    promql_parser.walk(promql_parser.parse(substitute(expr)), visit)
    return tuple(found[0]) if found else ()


def filter_by(expr: str, label: str, variable: str) -> str:
    """The query with `label=~"$variable"` on every selector, printed canonically.

    promql_parser's nodes cannot be edited in place (setting matchers does not reach the
    printed form), so each selector is re-parsed from its text with the new matcher.
    """
    import promql_parser as pp

    protected, restore = _stand_ins(expr)
    tree = pp.parse(protected)

    def visit(node: pp.Expr) -> pp.Expr | None:
        if not isinstance(node, pp.VectorSelector):
            return None
        matchers = [m for m in node.matchers.matchers if m.name != label]
        matchers.append(pp.Matcher(pp.MatchOp.Re, label, f"${variable}"))
        text = str(node)
        head = (node.name or "") + str(node.matchers)
        if not text.startswith(head):  # pragma: no cover - a printer change in promql_parser
            raise ValueError(f"cannot add a matcher to {text!r}")
        return pp.parse((node.name or "") + str(pp.Matchers(matchers)) + text[len(head):])

    out = str(pp.transform(tree, None, visit))
    for printed, reference in restore.items():
        out = out.replace(printed, reference)
    return out


_STRING_OR_REFERENCE = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`|' + _REFERENCE.pattern)


def _stand_ins(expr: str) -> tuple[str, dict[str, str]]:
    """The query with each macro or variable outside string literals ([$__rate_interval])
    replaced by a value PromQL parses, and {value as printed: reference} to put them back.

    A reference in a range, subquery step or offset stands in as an odd duration, any other
    as an odd number; references inside strings ("$instance") parse as they are.
    """
    import promql_parser as pp

    restore: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        text = match.group(0)
        if text[0] in "\"'`":
            return text
        before = expr[:match.start()].rstrip()
        if before.endswith(("[", ":", "offset")):
            stand_in = f"{1000003 + 7919 * len(restore)}s"
            printed = str(pp.parse(f"x[{stand_in}]")).split("[", 1)[1].rstrip("]")  # the printer's spelling
        else:
            stand_in = printed = f"{918273645 + len(restore)}.25"
        restore[printed] = text
        return stand_in

    return _STRING_OR_REFERENCE.sub(replace, expr), restore
