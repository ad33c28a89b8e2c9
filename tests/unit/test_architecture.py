"""The layers of README's Architecture, checked in the code: generators read only the model.

resolve (monplan/model/resolve.py) is the one place that turns the checked spec into the
model; a generator that reads `plan.spec` (or any attribute named spec), or imports from
monplan.spec, would bypass the defaults and derived names resolve applies, and the unit
cache's keys (monplan/output/unitcache.py), which cover the model, would miss what it read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GENERATORS = Path(__file__).resolve().parents[2] / "monplan" / "generators"

# (module, imported module): imports of monplan.spec a generator may make, each with its reason.
ALLOWED_SPEC_IMPORTS: dict[tuple[str, str], str] = {
    # plan.schema.json is the JSON Schema of the plan format itself, a property of the spec's
    # classes and the same for every plan; no value of the plan is read.
    ("schema.py", "monplan.spec.plan"): "the schema of the format, not a plan's values",
}


def problems(source: str, name: str) -> list[str]:
    """What a generator module's source does that only resolve may do."""
    found = []
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Attribute) and node.attr == "spec":
            found.append(f"{name}:{node.lineno}: reads .spec")
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom):
            package = ["monplan", "generators", *name.split("/")[:-1]]  # the module's package
            base = ".".join(package[:len(package) - node.level + 1] if node.level else [])
            module = ".".join(part for part in (base, node.module or "") if part)
            modules = [module] + [f"{module}.{alias.name}" for alias in node.names if module == "monplan"]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        for module in modules:
            if (module == "monplan.spec" or module.startswith("monplan.spec.")) \
                    and (name, module) not in ALLOWED_SPEC_IMPORTS:
                found.append(f"{name}:{node.lineno}: imports {module}")
                break
    return found


def _modules() -> list[Path]:
    return sorted(GENERATORS.rglob("*.py"))


def test_there_are_generator_modules_to_check() -> None:
    names = {path.relative_to(GENERATORS).as_posix() for path in _modules()}
    assert {"alertmanager.py", "prometheus_config.py", "plan_md.py", "grafana/build.py"} <= names


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(GENERATORS).as_posix())
def test_a_generator_reads_only_the_model_never_the_spec(path: Path) -> None:
    name = path.relative_to(GENERATORS).as_posix()
    assert problems(path.read_text(encoding="utf-8"), name) == []


def test_every_allowed_import_is_still_made() -> None:
    """An exception nobody needs any more is removed, so the list says what is true."""
    for module_file, module in ALLOWED_SPEC_IMPORTS:
        tree = ast.parse((GENERATORS / module_file).read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        assert module in imported, (module_file, module)


@pytest.mark.parametrize("source", [
    "def f(plan):\n    return plan.spec.system\n",
    "def f(board):\n    return board.spec\n",
    "from monplan.spec.collection import Probe\n",
    "from monplan.spec import plan\n",
    "import monplan.spec.types\n",
    "from monplan import spec\n",
    "from .. import spec\n",
    "def f():\n    from monplan.spec.types import PLACEHOLDER\n",
])
def test_the_check_finds_each_way_of_reaching_the_spec(source: str) -> None:
    assert problems(source, "example.py") != []


def test_the_check_lets_the_model_and_plain_words_pass() -> None:
    source = ('"""Alertmanager.spec.configSecret, in words."""\n'
              "from monplan.model.settings import Settings\n"
              "def f(plan):\n    return {'spec': plan.settings.system}\n")
    assert problems(source, "example.py") == []
