"""Markdown from the jinja2 templates of the top-level templates/ folder, plan text escaped.

Every `{{ value }}` a template prints is escaped as Markdown text unless a filter made it
Markdown on purpose (`code`, `fence`, `link`), so plan text such as "<99.9%" or
"customer_code" can never turn into markup, HTML or a broken table. Python code that
writes Markdown (PLAN.md, README.md, `diff --format markdown`) uses the same functions.

What `text` guarantees, for CommonMark and for GitHub's Markdown (GFM) alike:

- no HTML, link, image, emphasis, code span, heading, list, quote or table cell boundary:
  every punctuation character that could start one is backslash-escaped, line breaks fold;
- no link GitHub makes by itself from bare text (`https://...`, `www.`, `user@host`) and no
  `@user` / `@org/team` mention that would notify people: a WORD JOINER (U+2060, invisible,
  no line break) goes after the `@`, before the `:` of `://` and after `www`, where no
  backslash helps (GitHub links and pings in the rendered text, after escapes are gone).

Link targets (`link`, `autolink`) are http(s), mailto or a relative path; any other scheme
(javascript:, data:, ...) gives the title as text, without a link. The plan refuses such
URLs already (monplan/spec/safe.py); this is the second line of defence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from monplan.formats.folders import templates_folder
from monplan.formats.render import one_line

if TYPE_CHECKING:
    import jinja2

# ASCII punctuation that Markdown (CommonMark and GitHub's extensions) may read as markup;
# CommonMark lets a backslash escape any of it. ( ) and ! need none: with [ ] escaped they
# cannot form a link or an image.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&$])")
_LINE_START = re.compile(r"^(\d+)([.)])(?=\s|$)|^([-+=>])")  # "1." is a list item only before a blank
_URL_UNSAFE = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "`": "%60", '"': "%22", "\\": "%5C"}
_URL_TABLE = str.maketrans(_URL_UNSAFE)
# Where GitHub would make a link or a mention out of plain text: "@name", "scheme://",
# "www." (GFM's extended autolinks; an e-mail address has an "@" too).
JOINER = "\u2060"
_LINKIFIED = re.compile(r"@(?=[A-Za-z0-9])|(?<=[A-Za-z0-9+.-]):(?=//)|(?<![A-Za-z0-9])(?i:www)(?=\.)")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
LINK_SCHEMES = frozenset({"http", "https", "mailto"})


class Safe(str):
    """Text that is Markdown already; printed as it is."""


def text(value: Any) -> str:
    """Plan text as Markdown that renders exactly as written, on one line."""
    return _text(str(value))


@lru_cache(maxsize=65536)  # runbooks repeat the same plan text (procedures, receivers) thousands of times
def _text(value: str) -> str:
    escaped = _SPECIAL.sub(r"\\\1", one_line(value))
    escaped = _LINKIFIED.sub(_join, escaped)
    # A line that starts "1." or "-" would become a list item; escape its marker.
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped)


def _join(match: re.Match[str]) -> str:
    found = match.group()
    return f"{JOINER}{found}" if found == ":" else f"{found}{JOINER}"


def code(value: Any, cell: bool = False) -> Safe:
    """Inline code whose backtick fence is longer than any backtick run inside.

    In a table cell a | would end the cell even inside code; GitHub reads \\| there as |.
    """
    return _code(str(value), cell)


@lru_cache(maxsize=65536)
def _code(value: str, cell: bool) -> Safe:
    body = one_line(value)
    if cell:
        body = body.replace("|", "\\|")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", body)), default=0) + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return Safe(f"{fence}{pad}{body}{pad}{fence}")


def fence(value: Any, language: str = "") -> Safe:
    """A fenced code block that no line of the code can close early."""
    body = str(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"^\s*(`{3,})", body, re.MULTILINE)), default=2)
    marks = "`" * max(3, longest + 1)
    return Safe(f"{marks}{language}\n{body}\n{marks}")


def url(value: Any) -> str:
    """A URL usable as a link target: characters that would end it are percent-encoded."""
    return one_line(str(value)).translate(_URL_TABLE)


def safe_target(target: Any) -> bool:
    """Whether a link target is http(s), mailto or relative (no scheme at all)."""
    found = _SCHEME.match(one_line(str(target)))
    return found is None or found[1].lower() in LINK_SCHEMES


def link(title: Any, target: Any) -> Safe:
    """A link; the title alone, as text, when the target's scheme is not http(s) or mailto."""
    if not safe_target(target):
        return Safe(text(title))
    # Inside a link GitHub neither links nor mentions again: no word joiner, so an address
    # copied from the title is the address.
    return Safe(f"[{text(title).replace(JOINER, '')}]({url(target)})")


def autolink(target: Any) -> Safe:
    """A URL shown as itself and clickable: `<https://...>`, or a link to a relative path."""
    shown = one_line(str(target))
    found = _SCHEME.match(shown)
    if found and found[1].lower() in ("http", "https"):
        return Safe(f"<{url(shown)}>")
    return link(shown, shown)


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, Safe) else text(value)


def _template_source(name: str) -> str:
    """A template of the top-level templates/ folder, which an installed monplan carries as
    its package `monplan.templates` (pyproject.toml maps the folder)."""
    return (templates_folder() / name).read_text(encoding="utf-8")


def new_environment(loader: jinja2.BaseLoader) -> jinja2.Environment:
    """A jinja2 environment for Markdown templates: every printed value is escaped by `text`
    unless a filter (code, fence, link, autolink, url, md) made it Markdown on purpose."""
    import jinja2  # deferred: only building Markdown needs it

    env = jinja2.Environment(
        loader=loader, undefined=jinja2.StrictUndefined, finalize=_finalize, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(code=code, fence=fence, link=link, autolink=autolink, url=lambda v: Safe(url(v)),
                       md=lambda v: Safe(text(v)))
    return env


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    import jinja2

    return new_environment(jinja2.FunctionLoader(lambda name: (_template_source(name), None, lambda: True)))


def render(template: str, **context: Any) -> bytes:
    """A template rendered to UTF-8 bytes, with exactly one trailing newline."""
    out = environment().get_template(template).render(**context)
    return (re.sub(r"\n{3,}", "\n\n", out).rstrip("\n") + "\n").encode("utf-8")
