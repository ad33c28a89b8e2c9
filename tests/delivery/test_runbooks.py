"""generated/runbooks/<AlertName>.md: one per alert, linked from its runbook_url, saying what to do."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from tests.delivery.conftest import PLAN, compile_plan


def html(markdown: str) -> str:
    """Markdown as a CommonMark renderer with tables (GitHub's kind) shows it; raw HTML allowed."""
    return MarkdownIt("commonmark").enable("table").render(markdown)


def runbooks_of(tmp_path: Path, text: str = PLAN) -> dict[str, str]:
    from monplan.generators.runbooks import generate

    return {path: data.decode() for path, data in generate(compile_plan(tmp_path, text)).items()}


def test_every_alert_rule_links_to_a_runbook_that_is_generated(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    base = repo_plan.settings.runbooks_url.rstrip("/")
    linked = []
    for path, data in repo_files.items():
        if path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(data)["groups"]:
                linked += [(r["alert"], r["annotations"]["runbook_url"]) for r in group["rules"] if "alert" in r]
    assert sorted(name for name, _ in linked) == sorted([a.name for a in repo_plan.alerts] +
                                                        [w.name for w in repo_plan.watches])
    for name, url in linked:
        assert url == f"{base}/{name}.md"
        assert f"runbooks/{name}.md" in repo_files


def test_a_runbook_says_what_the_alert_means_its_threshold_and_its_query(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    for alert in repo_plan.alerts:
        page = html(repo_files[f"runbooks/{alert.name}.md"].decode())
        assert f"<h1>{alert.name}: runbook for " in page
        assert alert.threshold.text.replace("<", "&lt;").replace(">", "&gt;") in page
        code = re.search(r'<pre><code class="language-promql">(.*?)</code></pre>', page, re.S)
        assert code and code.group(1).rstrip("\n") == alert.query.replace("&", "&amp;").replace("<", "&lt;") \
            .replace(">", "&gt;").replace('"', "&quot;")


def test_a_runbook_carries_the_whole_response_procedure_of_its_priority(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    for alert in repo_plan.alerts:
        text = repo_files[f"runbooks/{alert.name}.md"].decode()
        procedure = repo_plan.document.response_procedures[alert.priority]
        steps = procedure.immediate_actions + procedure.resolution_path + procedure.steps
        assert steps and all(step in text for step in steps), alert.name
        for point in procedure.decision_points:
            assert f"**If {point.when[0].lower()}{point.when[1:]}:** {point.then}" in text
    critical = next(a for a in repo_plan.alerts if a.priority == "critical")
    text = repo_files[f"runbooks/{critical.name}.md"].decode()
    assert text.index("### Immediate actions") < text.index("### Decision points") < text.index("### Resolution path")


def test_a_runbook_says_who_is_notified_and_whom_to_escalate_to(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    routing = repo_plan.routing
    for alert in repo_plan.alerts:
        text = repo_files[f"runbooks/{alert.name}.md"].decode()
        notified = text.split("## Who is notified")[1].split("## Escalation")[0]
        for receiver in routing.routes[alert.priority].receivers:
            assert f"**{receiver}**" in notified
        escalation = text.split("## Escalation")[1]
        positions = [escalation.index(level.level) for level in repo_plan.settings.escalation_path]
        assert positions == sorted(positions)
        for person in (p for level in repo_plan.settings.escalation_path for p in level.people):
            assert person in escalation
    medium = next(a for a in repo_plan.alerts if a.priority == "medium")
    assert "Only inside business hours" in repo_files[f"runbooks/{medium.name}.md"].decode()


def test_a_runbook_links_the_dashboards_that_show_its_section(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    for alert in repo_plan.alerts:
        boards = [b for b in repo_plan.document.dashboards if alert.group in b.sections or
                  any(alert.group == area or alert.group.startswith(f"{area} / ") for area in b.focus_areas)]
        links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html(repo_files[f"runbooks/{alert.name}.md"].decode()))
        assert sorted(title for _, title in links) == sorted(b.title for b in boards), alert.name
        assert all(href.startswith(repo_plan.settings.endpoints.grafana_url) for href, _ in links)


def test_plan_text_with_markdown_or_html_in_it_renders_exactly_as_written(tmp_path: Path) -> None:
    hostile = "Cart *total* <b>bold</b> | [x](http://evil.example) _u_ `tick` # &amp; $1"
    text = PLAN.replace("{metric: Checkout Latency,", f"{{metric: {yaml.safe_dump(hostile).strip()}, alert: CartTotal, labels: {{note: 'a|b'}},")
    text = text.replace("medium: {steps: [Log in ticket system]}", "medium: {steps: ['1. - Log <i>it</i>']}")
    text = text.replace("high: {steps: [Notify on-call engineer, Investigate root cause]}",
                        "high: {steps: [Notify on-call engineer, '- **not bold** <script>x</script>']}")
    pages = runbooks_of(tmp_path, text)
    page = html(pages["runbooks/CartTotal.md"])
    for tag in ("<em>", "<b>", "<script>", "<strong>not", "<code>tick", "<li><ul>", "<ol start"):
        assert tag not in page
    assert 'href="http://evil' not in page
    escaped = hostile.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # As written, but for an invisible word joiner (U+2060) that keeps GitHub from linking http://.
    assert f"<h1>CartTotal: runbook for {escaped}</h1>" in page.replace("\u2060", "")
    assert "<li>- **not bold** &lt;script&gt;x&lt;/script&gt;</li>" in page
    assert "<li>1. - Log &lt;i&gt;it&lt;/i&gt;</li>" in html(pages["runbooks/CheckoutErrors.md"])
    table = page.split("<tbody>")[1].split("</tbody>")[0]
    assert all(row.count("<td>") == 2 for row in table.split("<tr>")[1:])  # a | in plan text splits no cell
    assert "<code>note=a|b</code>" in table


def test_a_query_with_backticks_cannot_close_its_code_block_early(tmp_path: Path) -> None:
    from monplan.formats.markdown import fence

    block = fence("up\n```\n# not a heading\n````", "promql")
    page = html(block)
    assert page.count("<pre>") == 1 and "<h1>" not in page


def test_runbooks_are_built_for_plans_without_routing_or_escalation(tmp_path: Path) -> None:
    text = PLAN.split("alert_routing:")[0]
    pages = runbooks_of(tmp_path, text)
    rows = ("CheckoutAvailability", "CheckoutLatency", "CheckoutErrors", "SearchLatency")
    assert sorted(pages) == sorted(f"runbooks/{n}{kind}.md" for n in rows for kind in ("", "NoData"))
    assert "## Who is notified" not in pages["runbooks/CheckoutErrors.md"]


def test_a_missing_data_runbook_says_what_is_missing_what_to_check_and_links_its_row(
        repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    for watch in repo_plan.watches:
        page = html(repo_files[f"runbooks/{watch.name}.md"].decode())
        assert f"<h1>{watch.name}: runbook for " in page
        assert watch.expr.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;") in page
        assert "<h2>What to check</h2>" in page
        if watch.kind == "no_data":
            assert f'<a href="{watch.row}.md">{watch.row}</a>' in page  # the row's own runbook, beside it
            holding = [t.name for t in repo_plan.target_watches if t.job in watch.jobs]
            assert holding and all(name in page for name in holding)
