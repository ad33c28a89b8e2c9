"""Rule namespaces for the Grafana Mimir (or Cortex) ruler (target mimir).

    mimir/rules/<namespace>.yaml     namespace: <name> and its groups, as `mimirtool rules load`
                                     and `mimirtool rules sync --rule-dirs` read them

The groups are rules.rule_groups, unchanged: the same rules, the same group names, at most
`defaults.rules_per_group` rules each (Mimir's default ruler_max_rules_per_rule_group is
20) and `interval` from `defaults.evaluation_interval`.
"""

from __future__ import annotations

from typing import Any

from monplan.formats.render import header, to_yaml
from monplan.lang import naming
from monplan.model.plan import Plan
from monplan.model.settings import Mimir

RULES_DIR = "mimir/rules"


def target(plan: Plan) -> Mimir | None:
    return plan.settings.mimir


def base_namespace(plan: Plan, settings: Mimir) -> str:
    return settings.namespace or naming.slug(plan.settings.system)


def _unique(groups: list[dict[str, Any]], taken: set[str]) -> list[dict[str, Any]]:
    """Group names are unique within a namespace (Prometheus' files only within a file): a clash
    between two rule files' groups gets the next free -N."""
    out = []
    for group in groups:
        name, index = group["name"], 2
        while name in taken:
            name, index = f"{group['name']}-{index}", index + 1
        taken.add(name)
        out.append(group if name == group["name"] else {**group, "name": name})
    return out


def namespaces(plan: Plan, settings: Mimir) -> dict[str, tuple[list[str], list[dict[str, Any]]]]:
    """Namespace -> (titles of the rule files in it, its groups), in plan order."""
    from monplan.generators.rules import rule_groups

    base = base_namespace(plan, settings)
    out: dict[str, tuple[list[str], list[dict[str, Any]]]] = {}
    taken: dict[str, set[str]] = {}
    for slug, title in plan.rule_files():
        name = base if settings.namespaces == "one" else f"{base}-{slug.replace('/', '-')}"
        titles, groups = out.setdefault(name, ([], []))
        titles.append(title)
        groups.extend(_unique(rule_groups(plan, slug, title), taken.setdefault(name, set())))
    return out


def path_of(namespace: str) -> str:
    return f"{RULES_DIR}/{namespace}.yaml"


def generate(plan: Plan) -> dict[str, bytes]:
    settings = target(plan)
    if settings is None:
        return {}
    source = plan.source
    files = {}
    for namespace, (titles, groups) in namespaces(plan, settings).items():
        about = ", ".join(titles) if len(titles) <= 3 else f"{len(titles)} sections, focus areas and services"
        what = f"Mimir ruler namespace {namespace}: {len(groups)} rule group{'' if len(groups) == 1 else 's'} of {about}"
        files[path_of(namespace)] = to_yaml({"namespace": namespace, "groups": groups}, header(source, what))
    return files
