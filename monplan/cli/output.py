"""Printing for the CLI: diagnostics to stderr, results to stdout; colour only on terminals."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from monplan.diagnostics import Diagnostic

_settings = {"quiet": False, "verbose": False}
_consoles: dict[str, Console] = {}


def configure(*, quiet: bool, verbose: bool) -> None:
    _settings["quiet"], _settings["verbose"] = quiet, verbose


def quiet() -> bool:
    return _settings["quiet"]


def verbose() -> bool:
    return _settings["verbose"]


def console(stderr: bool = False) -> Console:
    key = "err" if stderr else "out"
    if key not in _consoles:
        from rich.console import Console

        # rich honours NO_COLOR and turns colour off when the stream is not a terminal. emoji=False:
        # rich would print "plan.yaml:100:7" as "plan.yaml💯7" (":100:" is an emoji code), and plan
        # text such as ":fire:" would change as it is printed.
        _consoles[key] = Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)
    return _consoles[key]


def say(text: str) -> None:
    if not quiet():
        console().print(text)


def diagnostics(items: Iterable[Diagnostic], *, warnings: bool = True) -> None:
    from rich.markup import escape

    err = console(stderr=True)
    for item in items:
        if item.severity == "warning" and (not warnings or quiet()):
            continue
        colour = "red" if item.severity == "error" else "yellow"
        err.print(f"[{colour}]{escape(visible(str(item)))}[/{colour}]")


def visible(text: str) -> str:
    """Plan text quoted in a message with its control characters written as escapes (\\n,
    \\x1b): a plan cannot recolour, retitle or rewrite the terminal of whoever builds it."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def shown(text: object) -> str:
    """Plan text (or a path, or an argument) for a rich print: control characters other than
    line breaks as escapes (`visible`), square brackets literal, never read as rich markup."""
    from rich.markup import escape

    return escape("\n".join(visible(line) for line in str(text).split("\n")))


def flush() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
