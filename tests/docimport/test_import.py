"""`monplan import`: Markdown monitoring plans of several styles read into plan.yaml, checked by building them.

documents/seed.md is a verbatim copy of the seed plan (../shared/seed/) that the repository's
plan.yaml expresses; the other documents are written the way other teams write plans.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import ROOT, run_monplan
from monplan.app.pipeline import load_plan, load_spec
from monplan.docimport.cells import read_priority, read_threshold
from monplan.lang.thresholds import parse_threshold

DOCUMENTS = Path(__file__).parent / "documents"
DEPLOYED = "2026-11-25T09:00:00+01:00"


def imported(tmp_path: Path, document: Path, name: str = "plan.yaml") -> tuple[Path, str]:
    out = tmp_path / name
    result = run_monplan("import", str(document), "--out", str(out), "--deployed", DEPLOYED)
    assert result.returncode == 0, result.stderr
    return out, result.stderr


def table_alerts(plan_path: Path) -> list[tuple[str, str, str, str, str]]:
    plan = load_plan(plan_path)
    return [(a.group, a.metric, a.name, a.threshold.text, a.priority) for a in plan.alerts if a.origin == "section"]


def test_the_seed_copy_is_the_seed() -> None:
    found = [folder / "shared" / "seed" / "post-deployment-monitoring-plan.md" for folder in ROOT.parents]
    seed = next((path for path in found if path.exists()), None)
    if seed is None:
        pytest.skip("the shared seed is not beside this checkout")
    assert (DOCUMENTS / "seed.md").read_bytes() == seed.read_bytes()


def test_seed_imports_to_the_same_table_alerts_as_plan_yaml(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, DOCUMENTS / "seed.md")
    alerts = table_alerts(out)
    assert len(alerts) == 19
    assert alerts == table_alerts(ROOT / "plan.yaml")
    built = run_monplan("build", "--plan", str(out), "--out", str(tmp_path / "generated"))
    assert built.returncode == 0, built.stderr
    listed = run_monplan("list", "--plan", str(out))
    assert listed.returncode == 0 and all(name in listed.stdout for _g, _m, name, _t, _p in alerts)


def test_seed_import_keeps_the_rest_of_the_document(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, DOCUMENTS / "seed.md")
    got, want = load_spec(out), load_spec(ROOT / "plan.yaml")
    assert got.system == want.system and got.overview == " ".join(want.overview.split())
    assert [(p.period, p.description, p.from_, p.until) for p in got.monitoring_duration] == \
        [(p.period, p.description, p.from_, p.until) for p in want.monitoring_duration]
    assert got.monitoring_schedule == want.monitoring_schedule
    assert got.response_procedures == want.response_procedures
    assert [(a.title, a.items_heading, [i.item for i in a.items], a.methods, [(s.title, [i.item for i in s.items])
             for s in a.areas]) for a in got.focus_areas] == \
        [(a.title, a.items_heading, [i.item for i in a.items], a.methods, [(s.title, [i.item for i in s.items])
          for s in a.areas]) for a in want.focus_areas]
    assert [(t.category, t.covers) for t in got.tools] == [(t.category, t.covers) for t in want.tools]
    assert [t.name for t in got.tools] == ["[TOOL_NAME]"] * 4  # the document's placeholders, kept
    # plan.yaml's rotation goes on beyond the document's table (it closes the week); the document's shifts match it.
    lengths = {s.day: s.days for s in want.oncall.rotation}
    assert len(got.oncall.rotation) == 4 and all(lengths[s.day] == s.days for s in got.oncall.rotation)
    assert {s.primary for s in got.oncall.rotation} == {"[NAME]"}
    assert [(level.level, level.rotation) for level in got.escalation_path] == \
        [(level.level, level.rotation) for level in want.escalation_path]
    assert [(c.item, c.kind) for c in got.reporting.daily_report.contents] == \
        [(c.item, c.kind) for c in want.reporting.daily_report.contents]
    review, wanted = got.reporting.weekly_review, want.reporting.weekly_review
    assert (review.day, review.time, review.participants, review.agenda) == \
        ("[DAY]", "[TIME]", wanted.participants, wanted.agenda)
    assert got.refinement == want.refinement
    assert [b.title for b in got.dashboards] == [b.title for b in want.dashboards]


def test_seed_import_explains_its_placeholders_and_marks_every_suggestion(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, DOCUMENTS / "seed.md")
    text = out.read_text()
    for placeholder in ("[BASELINE]", "[NAME]", "[LINK]", "[TOOL_NAME]", "[DAY]", "[TIME]"):
        assert re.search(rf"^# {re.escape(placeholder)}: \S", text, re.MULTILINE), placeholder
    queries = [line for line in text.splitlines() if line.strip().startswith("query:")]
    assert len(queries) == 19
    assert all("# suggested by monplan import: check it" in line for line in queries)


def test_other_styles_keep_every_row_and_report_what_they_cannot_read(tmp_path: Path) -> None:
    out, notes = imported(tmp_path, DOCUMENTS / "wiki-export.md")
    plan = out.read_text()
    document = (DOCUMENTS / "wiki-export.md").read_text().splitlines()
    rows = [line for line in document if line.startswith("| ") and re.search(r"P\d|Low", line)]
    assert plan.count("- metric: ") == len(rows) == 7
    # The unreadable threshold is kept verbatim, reported at its line of the document.
    line = next(i for i, text in enumerate(document, start=1) if "Spike 3x normal" in text)
    assert f"wiki-export.md:{line}: warning: cannot read the threshold \"Spike 3x normal\"" in notes
    assert "threshold: Spike 3x normal" in plan
    # A priority below Medium becomes Medium, said at its line.
    low = next(i for i, text in enumerate(document, start=1) if "| Low |" in text or "Low |" in text)
    assert f"wiki-export.md:{low}: warning: \"Checkout errors\": \"Low\" in the document" in notes
    # build refuses it, listing every row still to fill and the unreadable threshold, each at its line.
    built = run_monplan("build", "--plan", str(out), "--out", str(tmp_path / "generated"))
    assert built.returncode == 1
    todo = [line for line in built.stderr.splitlines() if "query is still TODO" in line]
    assert [re.search(r'"([^"]+)" of', line)[1] for line in todo] == \
        ["Failed payments", "Cache hit ratio", "Payment provider timeouts"]
    lines = plan.splitlines()
    for message in todo:
        number = int(message.split(":")[1])
        assert lines[number - 1].strip().startswith("query: TODO")
    assert 'cannot read threshold "Spike 3x normal"' in built.stderr
    assert not (tmp_path / "generated").exists()


def test_other_styles_read_units_percentiles_and_priorities(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, DOCUMENTS / "wiki-export.md")
    text = out.read_text().replace("Spike 3x normal", "'>3'").replace("query: TODO", "query: max(checkout_signal)")
    out.write_text(text)
    alerts = {metric: (threshold, priority) for _g, metric, _n, threshold, priority in table_alerts(out)}
    assert alerts["Failed payments"] == (">=5", "high")
    assert alerts["Checkout availability"] == ("<99.95%", "critical")
    assert alerts["Checkout latency"] == (">300ms", "high")
    assert alerts["Disk usage"] == (">85%", "medium")
    spec = load_spec(out)
    latency = next(row for row in spec.sections[0].metrics if row.metric == "Checkout latency")
    assert latency.query.startswith("histogram_quantile(0.95,")  # p95 in the cell
    assert latency.annotations == {"owner": "payments"}  # an extra column, kept
    assert spec.timezone == "Europe/Lisbon" and spec.deployment.time.isoformat() == "2026-03-02T14:00:00+00:00"
    assert [(s.day, s.primary, s.secondary, s.days) for s in spec.oncall.rotation] == \
        [("Days 1-3", "Ana Lima", "Tom Berg", 3), ("Days 4-5", "[NAME]", "[NAME]", 2)]
    assert spec.oncall.handoff == "10:00"
    assert [(e.level, e.rotation, e.after) for e in spec.escalation_path] == \
        [("On-call engineer", True, "0m"), ("Payments lead", False, "20m"), ("Head of engineering", False, "1h")]
    assert [(p.period, p.from_, p.until) for p in spec.monitoring_duration] == \
        [("Hypercare", "0h", "2d"), ("Watch", "2d", "14d"), ("Business as usual", "14d", None)]


def test_a_query_column_is_used_as_written(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, DOCUMENTS / "sre-handbook.md")
    text = out.read_text()
    assert "query: 'histogram_quantile(0.99, sum by (le) (rate(search_request_seconds_bucket[5m])))'\n" in text
    built = run_monplan("build", "--plan", str(out), "--out", str(tmp_path / "generated"))
    assert [re.search(r'"([^"]+)" of', line)[1] for line in built.stderr.splitlines() if "TODO" in line] == ["Index lag"]
    out.write_text(text.replace("query: TODO", "query: max(indexer_lag_seconds)"))
    spec = load_spec(out)
    assert [(r.metric, r.threshold, r.priority, r.for_) for s in spec.sections for r in s.metrics] == [
        ("search_p99", ">2s", "high", "10m"), ("Query errors", ">1%", "critical", None),
        ("Index lag", ">5m", "medium", None), ("CPU Usage", ">75%", "high", "10m"),
        ("Memory usage", ">=90%", "high", None), ("Database connections", ">80%", "medium", None)]
    assert spec.sections[0].metrics[0].annotations == {"runbook": "https://wiki.example.com/rb/search-latency"}
    assert [(a.during, a.activity, a.at, a.cadence) for p in spec.monitoring_schedule for a in p.activities] == [
        ("days 1-7", "Daily standup review of dashboards", ["09:30"], None),
        ("days 1-7", "Hourly checks of the error budget", [], "hourly"),
        ("days 8-", "Weekly review of alerts", [], "weekly")]
    assert set(spec.response_procedures) == {"critical", "high"}
    assert [(e.level, e.people, e.after) for e in spec.escalation_path] == [
        ("On-call engineer", ["[NAME]"], "0m"), ("Search team lead", ["Kim Park"], "15m"), ("VP Engineering", ["Lee Chan"], "45m")]
    assert run_monplan("build", "--plan", str(out), "--out", str(tmp_path / "generated")).returncode == 0


def test_a_bare_table_is_a_plan(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, DOCUMENTS / "minimal.md")
    assert [(m, t, p) for _g, m, _n, t, p in table_alerts(out)] == [
        ("API availability", "<99.5%", "critical"), ("API response time", ">800ms avg", "medium"),
        ("Failed logins", "Any", "high")]
    assert run_monplan("build", "--plan", str(out), "--out", str(tmp_path / "generated")).returncode == 0


def test_out_never_overwrites_without_force(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    out.write_text("mine\n")
    refused = run_monplan("import", str(DOCUMENTS / "minimal.md"), "--out", str(out))
    assert refused.returncode == 1 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_text() == "mine\n"
    forced = run_monplan("import", str(DOCUMENTS / "minimal.md"), "--out", str(out), "--force", "--deployed", DEPLOYED)
    assert forced.returncode == 0 and "API availability" in out.read_text()


@pytest.mark.parametrize("how", ["itself", "symlink", "hard link"])
def test_force_never_overwrites_the_document_being_imported(tmp_path: Path, how: str) -> None:
    document = tmp_path / "PLAN.md"
    document.write_bytes((DOCUMENTS / "minimal.md").read_bytes())
    out = document if how == "itself" else tmp_path / "plan.yaml"
    if how == "symlink":
        out.symlink_to(document.name)
    elif how == "hard link":
        out.hardlink_to(document)
    before = document.read_bytes()
    refused = run_monplan("import", str(document), "--out", str(out), "--force", "--deployed", DEPLOYED)
    assert refused.returncode == 1 and "the document being imported" in refused.stderr, refused.stderr
    assert document.read_bytes() == before


@pytest.mark.parametrize("what", ["a named pipe", "a link to a named pipe", "a socket", "a folder"])
def test_force_never_replaces_what_is_not_a_file(tmp_path: Path, what: str) -> None:
    """`--out /dev/null --force` once renamed a regular file over the system's /dev/null (as
    root). A device cannot be made here without root, so the same class: a named pipe, a link
    to one, a socket and a folder stay exactly what they were, and nothing else is written."""
    import socket
    import stat

    target = tmp_path / "out"
    held = None
    if what == "a folder":
        target.mkdir()
    elif what == "a socket":
        held = socket.socket(socket.AF_UNIX)
        held.bind(str(target))
    else:
        pipe = tmp_path / "pipe"
        os.mkfifo(pipe)
        if what == "a link to a named pipe":
            target.symlink_to(pipe.name)
        else:
            pipe.rename(target)
    real = target.resolve()
    before = os.stat(real)
    try:
        refused = run_monplan("import", str(DOCUMENTS / "minimal.md"), "--out", str(target), "--force",
                              "--deployed", DEPLOYED)
    finally:
        if held is not None:
            held.close()
    assert refused.returncode == 1 and "not a file" in refused.stderr and "Traceback" not in refused.stderr
    after = os.stat(real)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    assert target.is_symlink() == (what == "a link to a named pipe")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({"out", *(["pipe"] if "link" in what else [])})


def test_documents_it_cannot_use_write_nothing(tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    missing = run_monplan("import", str(tmp_path / "nope.md"), "--out", str(out))
    assert missing.returncode == 1 and "no such file" in missing.stderr
    prose = tmp_path / "prose.md"
    prose.write_text("# Plan\n\nWe will watch things.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    refused = run_monplan("import", str(prose), "--out", str(out))
    assert refused.returncode == 1
    assert "prose.md:5: warning: the table (a, b) has no Metric and Threshold columns" in refused.stderr
    assert "no table with Metric and Threshold columns" in refused.stderr
    assert not out.exists()
    assert "Traceback" not in missing.stderr + refused.stderr


@pytest.mark.parametrize(("cell", "grammar"), [
    ("<99.9%", "<99.9%"), ("≥ 99.9 %", ">=99.9%"), ("≤ 0.5", "<=0.5"), ("**> 500 ms**", ">500ms"),
    ("p95 > 2 seconds", ">2s"), ("above 80 percent", ">80%"), ("> 70% for 10 minutes", ">70%"),
    ("under 2 sec", "<2s"), ("⚠️ >5%", ">5%"), ("Any failure", "Any failure"), ("non-zero", "Any"),
    ("> 1,000", ">1000"), ("<80% of baseline", "<80% of baseline"), ("more than 5 min", ">5m"),
])
def test_threshold_cells_in_other_words(cell: str, grammar: str) -> None:
    from monplan.docimport.outline import parse

    text = parse(f"| Metric | Threshold |\n|---|---|\n| x | {cell} |\n").blocks[0].rows[0][1].text
    read = read_threshold(text)
    assert read.text == grammar
    parse_threshold(read.text)


def test_threshold_cells_it_cannot_read() -> None:
    for cell in ("Spike 3x normal", "99.9%", "when it looks wrong", "> 3 days"):
        assert read_threshold(cell).text is None


@pytest.mark.parametrize(("cell", "priority"), [
    ("🔴 Critical", "Critical"), ("P1", "Critical"), ("Sev 2", "High"), ("**high**", "High"), ("P3", "Medium"),
    ("Low", "Medium"), ("medium", "Medium"),
])
def test_priority_cells(cell: str, priority: str) -> None:
    assert read_priority(cell)[0] == priority


def _table(rows: str, header: str = "| Metric | Tool | Threshold | Priority |\n|---|---|---|---|\n") -> str:
    return "# Plan\n\n### Servers\n\n" + header + rows


def test_rows_sharing_a_metric_name_are_named_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each repeated name used to count from 2 through every name taken (4000 rows: 16 s)."""
    from monplan.docimport import build
    from monplan.lang import naming

    calls = 0
    real = naming.alert_name

    def counted(text: str) -> str:
        nonlocal calls
        calls += 1
        return real(text)

    monkeypatch.setattr(naming, "alert_name", counted)
    rows = 400
    taken = "| Servers CPU3 | Server Monitor | >1 | High |\n"  # takes a name the numbering reaches
    result = build.import_markdown(_table(taken + "| CPU | Server Monitor | >70% | High |\n" * rows), "doc.md", DEPLOYED)
    assert calls <= 3 * rows  # was about rows * rows / 2
    names = re.findall(r"^        alert: (\S+)$", result.text, re.MULTILINE)
    # The same names as before: the metric's own (no alert: line), the section's, then numbered, skipping the taken one.
    assert names[:3] == ["ServersCPU", "ServersCPU2", "ServersCPU4"]
    assert names[-1] == f"ServersCPU{rows}" and len(names) == rows - 1 and len(set(names)) == len(names)


