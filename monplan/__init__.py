"""monplan: compile a written monitoring plan into working monitoring."""

__version__ = "0.1.0"


def _take_over_signals() -> None:
    # First thing the `monplan` command runs: a Ctrl-C or SIGTERM while the rest of the CLI is
    # still importing then ends it with one line instead of a KeyboardInterrupt traceback.
    from monplan import _signals

    if _signals.started_as_cli():
        _signals.install()


_take_over_signals()
