"""Alert firings in a window, from the series Prometheus writes for its alerting rules.

`ALERTS{alertstate="firing"}` has a sample at every evaluation while an alert fires; a run
of consecutive samples is one firing (an incident). Raw samples are read with a range
selector in an instant query, so no lookback stretches an incident past its last
evaluation. `ALERTS_FOR_STATE` holds, while an alert is pending or firing, the time it
became active; it dates incidents that began before the window.
"""

from __future__ import annotations

from dataclasses import dataclass

from monplan.lang import durations
from monplan.live.prometheus_api import Series
from monplan.live.report.rows import Fetcher, Labels
from monplan.live.report.window import Window
from monplan.model.plan import Plan

# A gap longer than this many evaluation intervals ends a firing (one missed evaluation does).
_GAP = 1.5


@dataclass(frozen=True, slots=True)
class Episode:
    alertname: str
    severity: str
    labels: Labels  # every label of the alert except alertname and alertstate
    first: float  # first firing evaluation seen in the window
    last: float  # last firing evaluation seen in the window
    started: float | None  # when it started firing; None when that is before the data we have
    active_since: float | None  # when its condition first held (pending), from ALERTS_FOR_STATE
    resolved: float | None  # first evaluation it no longer fired; None while it still fires
    carried_over: bool  # it was already firing when the window began

    @property
    def ongoing(self) -> bool:
        return self.resolved is None

    def duration(self, window: Window) -> float:
        """How long it fired (so far, if ongoing), from its start or the window's."""
        begin = self.started if self.started is not None else window.start
        return (self.resolved if self.resolved is not None else window.end) - begin

    def within(self, window: Window) -> float:
        """How long it fired inside the window."""
        begin = max(self.started if self.started is not None else window.start, window.start)
        return min(self.resolved if self.resolved is not None else window.end, window.end) - begin


def alert_selector(plan: Plan) -> str:
    """Label matchers for this plan's alerts: its service label, else its alert names."""
    service = plan.settings.labels.get("service")
    if service:
        return f'service="{_quote(service)}"'
    names = "|".join(sorted(name for alert in plan.alerts for name in alert.alert_names)) or "__none__"
    return f'alertname=~"{names}"'


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _quote(text: str) -> str:
    """Text inside a PromQL "..." string: Go's escapes, as a raw line break would end the query."""
    return "".join(_ESCAPES.get(c, c if c.isprintable() else f"\\U{ord(c):08x}") for c in text)


def _runs(stamps: list[float], interval: float) -> list[list[float]]:
    runs: list[list[float]] = []
    for stamp in sorted(stamps):
        if runs and stamp - runs[-1][-1] <= _GAP * interval:
            runs[-1].append(stamp)
        else:
            runs.append([stamp])
    return runs


def _key(series: Series) -> Labels:
    return tuple((k, v) for k, v in series.labels if k != "alertstate")


def fetch_episodes(fetcher: Fetcher, plan: Plan, window: Window) -> list[Episode]:
    """Firings that overlap the window, in order of their first evaluation."""
    interval = durations.parse_seconds(plan.evaluation_interval) or 60.0
    # Read a little before the window to tell incidents that were already firing.
    lookback = window.seconds + 2 * _GAP * interval
    span = f"{int(lookback)}s"
    selector = alert_selector(plan)
    firing = fetcher.instant(f'ALERTS{{alertstate="firing", {selector}}}[{span}]', window.end)
    for_state = {_key(s): s.points for s in fetcher.instant(f"ALERTS_FOR_STATE{{{selector}}}[{span}]", window.end)}
    waits = {alert.name: durations.parse_seconds(alert.for_) for alert in plan.alerts}
    waits.update({name: 0.0 for alert in plan.alerts if alert.slo is not None for name in alert.alert_names})
    episodes = []
    for series in firing:
        key = _key(series)
        labels = dict(key)
        for run in _runs([stamp for stamp, _ in series.points if stamp <= window.end], interval):
            inside = [stamp for stamp in run if window.start <= stamp < window.end]
            if not inside:
                continue
            carried = run[0] < window.start
            active = _active_since(for_state.get(key, ()), run[0], interval)
            name = labels.get("alertname", "")
            if not carried:
                started: float | None = run[0]
            elif active is not None and name in waits:
                started = active + waits[name]
            else:
                started = None
            # Still firing if it fired at the last evaluation before the window ended.
            resolved = None if window.end - run[-1] <= _GAP * interval else run[-1] + interval
            episodes.append(Episode(
                alertname=name, severity=labels.get("severity", "none"),
                labels=tuple((k, v) for k, v in key if k != "alertname"), first=inside[0], last=inside[-1],
                started=started, active_since=active, resolved=resolved, carried_over=carried))
    return sorted(episodes, key=lambda e: (e.first, e.alertname, e.labels))


def _active_since(points: tuple[tuple[float, float], ...], first: float, interval: float) -> float | None:
    """ALERTS_FOR_STATE's value (the activation time) at the incident's first firing evaluation."""
    near = [value for stamp, value in points if abs(stamp - first) <= interval / 2]
    return near[0] if near else None
