"""A Markdown document as an outline: headings holding paragraphs, lists and tables, with lines.

markdown-it-py (CommonMark with the table extension) does the parsing, so whatever a real
document does (setext or ATX headings of any level, `-` `*` `+` or numbered lists, escaped
pipes, inline formatting) is read as a Markdown renderer reads it. The importer then only
looks at this outline, never at raw text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Inline:
    """Inline text: its plain words, and the bold label it starts with ("**Label**: rest")."""

    text: str
    label: str | None = None  # the leading bold text, without a trailing colon
    rest: str = ""  # the text after the label (and its colon)
    links: list[tuple[str, str]] = field(default_factory=list)  # (text, target)
    code: bool = False  # the whole text is inline code
    secret: str | None = None  # what the text looked like when it held a secret (then emptied: docimport/guard.py)


@dataclass
class Item:
    inline: Inline
    line: int
    lists: list[ListBlock] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.inline.text

    def children(self) -> list[Item]:
        return [child for block in self.lists for child in block.items]


@dataclass
class ListBlock:
    items: list[Item]
    ordered: bool
    line: int


@dataclass
class Paragraph:
    inline: Inline
    line: int

    @property
    def text(self) -> str:
        return self.inline.text


@dataclass
class Table:
    header: list[Inline]
    rows: list[list[Inline]]
    row_lines: list[int]
    line: int
    # Per row: its cells beyond the header's columns, which a Markdown renderer drops (GFM:
    # the header sets the number of columns); kept here so that the importer reports them.
    beyond: list[list[Inline]] = field(default_factory=list)


Block = Paragraph | ListBlock | Table


@dataclass
class Section:
    level: int  # 0 for the document itself
    title: str  # plain text, decoration removed
    line: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def walk(self) -> Iterator[Section]:
        yield self
        for child in self.children:
            yield from child.walk()

    def lists(self) -> list[ListBlock]:
        return [b for b in self.blocks if isinstance(b, ListBlock)]

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def items(self) -> list[Item]:
        return [item for block in self.lists() for item in block.items]


_NUMBERING = re.compile(r"^\s*(?:(?:\d+|[A-Za-z]|[IVXivx]+)[.)]|\d+(?:\.\d+)+\.?)\s+")


def decoration_free(text: str) -> str:
    """Text without emoji and pictographs (symbols of category So, their modifiers and joiners)."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "So" or (category == "Sk" and ord(char) > 0x7F) or char in "\u200d\ufe0e\ufe0f\u20e3":
            continue
        if category == "Cf":  # zero-width and direction marks a wiki may leave behind
            continue
        kept.append(char)
    return " ".join("".join(kept).split())


def clean_title(text: str) -> str:
    """A heading's title: decoration and "1." / "2)" / "A." numbering removed, no trailing colon."""
    title = decoration_free(text)
    title = _NUMBERING.sub("", title)
    return title.strip().rstrip(":").strip()


_LINE_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_MARKUP_TAG = re.compile(r"^</?(?:b|i|u|s|em|strong|del|ins|mark|small|span|font|sup|sub|kbd|code|tt)(?:\s[^<>]*)?>$",
                         re.IGNORECASE)


def _inline(token: Any) -> Inline:
    """Plain text of an inline token; the leading bold label split off when there is one."""
    children = token.children or []
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    label: str | None = None
    label_end = -1
    depth = 0
    link_start: list[tuple[int, str]] = []
    only_code = bool(children) and all(c.type in ("code_inline",) or (c.type == "text" and not c.content.strip())
                                       for c in children)
    for index, child in enumerate(children):
        kind = child.type
        if kind == "text":  # without the word joiners monplan's Markdown puts in "@x", "://", "www."
            parts.append(child.content.replace("\u2060", ""))
        elif kind == "html_inline" and _LINE_BREAK_TAG.match(child.content):
            parts.append(" ")  # a wiki table's way of breaking a line in a cell
        elif kind == "html_inline" and _MARKUP_TAG.match(child.content):
            pass  # <b>, <span style=...>: emphasis like ** and _, which are dropped too
        elif kind in ("code_inline", "html_inline"):
            parts.append(child.content)
        elif kind in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif kind == "image":
            parts.append(child.content or "")
        elif kind == "strong_open":
            leading = all(c.type == "text" and not decoration_free(c.content) for c in children[:index])
            if depth == 0 and leading and label is None:
                label_end = -2  # inside the label
            depth += 1
        elif kind == "strong_close":
            depth -= 1
            if label_end == -2 and depth == 0:
                label = "".join(parts)
                label_end = len(parts)
        elif kind == "link_open":
            link_start.append((len(parts), str(child.attrs.get("href", ""))))
        elif kind == "link_close" and link_start:
            start, href = link_start.pop()
            links.append(("".join(parts[start:]).strip(), href))
    text = " ".join("".join(parts).split())
    rest = ""
    if label is not None and label_end >= 0:
        after = "".join(parts[label_end:]).strip()
        label = decoration_free(label).strip()
        if label.endswith(":"):
            label, rest = label[:-1].strip(), after
        elif after.startswith(":"):
            rest = after[1:].strip()
        elif after:  # bold words opening a sentence, not a label
            label = None
        rest = " ".join(rest.split())
    else:
        label = None
    return Inline(text=text, label=label or None, rest=rest, links=links, code=only_code)


