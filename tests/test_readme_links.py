"""The README and docs link only to what a clone holds: files of the repository and headings
that exist. A link outside the repository (../shared/...) works on one machine only."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from markdown_it import MarkdownIt

from conftest import ROOT

DOCUMENTS = ["README.md", "docs/ci.md", "benchmarks/README.md", "tests/dashboards/schemas/README.md"]


def _tracked() -> set[str] | None:
    """The repository's files as a clone has them, when git can say."""
    proc = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if proc.returncode != 0:
        return None
    return set(proc.stdout.decode().split("\0")) | {str(Path(p).parent) for p in proc.stdout.decode().split("\0")}


def _links(text: str) -> list[str]:
    found = []

    def walk(tokens) -> None:
        for token in tokens:
            if token.type == "link_open":
                found.append(token.attrGet("href"))
            if token.children:
                walk(token.children)

    walk(MarkdownIt("commonmark").enable("table").parse(text))
    return found


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    anchors = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *#*$", text, re.MULTILINE):
        plain = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
        anchors.add(re.sub(r"[^\w\- ]", "", plain).replace(" ", "-"))
    return anchors | set(re.findall(r'<a (?:id|name)="([^"]+)"', text))  # explicit HTML anchors


@pytest.mark.parametrize("document", [d for d in DOCUMENTS if (ROOT / d).is_file()])
def test_every_relative_link_leads_to_a_file_or_heading_of_the_repository(document: str) -> None:
    source = ROOT / document
    text = source.read_text(encoding="utf-8")
    tracked = _tracked()
    links = _links(text)
    if document == "README.md":
        assert len(links) > 5, "no links found: the parser is not reading the README"
    for href in links:
        parts = urlsplit(href)
        if parts.scheme or href.startswith("//"):
            continue  # http(s) and mailto links leave the repository on purpose
        target = (source.parent / unquote(parts.path)).resolve() if parts.path else source
        assert target.is_relative_to(ROOT), f"{document}: {href} points outside the repository"
        assert target.exists(), f"{document}: {href} does not exist"
        relative = target.relative_to(ROOT).as_posix()
        if tracked is not None and relative != ".":
            assert relative in tracked, f"{document}: {href} is not committed, so a clone lacks it"
        if parts.fragment and target.suffix == ".md":
            anchors = _anchors(target.read_text(encoding="utf-8"))
            assert parts.fragment in anchors, f"{document}: {href}: no heading #{parts.fragment} in {relative}"
