"""The threshold grammar, with every cell form the monitoring plan uses."""

from decimal import Decimal

import pytest

from monplan.lang.thresholds import Kind, ThresholdError, format_decimal, parse_threshold


@pytest.mark.parametrize(
    ("cell", "op", "value", "kind", "sustained", "description"),
    [
        ("<99.9%", "<", "0.999", Kind.RATIO, False, ""),
        (">1% failure rate", ">", "0.01", Kind.RATIO, False, "failure rate"),
        (">2s load time", ">", "2", Kind.SECONDS, False, "load time"),
        (">500ms avg", ">", "0.5", Kind.SECONDS, False, "avg"),
        (">200ms per query", ">", "0.2", Kind.SECONDS, False, "per query"),
        (">3s", ">", "3", Kind.SECONDS, False, ""),
        (">80%", ">", "0.8", Kind.RATIO, False, ""),
        (">70% sustained", ">", "0.7", Kind.RATIO, True, ""),
        (">0.1%", ">", "0.001", Kind.RATIO, False, ""),
        (">5%", ">", "0.05", Kind.RATIO, False, ""),
        ("<98%", "<", "0.98", Kind.RATIO, False, ""),
        ("<80% of baseline", "<", "0.8", Kind.RELATIVE, False, ""),
        ("<70% of baseline", "<", "0.7", Kind.RELATIVE, False, ""),
        ("Any", ">", "0", Kind.ANY, False, ""),
        ("Any failure", ">", "0", Kind.ANY, False, "failure"),
        ("Any occurrence", ">", "0", Kind.ANY, False, "occurrence"),
        (">= 3", ">=", "3", Kind.NUMBER, False, ""),
        ("<=0.5", "<=", "0.5", Kind.NUMBER, False, ""),
        (">2m", ">", "120", Kind.SECONDS, False, ""),
        (">1h", ">", "3600", Kind.SECONDS, False, ""),
        (">1.5h", ">", "5400", Kind.SECONDS, False, ""),
        (">= 250 requests", ">=", "250", Kind.NUMBER, False, "requests"),
        ("  >  5%   sustained  errors ", ">", "0.05", Kind.RATIO, True, "errors"),
        ("ANY error", ">", "0", Kind.ANY, False, "error"),
    ],
)
def test_every_cell_form_of_the_plan_parses(cell, op, value, kind, sustained, description):
    threshold = parse_threshold(cell)
    assert (threshold.op, threshold.promql_value, threshold.kind) == (op, value, kind)
    assert threshold.sustained is sustained
    assert threshold.description == description


@pytest.mark.parametrize("cell", ["<99.9%", ">0.1%", "<99.99%", ">33.3%", "<0.07%"])
def test_percentages_become_exact_fractions_without_float_noise(cell):
    text = parse_threshold(cell).promql_value
    assert "e" not in text.lower() and len(text) <= 8
    assert Decimal(text) * 100 == Decimal(cell.strip("<>%"))


@pytest.mark.parametrize(
    "cell",
    ["", "   ", "99.9%", "<<99", "<abc", "> %", "<80% of baselines", "about 5", ">5 %s", "=5", "<-3", ">2 d"],
)
def test_cells_outside_the_grammar_are_refused_with_what_is_expected(cell):
    with pytest.raises(ThresholdError) as error:
        parse_threshold(cell)
    assert "expected" in str(error.value) or "baseline" in str(error.value)


def test_a_baseline_comparison_must_be_a_percentage():
    with pytest.raises(ThresholdError, match="percentage"):
        parse_threshold("<2s of baseline")


@pytest.mark.parametrize(
    ("cell", "measured", "fires"),
    [("<99.9%", 0.998, True), ("<99.9%", 0.999, False), ("<=99.9%", 0.999, True),
     (">500ms", 0.5, False), (">=500ms", 0.5, True), ("Any", 0.0, False), ("Any", 1.0, True)],
)
def test_breaches_matches_the_comparison_at_the_boundary(cell, measured, fires):
    assert parse_threshold(cell).breaches(measured) is fires


def test_a_relative_threshold_breaches_against_the_baseline():
    threshold = parse_threshold("<80% of baseline")
    assert threshold.breaches(79, baseline=100)
    assert not threshold.breaches(80, baseline=100)


@pytest.mark.parametrize(
    ("cell", "human"),
    [("<99.9%", "below 99.9%"), (">500ms avg", "above 500ms"), (">2s", "above 2s"), (">2m", "above 2m"),
     ("<80% of baseline", "below 80% of baseline"), (">= 3", "at or above 3"), ("Any", "any occurrence (above 0)")],
)
def test_thresholds_restate_themselves_in_words(cell, human):
    assert parse_threshold(cell).human() == human


@pytest.mark.parametrize(("value", "text"), [("0.9990", "0.999"), ("2.000", "2"), ("1E+3", "1000"), ("0", "0"), ("0.00050", "0.0005")])
def test_decimals_print_plainly(value, text):
    assert format_decimal(Decimal(value)) == text


@pytest.mark.parametrize(
    ("cell", "written", "unit", "size"),
    [("<99.9%", "99.9", "%", "0.01"), (">500ms avg", "500", "ms", "0.001"), (">2s", "2", "s", "1"),
     (">2M", "2", "m", "60"), (">1.5h", "1.5", "h", "3600"), (">= 3", "3", "", "1"),
     ("<80% of baseline", "80", "%", "0.01"), ("<0.8 of baseline", "0.8", "", "1"), ("Any", "0", "", "1")],
)
def test_a_threshold_keeps_the_unit_its_number_is_written_in(cell, written, unit, size):
    threshold = parse_threshold(cell)
    assert (threshold.unit, threshold.unit_size) == (unit, Decimal(size))
    assert Decimal(written) * threshold.unit_size == threshold.value


def test_the_limit_is_the_value_or_the_factor_times_the_baseline():
    assert parse_threshold(">500ms").limit() == Decimal("0.5")
    relative = parse_threshold("<80% of baseline")
    assert relative.limit(Decimal(1024)) == Decimal("819.2")  # exact for a Decimal baseline
    assert relative.limit(0.3) == 0.8 * 0.3  # float64, as Prometheus computes it, for a float one
    with pytest.raises(ValueError):
        relative.limit()


@pytest.mark.parametrize(
    ("cell", "number", "unit", "text"),
    [(">500ms avg", "650", None, ">650ms avg"), ("> 1% failure rate", "0.5", None, "> 0.5% failure rate"),
     ("<99.9%", "99.71", None, "<99.71%"), (">= 3 requests", "4", None, ">= 4 requests"),
     (">80 % busy", "0.8", "", ">0.8 busy"), (">0.5 busy", "50", "%", ">50% busy"), (">2000ms", "2", "s", ">2s")],
)
def test_rewriting_a_cell_keeps_its_operator_and_words(cell, number, unit, text):
    assert parse_threshold(cell).rewritten(Decimal(number), unit) == text
