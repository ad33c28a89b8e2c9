"""No input gives a traceback, and no value the consuming tool would reject gets into a file.

Each hostile input below is run through the real CLI: it must fail with exit 1 and a message
located at its line and column (never a Python traceback, never exit 0 over a file that
promtool or amtool refuses). Where the value is one a tool limits (Go's time.Duration, float64),
the limit itself is proven with the tool: the largest accepted value passes promtool, one more
is what promtool refuses.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import CASES, ROOT, run_monplan

BASE = """\
version: 1
system: Shop
sections:
  - title: Availability
    metrics:
      - metric: Orders
        threshold: "{threshold}"
        priority: critical
        query: sum(rate(orders_total[5m]))
"""
ROW_LINE = 10  # the line of a field appended to the row


def _plan(extra: str = "", threshold: str = ">5") -> str:
    return BASE.format(threshold=threshold) + extra


DIGITS = "7" * 5000

# name: (plan text, line, column, words the message must hold)
HOSTILE: dict[str, tuple[str, int, int, str]] = {
    "5,000-digit number as a label": (_plan(f"        labels: {{team: {DIGITS}}}\n"), 10, 24, "5,000 characters"),
    "5,000-digit number as a baseline": (_plan(f"        baseline: {DIGITS}\n", "<80% of baseline"), 10, 19,
                                         "5,000 characters"),
    "5,000-digit duration": (_plan(f"        for: {DIGITS}s\n"), 10, 14, "cannot read duration"),
    "NaN baseline": (_plan("        baseline: .nan\n", "<80% of baseline"), 10, 19, "not a finite number"),
    "infinite baseline": (_plan("        baseline: -.inf\n", "<80% of baseline"), 10, 19, "not a finite number"),
    "1e309 baseline": (_plan("        baseline: 1e309\n", "<80% of baseline"), 10, 19, "not a finite number"),
    "tagged 1e400 baseline": (_plan("        baseline: !!float 1e400\n", "<80% of baseline"), 10, 19,
                              "not a finite number"),
    "NaN baseline as text": (_plan('        baseline: "NaN"\n', "<80% of baseline"), 10, 19, "not a finite number"),
    "1e309 baseline as text": (_plan('        baseline: "1e309"\n', "<80% of baseline"), 10, 19, "float64"),
    "1e999999999 baseline as text": (_plan('        baseline: "1e999999999"\n', "<80% of baseline"), 10, 19,
                                     "float64"),
    "baseline whose product underflows": (_plan("        baseline: 1e-300\n", "<80% of baseline"), 10, 19,
                                          "float64"),
    "baseline with 20 digits": (_plan('        baseline: "1.2345678901234567891"\n', "<80% of baseline"), 10, 19,
                                "significant digits"),
    "threshold past float64": (_plan("", ">1" + "0" * 400), 7, 20, "float64"),
    "threshold below float64": (_plan("", ">0." + "0" * 400 + "1"), 7, 20, "float64"),
    "threshold with 20 digits": (_plan("", ">1234567890.1234567891"), 7, 20, "significant digits"),
    "for past Go's time.Duration": (_plan("        for: 293y\n"), 10, 14, "292 years"),
    "for one millisecond past Go's time.Duration": (_plan("        for: 106751d23h47m16s855ms\n"), 10, 14,
                                                   "292 years"),
    "evaluation interval past Go's time.Duration": (
        _plan().replace("sections:", "defaults:\n  evaluation_interval: 1000y\nsections:"), 4, 24, "292 years"),
    "scrape interval past Go's time.Duration": (
        _plan("collection:\n  scrape_interval: 99999999999d\n"), 11, 20, "292 years"),
    "deployment in the year 9999": (
        _plan("deployment:\n  time: 9999-12-31T23:00:00+00:00\n"), 11, 9, "year 9999"),
    "rotation starting in the year 9999": (
        _plan("people: [{name: Ann}, {name: Bob}]\noncall:\n  start: 9999-12-31\n"
              "  rotation: [{day: Day 1, primary: Ann, secondary: Bob}]\n"), 12, 10, "year 9999"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_values_fail_located_without_traceback(name: str, tmp_path: Path) -> None:
    text, line, column, words = HOSTILE[name]
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    out = tmp_path / "out"
    result = run_monplan("build", "--plan", str(plan), "--out", str(out))
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 1, result.stdout
    located = [entry for entry in result.stderr.splitlines() if entry.startswith(f"{plan}:{line}:{column}: error: ")]
    assert located and words in located[0], result.stderr
    assert not out.exists()


def test_the_largest_duration_monplan_accepts_is_the_largest_promtool_accepts(tmp_path: Path, promtool) -> None:
    """The limit is Go's, proven on promtool: monplan accepts exactly what promtool accepts."""
    import subprocess

    from monplan.lang.durations import MAX_MS, DurationError, format_ms, parse_ms

    for ms, accepted in ((MAX_MS, True), (MAX_MS + 1, False)):
        rules = tmp_path / "rules.yml"
        rules.write_text(f"groups:\n- name: a\n  rules:\n  - alert: A\n    expr: up == 0\n    for: {format_ms(ms)}\n")
        checked = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
        assert (checked.returncode == 0) is accepted, checked.stdout + checked.stderr
        try:
            parse_ms(format_ms(ms))
            monplan_accepts = True
        except DurationError:
            monplan_accepts = False
        assert monplan_accepts is accepted


