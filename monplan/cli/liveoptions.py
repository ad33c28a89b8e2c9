"""The options of the commands that query Prometheus (validate --prometheus, report, tune):
a value that cannot be read is wrong usage, said before any work and with exit code 2, like
every other unreadable option (oncall --at, diff --against)."""

from __future__ import annotations

import time
import zoneinfo

import typer

from monplan.cli import output


def refuse_unreadable(prometheus: str | None, since: str | None = None, at: str | None = None) -> None:
    """Exit 2 naming each of the given options whose value cannot be read (all of them at once).
    A time that needs the plan's zone to tell (a skipped hour) is the command's to say later."""
    from monplan.live.prometheus_api import Prometheus, PrometheusError
    from monplan.live.report.window import parse_at, parse_since

    problems: list[tuple[str, str]] = []
    if prometheus is not None:
        try:
            Prometheus(prometheus)
        except PrometheusError as err:
            where = getattr(err, "where", "--prometheus")
            if where.startswith("--"):  # not the environment's setting (MONPLAN_MAX_ANSWER_MIB): the command says it
                problems.append((where, str(err)))
    if since is not None:
        try:
            parse_since(since)
        except ValueError as err:
            problems.append(("--since", str(err)))
    if at is not None:
        try:
            parse_at(at, zoneinfo.ZoneInfo("UTC"), None, time.time())
        except ValueError as err:
            problems.append(("--at", str(err)))
    for option, why in problems:
        output.console(stderr=True).print(f"{option}: error: {output.shown(why)}")
    if problems:
        raise typer.Exit(2)
