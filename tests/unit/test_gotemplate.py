"""Our copy of Prometheus' humanize functions; promtool's tests check them against Go's."""

import pytest

from monplan.lang.gotemplate import expand_value, humanize, humanize_duration, humanize_percentage


@pytest.mark.parametrize(("value", "text"), [(0.9985, "99.85%"), (0.0015, "0.15%"), (1.0, "100%"), (0.00005, "0.005%")])
def test_humanize_percentage(value, text):
    assert humanize_percentage(value) == text


@pytest.mark.parametrize(("value", "text"), [(0.55, "550ms"), (2.5, "2.5s"), (90, "1m 30s"), (3600, "1h 0m 0s"),
                                             (0, "0s"), (0.0002, "200us"), (90000, "1d 1h 0m 0s")])
def test_humanize_duration(value, text):
    assert humanize_duration(value) == text


@pytest.mark.parametrize(("value", "text"), [(1, "1"), (1234, "1.234k"), (819.15, "819.1"), (0.5, "500m"), (2e6, "2M")])
def test_humanize(value, text):
    assert humanize(value) == text


def test_expansion_handles_monplan_actions_and_literal_braces():
    assert expand_value('x {{ $value | humanizePercentage }} {{ "{{" }}y{{ "}}" }}', 0.5) == "x 50% {{y}}"


def test_expansion_refuses_actions_it_cannot_predict():
    with pytest.raises(ValueError, match="cannot predict"):
        expand_value("{{ $labels.instance }}", 1.0)


def test_expansion_fills_labels_when_given():
    assert expand_value("on {{ $labels.instance }} {{ $labels.none }}", 1.0, {"instance": "db1"}) == "on db1 "


def test_expansion_refuses_queries_and_bare_values():
    for template in ('{{ with query "up" }}{{ . }}{{ end }}', "{{ $value }}"):
        with pytest.raises(ValueError, match="cannot predict"):
            expand_value(template, 1.0, {})