def test_the_largest_values_monplan_accepts_build_files_promtool_and_amtool_accept(tmp_path: Path, promtool,
                                                                                    amtool) -> None:
    import subprocess

    plan = (ROOT / "plan.yaml").read_text()
    plan = re.sub(r"repeat_interval: \S+", "repeat_interval: 292y", plan)
    plan = re.sub(r"scrape_interval: \S+", "scrape_interval: 106751d23h47m16s854ms", plan)
    path = tmp_path / "plan.yaml"
    path.write_text(plan)
    out = tmp_path / "out"
    result = run_monplan("-q", "build", "--plan", str(path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    for command in ([promtool, "check", "config", "--syntax-only", str(out / "prometheus/prometheus.yml")],
                    [amtool, "check-config", str(out / "alertmanager/alertmanager.yml")]):
        checked = subprocess.run(command, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("number", ["1.25e299", "0.123456789012345", "1.25e-299"])
def test_extreme_thresholds_within_float64_pass_promtool_tests(number: str, tmp_path: Path, promtool) -> None:
    """At the edges monplan accepts, the generated unit tests still tell the two sides apart."""
    import subprocess

    path = tmp_path / "plan.yaml"
    path.write_text(_plan(f'        baseline: "{number}"\n', "<80% of baseline"))
    out = tmp_path / "out"
    result = run_monplan("-q", "build", "--plan", str(path), "--out", str(out))
    assert result.returncode == 0, result.stderr
    tests = sorted(str(p) for p in (out / "prometheus" / "tests").rglob("*.yml"))
    checked = subprocess.run([promtool, "test", "rules", *tests], capture_output=True, text=True, cwd=out / "prometheus")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_plan_that_never_ends_is_refused_by_size(tmp_path: Path) -> None:
    """/dev/zero reports size 0 and never ends: reading is bounded, whatever the file says."""
    result = run_monplan("build", "--plan", "/dev/zero", "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("/dev/zero: error: the plan is larger than 16 MiB")


def test_nul_byte_and_invalid_utf8_are_reported_at_their_line_and_column(tmp_path: Path) -> None:
    nul = tmp_path / "nul.yaml"
    nul.write_bytes(b"version: 1\nsystem: Sh\x00op\n")
    broken = tmp_path / "latin1.yaml"
    broken.write_bytes(b"version: 1\n# caf\xc3\xa9 ok\nsystem: Caf\xe9\n")
    for plan, where, words in ((nul, "2:11", "U+0000"), (broken, "3:12", "byte 0xE9")):
        result = run_monplan("build", "--plan", str(plan), "--out", str(tmp_path / "out"))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr.startswith(f"{plan}:{where}: error: "), result.stderr
        assert words in result.stderr.splitlines()[0]


def test_diagnostics_print_line_numbers_never_emoji(tmp_path: Path) -> None:
    """rich reads ":100:" as an emoji code; every line number prints as written."""
    plan = tmp_path / "plan.yaml"
    filler = "".join(f"# line {n}\n" for n in range(10, 102))
    plan.write_text(_plan().replace("sections:", filler + "sections:").replace(
        'threshold: ">5"', 'threshold: ">5"\n        for: 5 minutes'))
    lines = plan.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "for: 5 minutes" in text)
    assert line == 100
    for extra in ((), ("--format", "json")):
        result = run_monplan("validate", "--plan", str(plan), "--no-tools", *extra)
        assert result.returncode == 1
        assert "plan.yaml:100:14" in result.stdout + result.stderr or '"line": 100' in result.stdout
    result = run_monplan("build", "--plan", str(plan), "--out", str(tmp_path / "out"))
    assert f"{plan}:100:14: error: " in result.stderr, result.stderr
    assert "\N{HUNDRED POINTS SYMBOL}" not in result.stderr


@pytest.mark.parametrize("args", [
    ("oncall", "--at", "9999-12-31T23:59:00+00:00"),
    ("oncall", "--at", "0001-01-01"),
    ("report", "--prometheus", "http://127.0.0.1:9", "--at", "9999-12-31T23:59:00+00:00"),
    ("report", "--prometheus", "http://127.0.0.1:9", "--at", "nan"),
    ("report", "--prometheus", "http://127.0.0.1:9", "--at", "1e400"),
    ("tune", "--prometheus", "http://127.0.0.1:9", "--since", "999999999y"),
    ("tune", "--prometheus", "http://127.0.0.1:9", "--at", "9999-01-01"),
], ids=" ".join)
def test_hostile_command_line_times_are_refused_without_traceback(args: tuple[str, ...]) -> None:
    result = run_monplan(*args, "--plan", str(ROOT / "plan.yaml"))
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode in (1, 2)
    assert args[-1] in result.stderr or "year" in result.stderr


# Patterns Python's re compiles; each verdict of monplan must be mtail's own.
PATTERNS = ["a++", "x*+", "(?=x)y", "(?<=a)b", "(?!a)b", r"(a)\1", "(?P<n>a)(?P=n)", "(?>a)", r"a\Z",
            "(?<n>a)", r"\C", "a{1001}", "(?P<user>\\w+)", r"\pL+", "[[:alpha:]]+", r"a\z", "(?i)abc", r"\Q.\E"]


def test_monplan_accepts_exactly_the_patterns_mtail_compiles(tmp_path: Path) -> None:
    """RE2 is checked with RE2 itself (plus Go's own refusals), proven against mtail --compile_only."""
    import subprocess

    from tests.conftest import require_tool

    mtail = require_tool("mtail")
    from monplan.generators.mtail import mtail_regex
    from monplan.spec.collection_types import check_regex

    disagree = []
    for index, pattern in enumerate(PATTERNS):
        progs = tmp_path / f"p{index}"
        progs.mkdir()
        (progs / "t.mtail").write_text(f"counter c\n{mtail_regex(pattern)} {{\n  c++\n}}\n")
        compiled = subprocess.run([mtail, "--compile_only", "--progs", str(progs), "--logtostderr"],
                                  capture_output=True, text=True, timeout=120)
        try:
            check_regex(pattern)
            accepted = True
        except ValueError:
            accepted = False
        if accepted != (compiled.returncode == 0):
            disagree.append(f"{pattern}: monplan {'accepts' if accepted else 'refuses'}, mtail exit {compiled.returncode}")
    assert not disagree, "\n".join(disagree)


def test_a_possessive_quantifier_in_a_log_pattern_is_refused_at_its_line(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan("collection:\n  mtail:\n    targets: ['app-1:3903']\n    logs:\n"
                          "      - {format: auth, paths: [/var/log/auth.log], pattern: 'failed for (?P<user>\\w++)'}\n"))
    result = run_monplan("build", "--plan", str(plan), "--out", str(tmp_path / "out"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{plan}:14:" in result.stderr and "RE2" in result.stderr, result.stderr


def test_names_too_long_for_a_file_system_are_refused_at_their_value(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan("        alert: " + "A" * 300 + "\n").replace("title: Availability", "title: " + "Word " * 60))
    out = tmp_path / "out"
    result = run_monplan("build", "--plan", str(plan), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert {line.split(": error: ")[0] for line in errors} == {f"{plan}:4:12", f"{plan}:10:16"}, result.stderr
    assert all("255" in line for line in errors)
    assert not out.exists()


def test_a_failed_validate_says_which_check_failed(tmp_path: Path) -> None:
    """A checker that fails (here a promtool that refuses everything) is named on every line."""
    import os

    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "promtool").write_text("#!/bin/sh\necho 'FAILED: something promtool disliked' >&2\nexit 1\n")
    (fake / "promtool").chmod(0o755)
    env = {"PATH": f"{fake}{os.pathsep}{os.environ['PATH']}"}
    result = run_monplan("-q", "validate", "--plan", str(ROOT / "plan.yaml"), env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors and all("check promtool" in line and "failed" in line for line in errors), result.stderr
    assert "Failed: promtool" in result.stderr


@pytest.mark.parametrize(("variable", "value"), [
    ("MONPLAN_PROMTOOL", "/nonexistent/promtool"),
    ("MONPLAN_PROMTOOL", "."),  # a folder
    ("MONPLAN_AMTOOL", "/nonexistent/amtool"),
    ("MONPLAN_MTAIL", "/nonexistent/mtail"),
    ("MONPLAN_BLACKBOX_EXPORTER", "/nonexistent/blackbox"),
    ("MONPLAN_PROMTOOL_TIMEOUT", "abc"),
    ("MONPLAN_PROMTOOL_TIMEOUT", "1e3"),
    ("MONPLAN_PROMTOOL_TIMEOUT", "-5"),
    ("MONPLAN_PROMTOOL_TIMEOUT", "99999999999999999999999"),
])
def test_hostile_tool_settings_fail_the_check_without_traceback(variable: str, value: str, tmp_path: Path) -> None:
    """The environment's tool settings are input too: a tool path that is no executable file is a
    missing tool, a timeout that is no number of seconds a failed check naming the variable."""
    result = run_monplan("validate", "--plan", str(CASES / "valid" / "every-output" / "plan.yaml"),
                         env={variable: value}, cwd=tmp_path)
    said = result.stdout + result.stderr
    assert "Traceback" not in said, said
    if variable.endswith("TIMEOUT"):
        assert result.returncode == 1 and f"{variable}=" in said and "whole number of seconds" in said, said
    else:  # a missing tool is said, and the plan is still valid
        assert result.returncode == 0 and "missing" in said, said
