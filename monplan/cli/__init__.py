"""The command line. Each command lives in its own module and stays thin: parse options,
call one function, print, map the outcome to an exit code. Heavy imports happen inside
the commands so that `monplan --help` starts at once."""

from __future__ import annotations

from monplan.cli.app import app

# The commands register themselves in this order, which is the order of `monplan --help`.
# isort: off
from monplan.cli import build as _build  # noqa: F401
from monplan.cli import validate as _validate  # noqa: F401
from monplan.cli import schema as _schema  # noqa: F401
from monplan.cli import init as _init  # noqa: F401
from monplan.cli import diff as _diff  # noqa: F401
from monplan.cli import inspect as _inspect  # noqa: F401
from monplan.cli import report as _report  # noqa: F401
from monplan.cli import tune as _tune  # noqa: F401
from monplan.cli import oncall as _oncall  # noqa: F401
from monplan.cli import importdoc as _importdoc  # noqa: F401
from monplan.cli import checks as _checks  # noqa: F401
# isort: on


def main() -> None:
    import sys

    from monplan import _signals

    _signals.raise_from_now_on()
    import os

    try:
        os.getcwd()
    except FileNotFoundError:  # every relative path (the default plan.yaml, generated) depends on it
        sys.stderr.write("monplan: error: the current folder no longer exists (removed, or replaced by a build "
                         "with --out naming it); change into it again (cd \"$PWD\") and rerun\n")
        raise SystemExit(1) from None
    try:
        app()
    except _signals.Interrupted as stop:
        try:
            sys.stdout.flush()
        except (OSError, ValueError):
            pass
        sys.stderr.write(_signals.message(stop.signum, stop.done) + "\n")
        raise SystemExit(_signals.exit_code(stop.signum)) from None
