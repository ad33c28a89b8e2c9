"""The report's mean never fails on what Prometheus may answer (values near the float limit)."""

from __future__ import annotations

import math

from hypothesis import given, strategies as st

from monplan.live.report.rows import mean


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=50))
def test_mean_of_finite_values_lies_between_their_extremes(values: list[float]) -> None:
    found = mean(values)
    slack = 1e-12 * max(abs(min(values)), abs(max(values)))  # the division rounds
    assert found is not None and min(values) - slack <= found <= max(values) + slack


def test_the_sum_may_overflow_and_the_mean_still_be_found() -> None:
    assert mean([1e308, 1e308]) == 1e308
    assert mean([-1e308, -1e308, -1e308]) == -1e308
    assert mean([]) is None and math.isclose(mean([1.0, 2.0]) or 0, 1.5)
