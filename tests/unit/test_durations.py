import pytest

from monplan.lang.durations import DurationError, canonical, parse_ms


@pytest.mark.parametrize(("text", "ms"), [("5m", 300_000), ("1h30m", 5_400_000), ("7d", 604_800_000), ("1w", 604_800_000),
                                          ("250ms", 250), ("0s", 0), ("0", 0), ("1y", 31_536_000_000)])
def test_prometheus_durations_parse(text, ms):
    assert parse_ms(text) == ms


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", "1.5h", "-5m", "5M", "h"])
def test_other_spellings_are_refused_with_examples(text):
    with pytest.raises(DurationError, match="expected a duration such as"):
        parse_ms(text)


def test_canonical_spelling_matches_what_prometheus_prints():
    assert canonical("90s") == "1m30s"
    assert canonical("60m") == "1h"
    assert canonical("0s") == "0s"
