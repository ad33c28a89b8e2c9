"""Ctrl-C (SIGINT) and SIGTERM end monplan with one line on stderr and exit 130 or 143, never
a traceback, and only after the output's staging folder is cleaned up.

Two phases. While Python is still importing monplan's modules nothing has been written, so
the handler prints its line and exits at once (an exception raised inside an import would
print a traceback). Once `cli.main` runs, a signal raises `Interrupted` instead, which unwinds
through the writer's clean-ups (its `finally` blocks) up to `main`, which prints the line.
A second signal during that unwinding is ignored, so the clean-up finishes.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

# The C module: `import signal` builds enums and costs milliseconds of the very start-up this
# handler is meant to cover. It has no type stubs; its functions and numbers are those of
# `signal`, whose stubs the type checker reads instead.
if TYPE_CHECKING:
    import signal
else:
    import _signal as signal

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_NAMES: dict[int, str] = {signal.SIGINT: "Ctrl-C", signal.SIGTERM: "SIGTERM"}
_state = {"raise": False}


class Interrupted(BaseException):
    """A signal asked monplan to stop. A BaseException, so that no `except Exception` (ours or
    click's, which turns KeyboardInterrupt into "Aborted!") swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.done: str | None = None  # what the interrupted step did, for the message


def started_as_cli() -> bool:
    """True when this process is the `monplan` command (console script or `python -m monplan`):
    only then may importing monplan take over the signals; a program importing monplan as a
    library keeps its own."""
    first = sys.argv[0] if sys.argv else ""
    return os.path.basename(first) in ("monplan", "monplan.exe") or first == "-m"


def install() -> None:
    for number in _SIGNALS:
        signal.signal(number, _handler)


def raise_from_now_on() -> None:
    """From here on a signal unwinds the stack (see the module's docstring)."""
    _state["raise"] = True
    install()


def exit_code(signum: int) -> int:
    return 128 + signum


def message(signum: int, done: str | None = None) -> str:
    name = _NAMES.get(signum, f"signal {signum}")
    return f"monplan: stopped by {name}" + (f"; {done}" if done else "") + "."


def _handler(signum: int, _frame: object) -> None:
    for number in _SIGNALS:  # a second Ctrl-C must not cut the clean-up short
        signal.signal(number, signal.SIG_IGN)
    if _state["raise"]:
        raise Interrupted(signum)
    try:
        os.write(2, (message(signum) + "\n").encode())
    finally:
        os._exit(exit_code(signum))