def test_cells_beyond_the_header_are_reported_at_their_line_and_kept(tmp_path: Path) -> None:
    """A Markdown renderer drops them (GFM: the header sets the columns); the import used to, silently."""
    document = tmp_path / "doc.md"
    document.write_text(_table("| CPU | Server Monitor | >70% | High | check **nightly** | owner: ops \\| sre |\n"
                               "| Memory | Server Monitor | >80% | High |\n"
                               "> | Disk | Server Monitor | >80% | High | quoted |\n"))
    out, stderr = imported(tmp_path, document)
    assert f"{document}:7: warning: the row has 6 cells but the header 4 columns; the cells beyond them " \
           '("check nightly", "owner: ops | sre") are kept as annotations column_5, column_6' in stderr
    assert stderr.count("cells but the header") == 1  # not the row that fits, nor the quoted table (another table)
    spec = load_spec(out)
    assert spec.sections[0].metrics[0].annotations == {"column_5": "check nightly", "column_6": "owner: ops | sre"}
    assert spec.sections[0].metrics[1].annotations is None or spec.sections[0].metrics[1].annotations == {}


def test_a_wait_prometheus_refuses_is_reported_at_its_line_and_the_plan_builds(tmp_path: Path) -> None:
    """A For cell or a threshold's "for N hours" beyond Go's time.Duration (about 292 years) was
    written as is, and build refused the imported plan; "0.5 minutes" was read as 5m."""
    document = tmp_path / "doc.md"
    header = "| Metric | Threshold | Priority | For | Query |\n|---|---|---|---|---|\n"
    document.write_text(_table(
        "| CPU | >70% | High | 99999999 weeks | max(cpu_ratio) |\n"
        "| Memory | > 80% for 999999999999 hours | High | | max(memory_ratio) |\n"
        "| Disk | >80% | High | ten minutes | max(disk_ratio) |\n"
        "| Load | >80% | High | 0.5 minutes | max(load_ratio) |\n"
        "| Swap | > 80% for 1.5 hours | High | | max(swap_ratio) |\n"
        "| Queue | >80% | High | 1,000 minutes | max(queue_ratio) |\n", header))
    out, stderr = imported(tmp_path, document)
    assert f'{document}:7: warning: the For cell "99999999 weeks" of "CPU" gives no usable wait: duration ' \
           '"99999999w" is longer than Prometheus and Alertmanager accept' in stderr
    assert f'{document}:8: warning: the threshold "> 80% for 999999999999 hours" of "Memory" gives no usable wait' in stderr
    assert f'{document}:9: warning: cannot read the For cell "ten minutes" of "Disk" as a duration' in stderr
    spec = load_spec(out)
    assert [row.for_ for row in spec.sections[0].metrics] == [None, None, None, "30s", "1h30m", "1000m"]
    built = run_monplan("build", "--plan", str(out), "--out", str(tmp_path / "generated"))
    assert built.returncode == 0, built.stderr


