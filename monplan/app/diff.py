"""What a plan change does, in the words a reviewer reads: alerts, routing and files."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from monplan.model.plan import SEVERITIES, Alert, Plan
from monplan.model.routing import Routing
from monplan.spec.types import PriorityName


@dataclass
class AlertChange:
    name: str
    changes: list[tuple[str, str, str]]  # (what, before, after)


@dataclass
class PlanDiff:
    before: str
    after: str
    added: list[Alert] = field(default_factory=list)
    removed: list[Alert] = field(default_factory=list)
    changed: list[AlertChange] = field(default_factory=list)
    routing: list[tuple[str, str, str]] = field(default_factory=list)
    files_added: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.routing
                    or self.files_added or self.files_removed or self.files_changed)


class DiffError(Exception):
    pass


def receivers(plan: Plan, priority: PriorityName) -> str:
    """Who an alert of `priority` reaches, as alertmanager.yml routes it: the priority's
    receivers (held to business hours when the route says so), the receivers the critical
    period adds while it lasts, or the root route's receiver for a priority with no route."""
    routing = plan.routing
    if routing is None:
        return "(none)"
    route = routing.routes.get(priority)
    if route is None:
        return f"{routing.default_receiver} (default route)"
    text = ", ".join(dict.fromkeys(route.receivers)) + (" (business hours)" if route.business_hours_only else "")
    extra = routing.during_critical_period(priority)
    if extra and routing.critical_period is not None:
        text += f"; during {routing.critical_period.period} also {', '.join(extra)}"
    return text


def _alert_changes(old: Alert, new: Alert, old_plan: Plan, new_plan: Plan) -> list[tuple[str, str, str]]:
    pairs = [
        ("threshold", old.threshold.text, new.threshold.text),
        ("severity", old.priority, new.priority),
        ("for", old.for_, new.for_),
        ("query", old.query, new.query),
        ("section", old.group, new.group),
        ("receivers", receivers(old_plan, old.priority), receivers(new_plan, new.priority)),
        ("labels", _labels(old), _labels(new)),
    ]
    return [(what, a, b) for what, a, b in pairs if a != b]


def _labels(alert: Alert) -> str:
    return ", ".join(f"{k}={v}" for k, v in alert.labels if k != "severity")


def _routing(old: Plan, new: Plan) -> list[tuple[str, str, str]]:
    out = []
    for priority in SEVERITIES:
        a, b = receivers(old, priority), receivers(new, priority)
        if a != b:
            out.append((f"{priority} alerts go to", a, b))
    a_route, b_route = old.routing, new.routing
    parts: tuple[tuple[str, Callable[[Routing | None], object]], ...] = (
        ("business hours", lambda r: r.business_hours if r else None),
        ("critical-period routing", lambda r: r.critical_period_route if r else None))
    for what, get in parts:
        before, after = get(a_route), get(b_route)
        if before != after:
            out.append((what, _short(before), _short(after)))
    return out


def _short(value: object) -> str:
    if value is None:
        return "(none)"
    dump = getattr(value, "model_dump", None)
    if dump:
        return ", ".join(f"{k}={v}" for k, v in dump(exclude_defaults=False).items() if v not in (None, [], {}))
    return str(value)


def compare(old: Plan, new: Plan, old_files: Mapping[str, bytes], new_files: Mapping[str, bytes]) -> PlanDiff:
    diff = PlanDiff(old.file, new.file)
    before = {a.name: a for a in old.alerts}
    after = {a.name: a for a in new.alerts}
    diff.added = [after[n] for n in sorted(after.keys() - before.keys())]
    diff.removed = [before[n] for n in sorted(before.keys() - after.keys())]
    for name in sorted(before.keys() & after.keys()):
        changes = _alert_changes(before[name], after[name], old, new)
        if changes:
            diff.changed.append(AlertChange(name, changes))
    diff.routing = _routing(old, new)
    diff.files_added = sorted(new_files.keys() - old_files.keys())
    diff.files_removed = sorted(old_files.keys() - new_files.keys())
    diff.files_changed = sorted(p for p in new_files.keys() & old_files.keys() if new_files[p] != old_files[p])
    return diff


def plan_at(against: str, plan_path: Path, workdir: Path) -> Path:
    """The plan to compare with: DIR/<plan name>, or the plan's path at git revision REF.
    Raises DiffError with one line saying what is wrong and what to pass instead."""
    if against.startswith("-"):
        # git would read it as one of its options (`git show --output=FILE` writes a file)
        raise DiffError(f"--against {against}: a git revision or folder cannot start with '-'; "
                        "pass --against DIR (a folder holding the other plan) or a revision such as HEAD~1")
    folder = Path(against)
    if folder.is_dir():
        candidate = folder / plan_path.name
        if not candidate.is_file():
            raise DiffError(f"{candidate}: no plan there to compare with; pass --against DIR with the "
                            f"folder holding the other {plan_path.name}")
        return candidate
    where = plan_path.resolve().parent
    if not where.is_dir():
        raise DiffError(f"{plan_path}: no such file or folder; pass the plan with --plan PATH")
    repo = _git(["rev-parse", "--show-toplevel"], where,
                f"{where} is not in a git repository, so there is no revision {against} to compare with; "
                "pass --against DIR with a folder holding the other plan").strip()
    _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{against}^{{commit}}"], Path(repo),
         f"--against {against}: no such folder, and no such git revision in {repo}; "
         "pass --against DIR (a folder holding the other plan) or a revision such as HEAD~1")
    relative = plan_path.resolve().relative_to(repo)
    text = _git(["show", f"{against}:{relative.as_posix()}"], Path(repo),
                f"{relative.as_posix()} is not in git at {against} (a new plan?); "
                "pass --against DIR with a folder holding the other plan")
    target = workdir / plan_path.name
    target.write_text(text, encoding="utf-8")
    return target


def _git(args: list[str], cwd: Path, failure: str) -> str:
    """git's output; DiffError(failure) when it fails (its own words are multi-line and about git)."""
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError:
        raise DiffError("git is not installed; pass --against DIR with a folder holding the other plan") from None
    if proc.returncode != 0:
        raise DiffError(failure)
    return proc.stdout


def diff_plans(plan_path: Path, against: str) -> PlanDiff:
    """Compile both plans and compare them; raises PlanError or DiffError."""
    from monplan.app.pipeline import load_plan, render

    with tempfile.TemporaryDirectory(prefix="monplan-diff-") as tmp:
        other = plan_at(against, plan_path, Path(tmp))
        old = load_plan(other)
        new = load_plan(plan_path)
        result = compare(old, new, render(old), render(new))
        result.before = f"{against}:{plan_path.name}" if not Path(against).is_dir() else str(other)
        return result
