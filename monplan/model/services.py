"""Expand per-service sections: one copy of each row per service, variables substituted,
the service's overrides applied, each substituted query parsed on its own and scanned for
secrets: values that are harmless one by one (`ghp_0123456789` and `abcdefghij...`, or
`https://admin` and `hunter2@db`) may spell a credential once put together, and the result
is what reaches the rules, tests, runbooks and dashboards."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from monplan.diagnostics import Path, format_path
from monplan.spec.metrics import MetricRow, Section
from monplan.spec.secrets import alternative, what_secret
from monplan.spec.services import VARIABLE_REFERENCE, Service, override_for, override_key, variables
from monplan.spec.types import parse_promql

Problem = Callable[..., None]


SECRETS_CHECK = "spec/secrets"


@dataclass(frozen=True)
class ServiceRow:
    row: MetricRow
    path: Path  # the template row's place in the plan: errors point there


def substitute(text: str, values: dict[str, str]) -> tuple[str, list[str]]:
    """Text with ${name} replaced; also the names that have no value."""
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            missing.append(name)
            return match.group(0)
        return values[name]

    return VARIABLE_REFERENCE.sub(value, text), missing


def assembled_secret(result: str, template: str, path: Path, where: Path, problem: Problem,
                     line_of: Callable[[Path], int], service: str = "") -> bool:
    """Reports a secret that substitution put together (`result` made from `template`, the
    plan's text at `path`) at `where`, the values substituted; True if there is one. Only a
    text that substitution changed is scanned: the plan's own texts were scanned as written."""
    if result == template:
        return False
    what = what_secret(result)
    if what is None:
        return False
    whose = f'the vars of service "{service}"' if service else "these values"
    problem(where, f"{whose} substituted into {format_path(path)} (line {line_of(path)}) make what looks like {what}; "
            f"secrets never go in the plan: store it in a file and give the file's path in {alternative(where)}",
            check=SECRETS_CHECK)
    return True


def _expand_query(text: str, path: Path, service: Service, problem: Problem, *, sli: bool = False,
                  where: Path = (), line_of: Callable[[Path], int] = lambda path: 0,
                  source: Path | None = None) -> str | None:
    """The query as the service has it, or None (reported). A secret it would hold is reported
    at `where` (the service's vars), naming `source`, where the text comes from (default `path`)."""
    source = path if source is None else source
    values = variables(service)
    if sli:  # an SLO's query keeps ${window}: each alert window becomes it
        values["window"] = "${window}"
    query, missing = substitute(text, values)
    if missing:
        known = ", ".join(f"${{{name}}}" for name in values)
        problem(path, f'service "{service.name}" has no value for {", ".join("${" + m + "}" for m in missing)}; '
                f"its variables are {known} (add them to its vars)")
        return None
    try:
        parse_promql(query.replace("${window}", "5m") if sli else query)
    except ValueError as err:
        if not assembled_secret(query, text, source, where, problem, line_of, service.name):  # never repeated in a message
            problem(path, f'for service "{service.name}": {err} (after substituting its variables: {query})')
        return None
    if assembled_secret(query, text, source, where, problem, line_of, service.name):
        return None
    return query


def rows_for(section: Section, section_path: Path, service: Service, problem: Problem,
             service_path: Path = (), where: Callable[[Path], int] = lambda path: 0) -> Iterator[ServiceRow]:
    """The rows of a per-service section as `service` (at `service_path`) has them; `where`
    gives the line of a plan path."""
    at = service_path + ("vars",)  # a secret put together is reported at the values put in
    for index, template in enumerate(section.metrics):
        path = section_path + ("metrics", index)
        override = override_for(service, template)
        update: dict[str, object] = {}
        if override is not None:
            if override.skip:
                continue
            for field in ("threshold", "priority", "for_", "query"):
                value = getattr(override, field)
                if value is not None:
                    update[field] = value
        query_path = (service_path + ("overrides", override_key(service, template), "query") if "query" in update
                      else path + ("query",))  # where the text comes from, for the message
        query = _expand_query(str(update.get("query", template.query)), path + ("query",), service, problem,
                              where=at, line_of=where, source=query_path)
        if query is None:
            continue
        update["query"] = query
        if template.slo is not None:
            slo = _expand_slo(template, path + ("slo",), service, problem, at, where)
            if slo is None:
                continue
            update["slo"] = slo
        if template.baseline_query:
            baseline = _expand_query(template.baseline_query, path + ("baseline_query",), service, problem,
                                     where=at, line_of=where)
            if baseline is None:
                continue
            update["baseline_query"] = baseline
        yield ServiceRow(template.model_copy(update=update), path)


def _expand_slo(template: MetricRow, path: Path, service: Service, problem: Problem, at: Path,
                where: Callable[[Path], int]) -> object | None:
    """The row's slo: with the service's variables in its queries and buckets selector."""
    assert template.slo is not None
    update: dict[str, str] = {}
    for key in ("errors", "good", "total", "ratio"):
        text = getattr(template.slo, key)
        if text is not None:
            expanded = _expand_query(text, path + (key,), service, problem, sli=True, where=at, line_of=where)
            if expanded is None:
                return None
            update[key] = expanded
    if template.slo.bool_gauge is not None:
        gauge, missing = substitute(template.slo.bool_gauge, variables(service))
        if missing:
            problem(path + ("bool_gauge",), f'service "{service.name}" has no value for '
                    f'{", ".join("${" + m + "}" for m in missing)}')
            return None
        if assembled_secret(gauge, template.slo.bool_gauge, path + ("bool_gauge",), at, problem, where,
                            service.name):
            return None
        update["bool_gauge"] = gauge
    if template.slo.buckets is not None:
        from monplan.model.slo import bucket_problem

        buckets, missing = substitute(template.slo.buckets, variables(service))
        if assembled_secret(buckets, template.slo.buckets, path + ("buckets",), at, problem, where,
                            service.name):
            return None
        problem_text = bucket_problem(buckets)
        if missing or problem_text:
            why = (f'has no value for {", ".join("${" + m + "}" for m in missing)}' if missing
                   else f"gives {buckets}: {problem_text}")
            problem(path + ("buckets",), f'service "{service.name}" {why}')
            return None
        update["buckets"] = buckets
    return template.slo.model_copy(update=update)
