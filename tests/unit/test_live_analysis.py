"""What the live checks ask Prometheus about a query: its selectors (and whether each one's raw
value reaches the threshold, or a rate of it), and the labels it groups or matches by."""

from __future__ import annotations

from monplan.live.queries import analyse


def _selectors(query: str) -> dict[str, tuple[tuple[str, ...], bool, str | None]]:
    return {s.text: (s.labels, s.raw, s.rated) for s in analyse(query)[0]}


def test_selectors_are_named_with_the_labels_they_need() -> None:
    found = _selectors('sum(rate(http_requests_total{job="api", code=~"5..", env!="dev", zone=~".*"}[5m]))')
    [(text, (labels, raw, rated))] = found.items()
    assert text == 'http_requests_total{job="api", code=~"5..", env!="dev", zone=~".*"}'
    assert labels == ("job", "code")  # != and a regex matching "" do not need the label
    assert not raw and rated == "rate"


def test_a_raw_counter_is_one_whose_value_reaches_the_result() -> None:
    assert _selectors("sum(x_total)")["x_total"][1]
    assert _selectors("max(x_total) - 5")["x_total"][1]
    assert not _selectors("sum(increase(x_total[5m]))")["x_total"][1]
    assert not _selectors("count(x_total)")["x_total"][1]
    found = _selectors("avg(up) unless on (job) x_total")
    assert found["up"][1] and not found["x_total"][1]


def test_selectors_inside_absent_are_not_expected_to_exist() -> None:
    assert list(_selectors('absent(up{job="api"}) or vector(0)')) == []


def test_grouping_and_matching_labels_come_with_the_metrics_under_them() -> None:
    _, groupings = analyse("sum by (region) (rate(a_total[5m])) / on (job) group_left (team) sum by (job) (b)")
    assert ("region", {"a_total"}) in groupings
    assert ("job", {"a_total"}) in groupings and ("job", {"b"}) in groupings
    assert ("team", {"b"}) in groupings


def test_labels_a_query_makes_itself_are_not_looked_for() -> None:
    _, groupings = analyse('sum by (svc) (label_replace(up, "svc", "$1", "job", "(.*)"))')
    assert groupings == []
