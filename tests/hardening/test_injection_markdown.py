"""Plan text never becomes markup in the Markdown and HTML monplan writes: runbooks,
README.md, PLAN.md, ONCALL.md, `monplan diff --format markdown` (a pull-request comment)
and `monplan report` (Markdown and HTML). Links people click are http(s) only.

A hostile corpus (raw HTML, links and images, autolinks, bare URLs, @mentions, table pipes,
line starts that open headings, lists, quotes or fences, emphasis, code spans, entities) is
appended to every free-text field of tests/cases/valid/hostile-text/plan.yaml. Every
Markdown output is parsed as CommonMark with GitHub's tables and strikethrough by
markdown-it-py; what GitHub adds on top of the parse (bare URLs, www. and e-mail addresses
made links, @user and @org/team mentions, all found in the rendered text outside code and
links) is looked for with GitHub's own rules in the text tokens.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import yaml

from tests.conftest import run_monplan
from tests.hardening.conftest import HOSTILE, Built, build

MARK = "INJECTED"  # what a payload would turn into markup if it could
PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    "<details open><summary>open me</summary>",
    "[click](javascript:alert(3))",
    "![pixel](http://evil.example/p.png)",
    "<http://evil.example/autolink>",
    "see https://evil.example/bare and www.evil.example",
    "ping @octocat and @acme/ops-team",
    "mail evil@evil.example",
    "cell | break | here",
    f"line\n# {MARK}HEADING",
    f"line\n- {MARK}ITEM",
    f"line\n1. {MARK}NUMBER",
    f"line\n> {MARK}QUOTE",
    f"line\n```\n{MARK}FENCE",
    f"`{MARK}CODE` and ``double``",
    f"**{MARK}STRONG** _{MARK}EM_ ~~{MARK}STRIKE~~",
    "[ref]: http://evil.example/ref",
    "&lt;img src=x&gt; &#60;b&#62;",
    "<!-- hidden -->",
    "\\<b>backslash</b> \\",
    "HTTP://EVIL.EXAMPLE/upper WWW.EVIL.EXAMPLE",
    f"{MARK}SETEXT\n===",
    f"{MARK}SETEXT\n---",
    "<a href='javascript:alert(5)'>a</a> <svg/onload=alert(6)>",
    "[x]: <javascript:alert(7)>\n[click][x]",
]
# Fields holding free text (titles, names, descriptions, steps): everything people write.
TEXT_KEYS = {"system", "overview", "title", "description", "metric", "tool", "period", "activity", "owner",
             "item", "items_heading", "category", "covers", "methods", "steps", "immediate_actions",
             "resolution_path", "when", "then", "level", "role", "participants", "agenda", "actions",
             "statement", "team", "label", "grafana_folder"}
NAMED = {"slack", "pagerduty", "webhook", "email", "role", "category"}  # dicts whose "name" is free text
NAMES = {"collection"}  # metric names and log formats there, not text


def _texts(data: Any, key: str | None = None, parent: Any = None) -> Iterator[str]:
    if isinstance(data, dict):
        for k, v in data.items():
            if k not in NAMES:
                yield from _texts(v, k, data)
    elif isinstance(data, list):
        for v in data:
            yield from _texts(v, key, parent)
    elif isinstance(data, str):
        named = isinstance(parent, dict) and (
            (key == "name" and bool(NAMED & parent.keys())) or (key == "day" and "primary" in parent))
        if key in TEXT_KEYS or named:
            yield data


def _replace(data: Any, mapping: dict[str, str]) -> Any:
    """Every occurrence of a text replaced, references (section titles, receiver and people
    names, override keys) along with the text they name."""
    if isinstance(data, dict):
        return {mapping.get(k, k) if isinstance(k, str) else k: _replace(v, mapping) for k, v in data.items()}
    if isinstance(data, list):
        return [_replace(v, mapping) for v in data]
    if isinstance(data, str):
        return mapping.get(data, data)
    return data


def hostile_markdown_plan() -> dict[str, Any]:
    data = yaml.safe_load(HOSTILE.read_text(encoding="utf-8"))
    payloads = itertools.cycle(PAYLOADS)
    mapping: dict[str, str] = {}
    for text in _texts(data):
        if text not in mapping:
            mapping[text] = f"{text} {next(payloads)}"
    assert len(mapping) >= len(PAYLOADS), "every payload lands in some field"
    return _replace(data, mapping)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("markdown") / "plan.yaml"
    path.write_text(yaml.safe_dump(hostile_markdown_plan(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(plan_file: Path) -> Built:
    return build(plan_file, plan_file.parent / "out")


# --- what a Markdown document must not contain ---------------------------------------------

# GitHub's extended autolinks (GFM spec 6.9) and its mention filter (@user, @org/team), both
# applied to text outside code spans and links.
_AUTOLINK = re.compile(r"(?i)(?:\b(?:https?|ftp)://|(?<![a-z0-9])www\.|[a-z0-9._+-]+@[a-z0-9_-]+\.[a-z0-9])")
_MENTION = re.compile(r"(?:^|[^A-Za-z0-9`])@[A-Za-z0-9]")


def _parser() -> Any:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # markdown-it drops javascript: links; other renderers may not
    return parser


def _unescaped_pipes(line: str) -> int:
    count, index = 0, 0
    while index < len(line):
        if line[index] == "\\":
            index += 2
            continue
        count += line[index] == "|"
        index += 1
    return count


def markdown_problems(text: str) -> list[str]:
    """What in a Markdown document came from plan text as markup, in words; empty if nothing."""
    problems: list[str] = []
    tokens = _parser().parse(text)
    lines = text.split("\n")
    for index, token in enumerate(tokens):
        if token.type in ("html_block", "html_inline"):
            problems.append(f"raw HTML block {token.content!r}")
        if token.type == "blockquote_open":
            problems.append(f"a quote at line {token.map[0] + 1}")
        if token.type in ("fence", "code_block") and MARK in token.content:
            problems.append(f"a code block from plan text: {token.content!r}")
        if token.type == "heading_open":
            content = tokens[index + 1].content
            if content.startswith(MARK) or content.rstrip().endswith(f"{MARK}SETEXT"):
                problems.append(f"a heading from plan text: {content!r}")
        if token.type == "list_item_open":
            inline = next(t for t in tokens[index:] if t.type == "inline")
            if inline.content.startswith(MARK):
                problems.append(f"a list item from plan text: {inline.content!r}")
        if token.type == "table_open":
            start, end = token.map
            widths = {_unescaped_pipes(line) for line in lines[start:end] if line.strip()}
            if len(widths) != 1:
                problems.append(f"a table whose rows have different cell counts: lines {start + 1}-{end}")
        if token.type == "inline":
            problems += _inline_problems(token.children or [])
    return problems


def _inline_problems(children: list[Any]) -> list[str]:
    problems: list[str] = []
    link_depth = 0
    for index, child in enumerate(children):
        if child.type == "html_inline":
            problems.append(f"raw HTML {child.content!r}")
        elif child.type in ("link_open", "image"):
            href = str(child.attrs.get("href") or child.attrs.get("src") or "")
            scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", href)
            if (scheme and scheme[1].lower() not in ("http", "https", "mailto")) or ((scheme or href.startswith("//")) and "evil" in href.lower()) or (not scheme and not re.fullmatch(r"[A-Za-z0-9/_.?=@-]*", href)):
                problems.append(f"a {child.type.split('_')[0]} to {href!r}")
            if child.type == "image":
                problems.append(f"an image {href!r}")
            link_depth += child.type == "link_open"
        elif child.type == "link_close":
            link_depth -= 1
        elif child.type in ("em_open", "strong_open", "s_open", "code_inline"):
            closing = child.type.replace("_open", "_close")
            inner = child.content if child.type == "code_inline" else "".join(
                c.content for c in itertools.takewhile(lambda c, closing=closing: c.type != closing, children[index + 1:]))
            if re.fullmatch(f"{MARK}[A-Z]+", inner):
                problems.append(f"{child.type} from plan text: {inner!r}")
        elif child.type == "text" and link_depth == 0:
            if _AUTOLINK.search(child.content):
                problems.append(f"text GitHub makes a link of: {child.content!r}")
            if _MENTION.search(child.content):
                problems.append(f"an @mention GitHub notifies: {child.content!r}")
    return problems


def test_the_corpus_is_recognised_as_markup_when_written_raw() -> None:
    """The checks find each kind of injection in Markdown that does not escape it."""
    raw = [f"Text {p}\n" for p in PAYLOADS] + ["| a | b |\n|---|---|\n| x | cell | break |\n"]
    found = " ".join(" ".join(markdown_problems(document)) for document in raw)
    for expected in ("raw HTML", "a link to 'javascript:alert(3)'", "an image", "text GitHub makes a link of",
                     "@mention", "a heading", "a list item", "a quote", "a code block", "code_inline",
                     "strong_open", "em_open", "s_open", "different cell counts"):
        assert expected in found, expected


def test_the_escaper_keeps_every_payload_literal() -> None:
    from monplan.formats import markdown as md

    for payload in PAYLOADS:
        document = f"Intro {md.text(payload)}\n\n| a | b |\n|---|---|\n| {md.text(payload)} | {md.code(payload, cell=True)} |\n"
        assert markdown_problems(document) == [], payload
        # What a reader sees is what the plan says, but for the invisible word joiners.
        shown = _parser().parseInline(md.text(payload))[0].children
        assert "".join(c.content for c in shown).replace("\u2060", "") == " ".join(payload.split())


def test_the_hostile_plan_reaches_every_markdown_output(built: Built) -> None:
    markdown = built.paths(suffix=".md")
    assert {"README.md", "PLAN.md", "oncall/ONCALL.md"} <= set(markdown)
    assert any(p.startswith("runbooks/") for p in markdown)
    every = "".join(built.text(p) for p in markdown)
    for word in ("onerror", "javascript", "octocat", "evil", f"{MARK}HEADING", f"{MARK}CODE", "break"):
        assert word in every, word


def test_no_generated_markdown_turns_plan_text_into_markup(built: Built) -> None:
    problems = {path: found for path in built.paths(suffix=".md") if (found := markdown_problems(built.text(path)))}
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)[:6000]


def test_diff_markdown_is_a_pull_request_comment_without_markup_from_the_plan(plan_file: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    (old / "plan.yaml").write_bytes(HOSTILE.read_bytes())
    result = run_monplan("diff", "--plan", str(plan_file), "--against", str(old), "--format", "markdown")
    assert result.returncode == 0, result.stderr
    comment = result.stdout
    assert "octocat" in comment or "evil" in comment, "the diff shows plan text"
    problems = [p for p in markdown_problems(comment) if "raw HTML" not in p or "details" not in p]
    assert not problems, problems
    # The one HTML monplan writes itself: the folded list of files.
    html = [t.content.strip() for t in _parser().parse(comment) if t.type == "html_block"]
    assert all(block.startswith(("<details><summary>Generated files touched</summary>", "</details>"))
               for block in html), html


# --- report: a Prometheus answering with hostile label values ------------------------------

HOSTILE_LABELS = {"alertname": "<img src=x onerror=alert(8)>", "severity": "critical", "alertstate": "firing",
                  "note": "@octocat | https://evil.example [x](javascript:alert(9))", "service": "x"}


class _Prometheus(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length", 0))).decode())
        if "start" in form:
            start, end, step = (float(form[k][0]) for k in ("start", "end", "step"))
            points = [[start + i * step, "1"] for i in range(int((end - start) / step) + 1)]
            data = {"resultType": "matrix", "result": [{"metric": HOSTILE_LABELS, "values": points}]}
        elif form.get("query", [""])[0].endswith("]"):  # ALERTS{...}[1d]: the samples of the period
            end = float(form.get("time", ["0"])[0])
            points = [[end - 3600 + i * 60, "1"] for i in range(30)]
            data = {"resultType": "matrix", "result": [{"metric": HOSTILE_LABELS, "values": points}]}
        else:
            data = {"resultType": "vector", "result": [{"metric": HOSTILE_LABELS, "value": [form.get("time", ["0"])[0], "1"]}]}
        body = json.dumps({"status": "success", "data": data}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST


@pytest.fixture(scope="module")
def prometheus() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Prometheus)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _report(plan_file: Path, prometheus: str, form: str) -> str:
    result = run_monplan("report", "--plan", str(plan_file), "--prometheus", prometheus, "--format", form,
                         "--at", "2026-11-26T08:00:00+01:00", "--timeout", "10")
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_report_markdown_has_no_markup_from_the_plan_or_from_prometheus(plan_file: Path, prometheus: str) -> None:
    report = _report(plan_file, prometheus, "markdown")
    assert "onerror" in report and "octocat" in report, "the report shows plan text and label values"
    problems = markdown_problems(report)
    assert not problems, problems


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def test_report_html_escapes_plan_text_and_prometheus_answers(plan_file: Path, prometheus: str) -> None:
    page = _report(plan_file, prometheus, "html")
    assert "onerror" in page and "octocat" in page
    elements = _Elements()
    elements.feed(page)
    assert elements.tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "section", "table",
                             "tr", "th", "td", "div", "figure", "img", "figcaption"}, elements.tags
    for name, value in elements.attributes:
        assert not name.startswith("on"), (name, value)
        if name in ("src", "href"):
            assert value.startswith("data:image/png;base64,"), (name, value)


# --- links in the plan are http(s) ---------------------------------------------------------

MINIMAL = """version: 1
system: Shop
sections:
  - title: Availability
    metrics:
      - metric: Checkout Availability
        threshold: "<99.5%"
        priority: critical
        query: up
        annotations: {{runbook_url: {annotation}}}
