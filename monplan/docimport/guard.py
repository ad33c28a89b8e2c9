"""Secrets in a document never reach the imported plan, nor a message about it.

A monitoring plan document sometimes holds a credential where it was convenient (a Slack
token in a Notes cell, a webhook URL with its key, a password in a query). The plan is
committed and copied into generated files, and import's messages land in CI logs, so
neither may repeat it. Everything import reads passes here, scanned with the plan loader's
own scanner (monplan/spec/secrets.py `what_secret`), so that import never writes what
`monplan build` would refuse:

- `withhold`: every text of the document's outline (headings, paragraphs, list items, table
  cells, link targets) that holds a secret is emptied before the importer reads it, and
  reported at its line (a table cell by its column), naming what it looks like and never its
  text. The importer then sees an empty cell; a row's Metric, Threshold, Priority and Query
  are written as placeholders that `monplan build` refuses until someone fills them in.
- `redacted`: each message, as a last guard, with any quoted text or word holding a secret
  shown as `<secret>`.
- `leftovers`: the plan text about to be written, line by line (values and comments), as a
  last guard for what the importers put together from several texts: a line holding a
  secret means nothing is written.
"""

from __future__ import annotations

import dataclasses
import re

from monplan.diagnostics import Diagnostic
from monplan.docimport.outline import Inline, Item, ListBlock, Paragraph, Section, Table, decoration_free
from monplan.spec.secrets import alternative, what_secret

SECRET = "<secret>"
KEEP = f"secrets never go in the plan: keep each in a file and give the file's path in {alternative(())}"
ADVICE = f"it is left out of the plan; {KEEP}"


def _inline_secret(inline: Inline) -> str | None:
    for text in (inline.text, inline.label or "", inline.rest, *(part for link in inline.links for part in link)):
        found = what_secret(text) if text else None
        if found:
            return found
    return None


def _checked(inline: Inline, line: int, where: str, report: _Report) -> Inline:
    """The text, or an empty one holding what it looked like; a secret only in a link's target
    (`[Grafana](https://user:pass@host/)`) leaves the words and drops that link."""
    what = _inline_secret(inline)
    if not what:
        return inline
    links = [link for link in inline.links if not (what_secret(link[0]) or what_secret(link[1]))]
    kept = dataclasses.replace(inline, links=links)
    if links != inline.links and not _inline_secret(kept):
        report.add(line, f"a link target of {where}", what)
        return kept
    report.add(line, where, what)
    return Inline("", secret=what)


class _Report:
    def __init__(self, source: str) -> None:
        self.source = source
        self.notes: list[Diagnostic] = []

    def add(self, line: int, where: str, what: str) -> None:
        self.notes.append(Diagnostic(self.source, line, 0, f"{where} looks like {what}; {ADVICE}",
                                     severity="warning"))


def _items(items: list[Item], report: _Report) -> list[Item]:
    """The items, each checked; an item left empty with nothing under it is dropped."""
    kept = []
    for item in items:
        item.inline = _checked(item.inline, item.line, "the list item", report)
        for block in item.lists:
            block.items = _items(block.items, report)
        if not item.inline.secret or item.children():
            kept.append(item)
    return kept


def _cells(cells: list[Inline], header: list[Inline] | None, line: int, report: _Report, first: int = 0) -> None:
    """A row's cells (or, without a header, the header's own)."""
    for index, cell in enumerate(cells):
        number = first + index
        heading = decoration_free(header[number].text) if header is not None and number < len(header) else ""
        name = f'the "{heading}" cell (column {number + 1})' if heading else \
            f"the heading of column {number + 1}" if header is None else f"the cell of column {number + 1}"
        cells[index] = _checked(cell, line, name, report)


def withhold(root: Section, source: str) -> list[Diagnostic]:
    """Empty every text of the outline that holds a secret; one warning for each, without the text."""
    report = _Report(source)
    for section in root.walk():
        what = what_secret(section.title) if section.title else None
        if what:
            report.add(section.line, "the heading", what)
            section.title = ""
        for block in section.blocks:
            if isinstance(block, Paragraph):
                block.inline = _checked(block.inline, block.line, "the paragraph", report)
            elif isinstance(block, ListBlock):
                block.items = _items(block.items, report)
            elif isinstance(block, Table):
                _cells(block.header, None, block.line, report)
                for cells, line, beyond in zip(block.rows, block.row_lines, block.beyond, strict=True):
                    _cells(cells, block.header, line, report)
                    _cells(beyond, block.header, line, report, first=len(cells))
        # A paragraph left empty is no paragraph (an overview, a "Label:" before a table).
        section.blocks = [b for b in section.blocks if not (isinstance(b, Paragraph) and b.inline.secret)]
    return report.notes


_QUOTED = re.compile(r'"([^"]*)"')


def redacted(note: Diagnostic) -> Diagnostic:
    """The note with every quoted text and word that holds a secret shown as <secret>."""
    message = note.message
    if not what_secret(message):
        return note
    message = _QUOTED.sub(lambda m: f'"{SECRET}"' if what_secret(m[1]) else m[0], message)
    if what_secret(message):
        message = " ".join(SECRET if what_secret(word) else word for word in message.split(" "))
    if what_secret(message):  # a secret spread over several words
        message = f"a message of monplan import quoted text that looks like {what_secret(message)}; not shown"
    return dataclasses.replace(note, message=message)


def leftovers(text: str, source: str) -> list[Diagnostic]:
    """An error for each line of the plan text about to be written that holds a secret."""
    return [Diagnostic(source, 0, 0, f"the imported plan would hold {what} at its line {number}; nothing was "
                       f"written: remove it from the document; {KEEP}")
            for number, line in enumerate(text.splitlines(), start=1) if (what := what_secret(line))]
