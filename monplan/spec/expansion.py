"""How much a plan expands into: per-service sections copy each row once per service and put
each service's `vars` into its queries, so a plan of a few kilobytes can stand for millions
of rows or gigabytes of query text (400 rows x 400 services; `${v}` written 3,000 times with
a 90,000-character `v` took 23 GB of memory before the kernel killed the build). A plan is
held to what it could be written out as: checked here, from the validated spec, before
anything is expanded (`spec/expansion`):

- at most MAX_ROWS rows in all, per-service copies counted (what monplan is measured to build
  in bounded memory: 100,000 rows in under 1 GiB, benchmarks/README.md);
- no substituted text longer than a plan value may be (MAX_SCALAR characters);
- at most MAX_BYTES characters of substituted text in all (as much as a whole plan may hold).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.spec.limits import MAX_BYTES
from monplan.spec.loader import MAX_SCALAR, Located
from monplan.spec.metrics import FocusArea, MetricRow
from monplan.spec.plan import Plan
from monplan.spec.services import Override, Service

MAX_ROWS = 150_000
CHECK = "spec/expansion"
_SLI_QUERIES = ("errors", "good", "total", "ratio")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")  # as monplan/model/services.py substitutes


def expansion_problems(plan: Plan, located: Located) -> list[Diagnostic]:
    """Where the plan expands past the limits; empty for every plan within them."""
    per_service: list[tuple[Path, list[MetricRow]]] = [
        (("sections", i), section.metrics) for i, section in enumerate(plan.sections) if section.per_service]
    templates = sum(len(rows) for _, rows in per_service)
    others = sum(len(s.metrics) for s in plan.sections if not s.per_service) + _focus_items(plan.focus_areas)
    if not templates or not plan.services:
        return []  # nothing is copied: the plan's own size limits hold
    copies = templates * len(plan.services) - _skips(per_service, plan.services)
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
    return problems


def _focus_items(areas: list[FocusArea]) -> int:
    return sum(len(area.items) + _focus_items(area.areas) for area in areas)


def _override(service: Service, row: MetricRow) -> Override | None:
    """As monplan/model/services.py finds it: by the row's metric, else its alert name."""
    return service.overrides.get(row.metric) or (service.overrides.get(row.alert) if row.alert else None)


def _skips(per_service: list[tuple[Path, list[MetricRow]]], services: list[Service]) -> int:
    """The copies services skip, found through the rows each skip names (never rows x services:
    that product is what may be too large to go through)."""
    by_name: dict[str, list[MetricRow]] = {}
    for _, rows in per_service:
        for row in rows:
            for name in dict.fromkeys((row.metric, row.alert)):
                if name is not None:
                    by_name.setdefault(name, []).append(row)
    count = 0
    for service in services:
        named = {id(row): row for key, override in service.overrides.items() if override.skip
                 for row in by_name.get(key, ())}
        count += sum(1 for row in named.values() if (found := _override(service, row)) is not None and found.skip)
    return count


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
                override = _override(service, row)
                if override is not None and override.skip:
                    continue
                if override is not None and override.query:
                    key = row.metric if row.metric in service.overrides else row.alert or row.metric
                    yield ("services", number, "overrides", key, "query"), override.query, service
                elif row.query is not None:
                    yield path + ("query",), row.query, service
                for where, text in texts:
                    if text is not None:
                        yield where, text, service


def _length(text: str, service: Service, where: Path) -> int:
    """How long `text` is once the service's vars are put in, without putting them in."""
    if "${" not in text:
        return len(text)
    values = {"service": service.name, **service.vars}
    if where[-2] == "slo" and where[-1] in _SLI_QUERIES:  # they keep ${window}, one per alert window
        values.pop("window", None)
    length = len(text)
    for name, times in Counter(_VARIABLE.findall(text)).items():
        value = values.get(name)
        if value is not None:
            length += times * (len(value) - len(name) - 3)
    return length


def _at(located: Located, path: Path, message: str, *, key: bool = False) -> Diagnostic:
    line, column = located.where(path, key=key)
    return Diagnostic(located.file, line, column, message, format_path(path), check=CHECK)
