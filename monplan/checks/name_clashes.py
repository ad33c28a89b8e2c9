"""output/file-name-clashes: no two generated files that macOS or Windows would take for one.

macOS (APFS, HFS+) ignores letter case and Unicode normalisation in file names by default,
Windows (NTFS) ignores letter case. A checkout of generated/ there holds one file where the
build wrote two (runbooks/CheckoutDown.md and runbooks/Checkoutdown.md): one runbook is
lost, a rule's runbook_url opens the other row's runbook, and `build --check` is never
clean. Names are compared as `fold` folds them: Unicode's canonical caseless match (NFD,
full case folding, NFD again); full folding also takes "ß" for "ss", stricter than NTFS,
never looser.

Most generated names are lower-case slugs; the alert names, which name the runbooks
(runbooks/<AlertName>.md, NoData and target alerts too), keep their case, so they are
checked here, on the plan, by `monplan validate` as well. `file_names.file_name_problems`
checks every path of a build the same way before anything is written, whatever the name
comes from.
"""

from __future__ import annotations

import unicodedata

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic, Path

CHECK_ID = "output/file-name-clashes"


def fold(name: str) -> str:
    """The name as case- and normalisation-insensitive file systems compare it."""
    if name.isascii():
        return name.lower()  # the same as below for ASCII, and the common case
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", name).casefold())


def _field(ctx: Context, path: Path) -> Path:
    """The value of a row that gives its alert name: alert: when set, else metric: or item:."""
    values = ctx.located.values
    for key in ("alert", "metric", "item"):
        if path + (key,) in values:
            return path + (key,)
    return path


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK_ID)
    # (alert name, where its value is, what it is, the row or job it belongs to)
    names: list[tuple[str, Path, str, Path]] = []
    for alert in ctx.plan.alerts:
        where = _field(ctx, alert.path)
        names.append((alert.name, where, f'the row "{alert.metric}"', alert.path))
        if alert.no_data is not None:
            names.append((alert.no_data.name, where, f'the NoData alert of "{alert.metric}"', alert.path))
    for watch in ctx.plan.target_watches:
        names.append((watch.name, watch.path, f'the job "{watch.job}"', watch.path))
    first: dict[str, tuple[str, Path, str, Path]] = {}
    reported: set[tuple[Path, Path]] = set()
    for entry in names:
        name, where, what, owner = entry
        earlier = first.setdefault(fold(name), entry)
        # The same name twice is alerts/unique-names' to report; the copies of a per-service
        # row share theirs.
        if earlier[0] == name or (earlier[3], owner) in reported:
            continue
        jobs = [text for text in (what, earlier[2]) if text.startswith("the job")]
        hint = ("set alert: on one of the rows" if not jobs else "rename the job" if len(jobs) == 2
                else "set alert: on the row, or rename the job")
        reported.add((earlier[3], owner))  # a row's NoData name clashes too when its own does
        line = ctx.located.where(earlier[1])[0]
        problem(where, f'{what} gets the alert name "{name}" and {earlier[2]} at line {line} the alert name '
                f'"{earlier[0]}": their runbooks runbooks/{name}.md and runbooks/{earlier[0]}.md differ only in '
                "letter case, and macOS and Windows take them for one file (one runbook would overwrite the "
                f"other); expected alert names that differ in more than letter case: {hint}")
    return problem.items


CHECK = Check(CHECK_ID, "no two generated files whose names differ only in letter case or Unicode normalisation "
              "(one file on macOS and Windows); alert names name the runbooks", "error", run)