def test_a_schedule_period_the_plan_refuses_is_reported_at_its_line_and_the_plan_builds(tmp_path: Path) -> None:
    """"Week 60" was imported as `during: days 414-420`, which build then refused at plan.yaml's
    line; the import now applies the plan's own rule and names the document's line."""
    document = tmp_path / "doc.md"
    document.write_text(_table("| CPU | Server Monitor | >70% | High |\n") + (
        "\n## Monitoring Schedule\n\n"
        "### Week 60\n- Check dashboards daily\n\n"          # lines 11-12
        "### Hours 5-2\n- Check backwards hourly\n\n"         # lines 14-15
        "### Days 2-7\n- Review errors daily\n"               # lines 17-18
        "- **Day 400**: check again\n"))                      # line 19
    out, stderr = imported(tmp_path, document)
    assert f'{document}:11: warning: "Week 60" is days 414-420, which the plan does not take: "days 414-420" goes ' \
           "past day 366" in stderr
    assert f'{document}:14: warning: "Hours 5-2" is hours 5-2, which the plan does not take: "hours 5-2" is an ' \
           "empty range" in stderr
    assert f'{document}:19: warning: "Day 400" is day 400, which the plan does not take' in stderr
    assert "has no activities" not in stderr  # said once, as the real cause
    spec = load_spec(out)
    assert [(a.during, a.activity) for p in spec.monitoring_schedule for a in p.activities] == \
        [("days 2-7", "Review errors daily")]
    built = run_monplan("build", "--plan", str(out), "--out", str(tmp_path / "generated"))
    assert built.returncode == 0, built.stderr