dashboards:
  - {{title: Board, sections: [Availability], link: {link}}}
"""
REFUSED = ['"javascript:alert(1)"', '"JaVaScRiPt:alert(1)"', '" javascript:alert(1)"', '"\\x01javascript:alert(1)"',
           '"\\tjavascript:alert(1)"', '"data:text/html,<script>alert(1)</script>"', '"file:///etc/passwd"',
           '"vbscript:msgbox(1)"', '"//evil.example.com/x"']


@pytest.mark.parametrize("url", REFUSED)
def test_a_link_that_is_not_http_is_refused_at_its_line_and_column(url: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.format(annotation=url, link=url))
    result = run_monplan("validate", "--plan", str(plan))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    link = [e for e in errors if e.startswith(f"{plan}:12:") and "dashboards[0].link: " in e]
    annotation = [e for e in errors if e.startswith(f"{plan}:10:") and "annotations.runbook_url: " in e]
    assert link and annotation, result.stderr
    for error in link + annotation:
        assert "https://" in error.split(": error: ", 1)[1], error  # says what is expected


@pytest.mark.parametrize("url", ['"https://grafana.example.com/d/abc?orgId=1"', '"HTTP://grafana.example.com/d/abc"'])
def test_http_links_are_accepted(url: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.format(annotation=url, link=url))
    result = run_monplan("validate", "--plan", str(plan))
    assert "link" not in result.stderr and "runbook_url" not in result.stderr, result.stderr


def test_links_in_markdown_are_never_another_scheme() -> None:
    """The second line of defence: a link whose target is not http(s), mailto or relative is text."""
    from monplan.formats import markdown as md

    for target in ("javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:x", "\tjavascript:x", "data:text/html,x",
                   "vbscript:x", "file:///etc/passwd"):
        for document in (md.link("title", target), md.autolink(target)):
            assert markdown_problems(document) == [] and "](" not in document and "<" not in document, (target, document)
    assert md.link("t", "runbooks/A.md") == "[t](runbooks/A.md)"
    assert md.autolink("https://g.example.com/d/x y") == "<https://g.example.com/d/x%20y>"
