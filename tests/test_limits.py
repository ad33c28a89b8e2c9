"""Hostile plans are refused with a clear message, quickly and in bounded memory.
Each runs in its own interpreter so its peak memory can be measured."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MEASURE = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a regression fails here, not the machine
from pathlib import Path
from monplan.app.pipeline import load_plan
from monplan.diagnostics import PlanError
started = time.perf_counter()
try:
    load_plan(Path(sys.argv[1]))
    messages = []
except PlanError as err:
    messages = [str(d) for d in err.diagnostics]
print(json.dumps({"messages": messages, "seconds": time.perf_counter() - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

HEAD = "version: 1\nsystem: Shop\n"


def _alias_bomb() -> str:
    lines = [HEAD + 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ",".join([f"*a{level - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def _per_service(services: int, rows: int, query: str = "sum(up{job='${job}'})", value: str = "api") -> str:
    """A per-service section of `rows` rows, applied to `services` services: a few kilobytes."""
    listed = ",".join(f"{{name: s{i}, vars: {{job: {value}}}}}" for i in range(services))
    metrics = "".join(f'      - {{metric: M{i}, threshold: ">5", priority: High, query: "{query}"}}\n' for i in range(rows))
    return (HEAD + f"services: [{listed}]\nsections:\n  - title: Health\n    per_service: true\n"
            f"    metrics:\n{metrics}")


def _shown_again(rows: int, boards: int) -> str:
    """One section of `rows` rows, listed by `boards` dashboards: each shows the rows again."""
    metrics = "".join(f'      - {{metric: M{i}, threshold: ">5", priority: High, query: "sum(x{i}_total)"}}\n'
                      for i in range(rows))
    listed = "".join(f"  - {{title: B{i}, sections: [Big, Big]}}\n" for i in range(boards))
    return HEAD + f"sections:\n  - title: Big\n    metrics:\n{metrics}dashboards:\n{listed}"


HOSTILE = {
    # 1,600 rows on 200 dashboards: 320,000 rows drawn (each dashboard's links and firing list
    # grew with all the others besides), from a plan of 160 KB
    "one section on many dashboards": (lambda: _shown_again(1600, 200), "the dashboards show 320,000 rows in all"),
    # 388 x 388 copies: once minutes of work and gigabytes of memory from a plan of 30 KB
    "per-service rows times services": (lambda: _per_service(388, 388), "a plan expands to at most 150,000 rows"),
    # ${job} 5,000 times in a query, job 90,000 characters long: 450 million characters, killed at 23 GB before
    "a var put into a query many times": (lambda: _per_service(1, 1, "sum(" + "+".join(["${job}"] * 5000) + ")",
                                                               "x" * 90_000), "also once variables are substituted"),
    # each copy within 100,000 characters, 19 MB of queries in all
    "many services' vars adding up": (lambda: _per_service(200, 1, "sum(" + "+".join(["${job}"] * 190) + ")",
                                                           "x" * 500), "characters of queries in the per-service"),

    "alias bomb": (_alias_bomb, "more than the limit of 1,200,000"),
    "a flat flood of values": (lambda: HEAD + "x: [" + ",".join(["1"] * 1_500_000) + "]\n", "more than the limit of 1,200,000"),
    # libyaml itself stops at 1,000 levels of flow nesting in newer builds; either refusal is fine
    "deep nesting": (lambda: HEAD + "x: " + "[" * 5000 + "]" * 5000 + "\n",
                     ("nests deeper than 64 levels", "exceeded maximum nesting depth")),
    "deep block nesting": (lambda: HEAD + "".join(" " * i + f"k{i}:\n" for i in range(200)), "nests deeper than 64 levels"),
    "very long string": (lambda: HEAD + "overview: " + "x" * 5_000_000 + "\n", "characters long; the limit is 100,000"),
    "huge file": (lambda: HEAD + "# " + "y" * (17 * 1024 * 1024) + "\n", "larger than 16 MiB"),
    "many keys": (lambda: HEAD + "".join(f"k{i}: {i}\n" for i in range(300_000)), 'unknown field "k0"'),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_plans_are_refused_with_a_message_and_bounded_memory(name: str, tmp_path: Path) -> None:
    make, expected = HOSTILE[name]
    plan = tmp_path / "plan.yaml"
    plan.write_text(make())
    proc = subprocess.run([sys.executable, "-c", MEASURE, str(plan)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    expected = (expected,) if isinstance(expected, str) else expected
    assert any(e in message for message in result["messages"] for e in expected), result["messages"][:3]
    assert all(message.startswith(str(plan)) for message in result["messages"])
    assert result["peak_mb"] < 1024, f"{name} used {result['peak_mb']:.0f} MB"


def test_a_flood_of_problems_is_cut_short_with_a_count(tmp_path: Path) -> None:
    from conftest import run_monplan

    plan = tmp_path / "plan.yaml"
    plan.write_text(HEAD + "".join(f"k{i}: {i}\n" for i in range(1000)))
    result = run_monplan("build", "--plan", str(plan), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) <= 203
    assert "more problems not shown" in result.stderr


def test_skipped_rows_do_not_count_towards_the_expansion_limit(tmp_path: Path) -> None:
    """388 rows x 388 services is past 150,000 rows; each service skipping 40 of them is not,
    but skips naming no row skip nothing."""
    from monplan.diagnostics import PlanError
    from monplan.spec.check import check_plan
    from monplan.spec.loader import load_file

    def problems(skipped: str) -> list[str]:
        overrides = ", ".join(f"{skipped}{i}: {{skip: true}}" for i in range(40))
        plan = tmp_path / "plan.yaml"
        plan.write_text(_per_service(388, 388).replace("vars: {job: api}}", f"vars: {{job: api}}, overrides: {{{overrides}}}}}"))
        try:
            check_plan(load_file(plan))  # the checks of the spec, the expansion's among them
        except PlanError as err:
            return [d.message for d in err.diagnostics]
        return []

    assert problems("M") == []  # 388 x 348 = 135,024 rows
    assert any("make 150,544 rows" in message for message in problems("Nope"))


def test_a_wrong_reference_lists_a_few_of_the_names_there_are(tmp_path: Path) -> None:
    """A dashboard naming a section that is not there is told the names there are: twenty of
    5,000 and a count, not every one (one such message per wrong reference)."""
    from conftest import run_monplan

    sections = "".join(f"  - title: Section {i:04d}\n    metrics:\n      - {{metric: M{i}, threshold: \">5\", "
                       f"priority: High, query: \"sum(x{i}_total)\"}}\n" for i in range(5000))
    plan = tmp_path / "plan.yaml"
    plan.write_text(HEAD + f"sections:\n{sections}dashboards:\n  - {{title: Ops, sections: [Section 12345]}}\n")
    result = run_monplan("validate", "--plan", str(plan), "--no-tools")
    (line,) = [line for line in result.stderr.splitlines() + result.stdout.splitlines() if "unknown section" in line]
    listed = line.split("expected one of: ", 1)[1]
    assert 'unknown section "Section 12345"' in line and listed.count('"Section ') == 20 and "and 4,980 more" in listed


@pytest.mark.parametrize("command", ["build", "validate"])
def test_a_flood_of_problems_found_by_the_checks_is_cut_short_and_counted_in_full(command: str, tmp_path: Path) -> None:
    """The checks run on the model (here alerts/unique-names) printed every problem: a plan with
    20,000 bad rows printed 20,000 lines. Now like the spec's problems: 200, then a count, and
    the summary counts them all."""
    from conftest import run_monplan

    rows = "".join(f"      - {{metric: M{i}, alert: Same, threshold: '<99%', priority: High, "
                   f"query: 'avg(up{{job=\"j{i}\"}})'}}\n" for i in range(300))
    plan = tmp_path / "plan.yaml"
    plan.write_text("version: 1\nsystem: Flood\nsections:\n  - title: S\n    metrics:\n" + rows)
    args = ["--out", str(tmp_path / "out")] + (["--no-tools"] if command == "validate" else [])
    result = run_monplan(command, "--plan", str(plan), *args)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "[alerts/unique-names]" in line]
    assert len(lines) == 200, len(lines)
    assert "... and 99 more problems not shown" in result.stderr
    assert ("299 problems; nothing was written" if command == "build" else "299 errors") in result.stderr
    assert not (tmp_path / "out").exists()