def test_a_taken_alert_name_is_said_with_the_row_that_took_it(tmp_path: Path) -> None:
    """Every taken name was '"CPU" is already a row of another table', also for a repeat in the same
    table and for another metric with the same name."""
    document = tmp_path / "doc.md"
    document.write_text(_table("| CPU | Server Monitor | >70% | High |\n"                # line 7
                               "| CPU | Server Monitor | >90% | Critical |\n"            # line 8
                               "| API-Latency | APM | >2s | High |\n") + (               # line 9
        "\n### Database\n\n| Metric | Tool | Threshold | Priority |\n|---|---|---|---|\n"
        "| CPU | Server Monitor | >80% | High |\n"                                          # line 15
        "| API Latency | APM | >1s | High |\n"))                                            # line 16
    _out, stderr = imported(tmp_path, document)
    assert f'{document}:8: warning: "CPU" is already a row of this table (line 7); its alert is named ServersCPU' \
        in stderr
    assert f'{document}:15: warning: "CPU" is already a row of the table "Servers" (line 7); its alert is named ' \
           "DatabaseCPU" in stderr
    assert f'{document}:16: warning: "API Latency" is named APILatency like "API-Latency" of the table "Servers" ' \
           "(line 9); its alert is named DatabaseAPILatency" in stderr


