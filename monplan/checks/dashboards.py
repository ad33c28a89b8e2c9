"""dashboards/grafana-limits: the plan's dashboards fit what Grafana and the output folder hold.

Each dashboard becomes grafana/dashboards/<slug of its title>.json and a Grafana uid, and
its view queries reach Grafana, which substitutes `$name` variables before Prometheus sees
them. Two titles with one slug would write one file (one dashboard silently lost), two
equal uids make Grafana keep one of them, and a misspelt `$variable` stays in the query as
it is. Each is an error at its plan line instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic, Path as PlanPath
from monplan.lang import naming
from monplan.lang.promql import _REFERENCE
from monplan.spec.plan import Plan as Spec

# The data source variable every generated dashboard has (monplan/generators/grafana/build.py).
DATASOURCE_VARIABLE = "datasource"


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    check_dashboards(ctx.spec, problem)
    return problem.items


def check_dashboards(spec: Spec, problem: Callable[..., None]) -> None:
    from monplan.model.boards import _uid_words, stable_uid

    files: dict[str, tuple[str, int]] = {}
    uids: dict[str, tuple[str, int]] = {}
    for index, board in enumerate(spec.dashboards):
        path = ("dashboards", index)
        file = f"grafana/dashboards/{naming.slug(board.title)}.json"
        if file in files and files[file][0] != board.title:
            problem(path + ("title",), f'dashboard "{board.title}" would be written to {file}, as "{files[file][0]}" is; '
                    "titles must differ in their letters or digits, not only in punctuation")
        files.setdefault(file, (board.title, index))
        uid = board.uid or stable_uid(spec.system, _uid_words(board.title))
        if uid in uids and board.uid is not None:
            problem(path + ("uid",), f'uid "{uid}" is already the uid of dashboard "{uids[uid][0]}"; Grafana keeps one '
                    "dashboard per uid: give each its own")
        uids.setdefault(uid, (board.title, index))
        _variables(board, path, problem)


def _variables(board: Any, path: PlanPath, problem: Callable[..., None]) -> None:
    names = [DATASOURCE_VARIABLE]
    for i, variable in enumerate(board.variables):
        if variable.name in names:
            what = "the data source variable monplan adds" if variable.name == DATASOURCE_VARIABLE else "defined before"
            problem(path + ("variables", i, "name"), f'variable "{variable.name}" is {what}; give it another name')
        names.append(variable.name)
    for j, view in enumerate(board.views):
        for k, panel in enumerate(view.panels):
            for match in _REFERENCE.finditer(panel.query):
                name = match[1] or match[2] or match[3]
                if name.startswith("__") or name in names:  # Grafana's own ($__rate_interval) or the board's
                    continue
                close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
                hint = f' (did you mean "${close[0]}"?)' if close else ""
                problem(path + ("views", j, "panels", k, "query"),
                        f'unknown dashboard variable "${name}"{hint}; this dashboard has '
                        f'{", ".join("$" + n for n in dict.fromkeys(names))} and Grafana\'s macros such as $__rate_interval '
                        "(add it to variables:)")


CHECK = Check("dashboards/grafana-limits", "dashboard files, uids and $variables are what Grafana can hold",
              "error", run)
