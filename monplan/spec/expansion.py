"""How much a plan expands into: per-service sections copy each row once per service and put
each service's `vars` into its queries, so a plan of a few kilobytes can stand for millions
of rows or gigabytes of query text (400 rows x 400 services; `${v}` written 3,000 times with
a 90,000-character `v` took 23 GB of memory before the kernel killed the build). A plan is
held to what it could be written out as: checked here, from the validated spec, before
anything is expanded (`spec/expansion`):

- at most MAX_ROWS rows in all, per-service copies counted (what monplan is measured to build
  in bounded memory: 100,000 rows in under 1 GiB, benchmarks/README.md);
- no substituted text longer than a plan value may be (MAX_SCALAR characters);
- at most MAX_BYTES characters of substituted text in all (as much as a whole plan may hold);
- dashboards showing at most MAX_SHOWN rows together (each shows its sections' rows again).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.spec.limits import MAX_BYTES
from monplan.spec.loader import MAX_SCALAR, Located
from monplan.spec.metrics import FocusArea, MetricRow
from monplan.spec.plan import Plan
from monplan.spec.services import VARIABLE_REFERENCE, Service, override_for, override_key, variables

MAX_ROWS = 150_000
MAX_SHOWN = 2 * MAX_ROWS  # rows all the dashboards of a plan show together
CHECK = "spec/expansion"
_SLI_QUERIES = ("errors", "good", "total", "ratio")


def expansion_problems(plan: Plan, located: Located) -> list[Diagnostic]:
    """Where the plan expands past the limits; empty for every plan within them."""
    per_service: list[tuple[Path, list[MetricRow]]] = [
        (("sections", i), section.metrics) for i, section in enumerate(plan.sections) if section.per_service]
    templates = sum(len(rows) for _, rows in per_service)
    others = sum(len(s.metrics) for s in plan.sections if not s.per_service) + sum(items for _, items in _areas(plan.focus_areas, ""))
    if not templates or not plan.services:  # nothing is copied: the plan's own size limits hold
        return _dashboards_problems(plan, located, Counter())
    skipped = _skips(per_service, plan.services)
    copies = templates * len(plan.services) - sum(skipped.values())
    if copies + others > MAX_ROWS:
        where = per_service[0][0]
        return [_at(located, ("services",), f"the per-service sections make {copies:,} rows ({templates:,} rows "
                    f"for {len(plan.services):,} services){f', with {others:,} other rows' if others else ''}; "
                    f"a plan expands to at most {MAX_ROWS:,} rows (monplan is measured to build 100,000 in under "
                    f"1 GiB): split the services across several plans (the per-service section is at line "
                    f"{located.where(where)[0]})", key=True)]
    problems: list[Diagnostic] = []
    longest: dict[Path, tuple[int, str, int]] = {}  # text -> (its longest copy, whose, how many are too long)
    total = 0
    for path, text, service in _substituted(per_service, plan.services):
        length = _length(text, service, path)
        if length <= MAX_SCALAR:
            total += length
        else:
            most, whose, count = longest.get(path, (0, "", 0))
            longest[path] = (length, service.name, count + 1) if length > most else (most, whose, count + 1)
    for path, (length, whose, count) in longest.items():
        others_too = f" (and {count - 1:,} other services)" if count > 1 else ""
        problems.append(_at(located, path, f'for service "{whose}"{others_too}: its vars make this text {length:,} '
                            f"characters long; a plan value may have at most {MAX_SCALAR:,} characters, also once "
                            "variables are substituted"))
    if total > MAX_BYTES:
        problems.append(_at(located, ("services",), f"the services' vars make {total:,} characters of queries in "
                            f"the per-service sections (counting only copies within the limit of one value); at most {MAX_BYTES:,} (what a whole plan may hold): split "
                            "the services across several plans, or use shorter values", key=True))
    return problems + _dashboards_problems(plan, located, Counter({
        path: len(rows) * len(plan.services) - skipped[path] for path, rows in per_service}))


def _dashboards_problems(plan: Plan, located: Located, copies: Counter[Path]) -> list[Diagnostic]:
    """Dashboards show rows again: each its sections' and focus areas' (a dashboard listing a
    section of 10,000 rows, written 1,000 times, would draw ten million panels)."""
    if not plan.dashboards:
        return []  # the default dashboards show each row once
    from monplan.model.boards import area_prefixes

    by_title: Counter[str] = Counter()
    for number, section in enumerate(plan.sections):
        by_title[section.title] += copies.get(("sections", number), len(section.metrics))
    by_area: Counter[str] = Counter()  # an area's items and those of its sub-areas
    for title, items in _areas(plan.focus_areas, ""):
        for prefix in area_prefixes(title):
            by_area[prefix] += items
    shown = 0
    for board in plan.dashboards:
        shown += sum(by_title[title] for title in set(board.sections))
        areas = set(board.focus_areas)  # a sub-area listed beside its area is shown once
        shown += sum(by_area[area] for area in areas if not any(p in areas for p in list(area_prefixes(area))[1:]))
        shown += sum(len(view.panels) for view in board.views)
    if shown <= MAX_SHOWN:
        return []
    return [_at(located, ("dashboards",), f"the dashboards show {shown:,} rows in all (each dashboard its "
                f"sections' and focus areas' rows); at most {MAX_SHOWN:,}, twice the rows a plan may have: "
                "list each section on fewer dashboards", key=True)]


def _areas(areas: list[FocusArea], prefix: str) -> Iterator[tuple[str, int]]:
    """(full title, items) of every focus area, as dashboards name them ("Parent / Child")."""
    for area in areas:
        title = f"{prefix}{area.title}"
        yield title, len(area.items)
        yield from _areas(area.areas, f"{title} / ")


def _skips(per_service: list[tuple[Path, list[MetricRow]]], services: list[Service]) -> Counter[Path]:
    """The copies services skip, per section, found through the rows each skip names (never rows x
    services: that product is what may be too large to go through)."""
    by_name: dict[str, list[tuple[Path, MetricRow]]] = {}
    for path, rows in per_service:
        for row in rows:
            for name in dict.fromkeys((row.metric, row.alert)):
                if name is not None:
                    by_name.setdefault(name, []).append((path, row))
    skipped: Counter[Path] = Counter()
    for service in services:
        named = {id(row): (path, row) for key, override in service.overrides.items() if override.skip
                 for path, row in by_name.get(key, ())}
        skipped.update(path for path, row in named.values()
                       if (found := override_for(service, row)) is not None and found.skip)
    return skipped


def _substituted(per_service: list[tuple[Path, list[MetricRow]]],
                 services: list[Service]) -> Iterator[tuple[Path, str, Service]]:
    """Every text a service's copy of a row has its vars put into: (where it is written, text, service)."""
    for section_path, rows in per_service:
        for index, row in enumerate(rows):
            path = section_path + ("metrics", index)
            slo = row.slo
            texts: list[tuple[Path, str | None]] = [(path + ("baseline_query",), row.baseline_query)]
            if slo is not None:
                texts += [(path + ("slo", key), getattr(slo, key))
                          for key in (*_SLI_QUERIES, "bool_gauge", "buckets")]
            for number, service in enumerate(services):
                override = override_for(service, row)
                if override is not None and override.skip:
                    continue
                if override is not None and override.query:
                    yield ("services", number, "overrides", override_key(service, row), "query"), override.query, service
                elif row.query is not None:
                    yield path + ("query",), row.query, service
                for where, text in texts:
                    if text is not None:
                        yield where, text, service


def _length(text: str, service: Service, where: Path) -> int:
    """How long `text` is once the service's vars are put in, without putting them in."""
    if "${" not in text:
        return len(text)
    values = variables(service)
    if where[-2] == "slo" and where[-1] in _SLI_QUERIES:  # they keep ${window}, one per alert window
        values.pop("window", None)
    length = len(text)
    for name, times in Counter(VARIABLE_REFERENCE.findall(text)).items():
        value = values.get(name)
        if value is not None:
            length += times * (len(value) - len(name) - 3)
    return length


def _at(located: Located, path: Path, message: str, *, key: bool = False) -> Diagnostic:
    line, column = located.where(path, key=key)
    return Diagnostic(located.file, line, column, message, format_path(path), check=CHECK)