def test_a_table_markdown_does_not_read_is_reported_not_dropped(tmp_path: Path) -> None:
    """Rows without the |---| line under their header (or with one of fewer columns) are a paragraph
    to Markdown: the import dropped them without a word; an empty Threshold cell was 'cannot read
    the threshold ""'."""
    document = tmp_path / "doc.md"
    document.write_text(_table("| CPU | Server Monitor | >70% | High |\n| Disk | Server Monitor |  | High |\n") + (
        "\n### Memory\n\n| Metric | Threshold | Priority |\n| Memory | >80% | High |\n"      # line 12
        "\n### Swap\n\n| Metric | Threshold | Priority |\n|---|---|\n| Swap | >80% | High |\n"))  # line 17
    _out, stderr = imported(tmp_path, document)
    for line in (12, 17):
        assert f"{document}:{line}: warning: this looks like a table, but Markdown reads it as text: its header " \
               "needs a line such as |---|---| below it" in stderr
    assert f'{document}:8: warning: the threshold of "Disk" is empty; kept as TODO' in stderr


def test_html_emphasis_and_line_breaks_in_cells_are_read_like_markdown_ones(tmp_path: Path) -> None:
    """<b>&gt; 2s</b> was an unreadable threshold and <br> stayed in a metric's name, while **> 2s** was read."""
    document = tmp_path / "doc.md"
    document.write_text(_table("| Latency | APM | <b>&gt; 2s</b> | <span style=\"color:red\">High</span> |\n"
                               "| Errors<br>(5xx) | APM | > 1%<br/>of requests | <strong>High</strong> |\n"))
    out, stderr = imported(tmp_path, document)
    assert "cannot read" not in stderr, stderr
    rows = load_spec(out).sections[0].metrics
    assert [(row.metric, row.threshold, row.priority) for row in rows] == \
        [("Latency", ">2s", "high"), ("Errors (5xx)", ">1% of requests", "high")]
