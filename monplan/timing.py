"""Seconds per step of a run, for `validate --timings`: each call charges the time since the
previous one to the step it names."""

from __future__ import annotations

import time


class Lap:
    def __init__(self) -> None:
        self.steps: list[tuple[str, float]] = []
        self._last = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.steps.append((step, now - self._last))
        self._last = now

    def restart(self) -> None:
        """Time from now on is charged to the next step (what came before is someone else's)."""
        self._last = time.perf_counter()
