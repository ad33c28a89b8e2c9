"""Markdown from the jinja2 templates of the top-level templates/ folder, plan text escaped.

Every `{{ value }}` a template prints is escaped as Markdown text unless a filter made it
Markdown on purpose (`code`, `fence`, `link`), so plan text such as "<99.9%" or
"customer_code" can never turn into markup, HTML or a broken table.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from monplan.render import one_line

# ASCII punctuation that Markdown (CommonMark and GitHub's extensions) may read as markup;
# CommonMark lets a backslash escape any of it. ( ) and ! need none: with [ ] escaped they
# cannot form a link or an image.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&$])")
_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=>])")
_URL_UNSAFE = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "`": "%60", '"': "%22"}


class Safe(str):
    """Text that is Markdown already; printed as it is."""


def text(value: Any) -> str:
    """Plan text as Markdown that renders exactly as written, on one line."""
    return _text(str(value))


@lru_cache(maxsize=65536)  # runbooks repeat the same plan text (procedures, receivers) thousands of times
def _text(value: str) -> str:
    escaped = _SPECIAL.sub(r"\\\1", one_line(value))
    # A line that starts "1." or "-" would become a list item; escape its marker.
    return _LINE_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[1] else f"\\{m[3]}", escaped)


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
    return "".join(_URL_UNSAFE.get(c, c) for c in one_line(str(value)))


def link(title: Any, target: Any) -> Safe:
    return Safe(f"[{text(title)}]({url(target)})")


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, Safe) else text(value)


def _template_source(name: str) -> str:
    """A template of the package's templates/ folder.

    In a checkout monplan/templates is a symlink to the top-level templates/ folder, and the
    package data `templates/*` of pyproject.toml copies the files into an installed package.
    """
    from importlib.resources import files

    try:
        return (files("monplan") / "templates" / name).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # a checkout whose symlink was not kept
        return (Path(__file__).resolve().parent.parent / "templates" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def environment() -> Any:
    import jinja2  # deferred: only building Markdown needs it

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (_template_source(name), None, lambda: True)),
        undefined=jinja2.StrictUndefined, finalize=_finalize, autoescape=False,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters.update(code=code, fence=fence, link=link, url=lambda v: Safe(url(v)), md=lambda v: Safe(text(v)))
    return env


def render(template: str, **context: Any) -> bytes:
    """A template rendered to UTF-8 bytes, with exactly one trailing newline."""
    out = environment().get_template(template).render(**context)
    return (re.sub(r"\n{3,}", "\n\n", out).rstrip("\n") + "\n").encode("utf-8")