def split_label(inline: Inline) -> tuple[str | None, str]:
    """(label, rest) of "**Label**: rest", or of "Label: rest" without bold; (None, text) otherwise."""
    if inline.label:
        return inline.label, inline.rest
    match = re.match(r"^([^:]{1,80}?):\s*(.*)$", inline.text)
    if match and not re.search(r"\d$", match[1]) and "//" not in match[2][:2]:
        return decoration_free(match[1]).strip(), match[2].strip()
    return None, inline.text


def _list(tokens: list[Any], start: int) -> tuple[ListBlock, int]:
    """The list starting at tokens[start] (a *_list_open) and the index after its close."""
    opener = tokens[start]
    block = ListBlock([], opener.type == "ordered_list_open", opener.map[0] + 1 if opener.map else 0)
    close = opener.type.replace("_open", "_close")
    index = start + 1
    depth = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == close and depth == 0:
            return block, index + 1
        if token.type == "list_item_open":
            item = Item(Inline(""), token.map[0] + 1 if token.map else block.line)
            block.items.append(item)
            index += 1
            first = True
            while index < len(tokens) and tokens[index].type != "list_item_close":
                inner = tokens[index]
                if inner.type in ("bullet_list_open", "ordered_list_open"):
                    sub, index = _list(tokens, index)
                    item.lists.append(sub)
                    continue
                if inner.type == "inline":
                    if first:
                        item.inline = _inline(inner)
                        first = False
                    else:  # a second paragraph of the item: part of its text
                        more = _inline(inner)
                        item.inline = Inline(f"{item.inline.text} {more.text}".strip(), item.inline.label,
                                             f"{item.inline.rest} {more.text}".strip(), item.inline.links + more.links)
                index += 1
            index += 1
            continue
        index += 1
    return block, index


_QUOTE = re.compile(r"^\s*(?:>\s?)*")


def _beyond(source: str, columns: int, md: Any) -> list[Inline]:
    """The cells of a table row's source line past the first `columns`, split as markdown-it
    splits them (unescaped pipes; an outer pipe at either end is no cell)."""
    from markdown_it.common.utils import mdTrim
    from markdown_it.rules_block.table import escapedSplit

    cells = escapedSplit(mdTrim(_QUOTE.sub("", source)))
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return [_inline(md.parseInline(mdTrim(cell))[0]) for cell in cells[columns:]]


def _table(tokens: list[Any], start: int, lines: list[str], md: Any) -> tuple[Table, int]:
    opener = tokens[start]
    table = Table([], [], [], opener.map[0] + 1 if opener.map else 0)
    index = start + 1
    row: list[Inline] | None = None
    in_head = False
    while index < len(tokens) and tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open":
            row = []
            if not in_head:
                table.rows.append(row)
                table.row_lines.append(token.map[0] + 1 if token.map else table.line)
                source = lines[token.map[0]] if token.map and token.map[0] < len(lines) else ""
                table.beyond.append(_beyond(source, len(table.header), md))
        elif token.type == "inline" and row is not None:
            row.append(_inline(token))
        elif token.type == "tr_close" and in_head and row is not None:
            table.header = row
        index += 1
    return table, index + 1


def parse(text: str) -> Section:
    """The document's outline; headings nest by level, whatever levels the document uses."""
    from markdown_it import MarkdownIt  # deferred: only `monplan import` reads Markdown

    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    # The source lines as markdown-it numbers them (it reads \r\n and \r as line ends).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    root = Section(0, "", 1)
    stack = [root]
    index = 0
    while index < len(tokens):
        token = tokens[index]
        kind = token.type
        here = stack[-1]
        if kind == "heading_open":
            level = int(token.tag[1])
            title = _inline(tokens[index + 1])
            section = Section(level, clean_title(title.text), token.map[0] + 1 if token.map else 0)
            while stack[-1].level >= level:
                stack.pop()
            stack[-1].children.append(section)
            stack.append(section)
            index += 3
            continue
        if kind == "paragraph_open":
            here.blocks.append(Paragraph(_inline(tokens[index + 1]), token.map[0] + 1 if token.map else 0))
            index += 3
            continue
        if kind in ("bullet_list_open", "ordered_list_open"):
            block, index = _list(tokens, index)
            here.blocks.append(block)
            continue
        if kind == "table_open":
            table, index = _table(tokens, index, lines, md)
            here.blocks.append(table)
            continue
        index += 1
    return root
