"""The plan loader: YAML 1.2 types, positions of every value and key, and refusals."""

import hypothesis
import pytest

from monplan.diagnostics import PlanError
from monplan.spec.loader import load_text


def load(text: str):
    return load_text(text, "plan.yaml")


def test_values_keep_yaml_1_2_types_so_times_and_norway_stay_text() -> None:
    data = load("a: 09:00\nb: no\nc: on\nd: 1_000\ne: 0x1F\nf: 2.5\ng: true\nh: ~\ni: 1e3\nj: 2026-11-25\n").data
    assert data == {"a": "09:00", "b": "no", "c": "on", "d": "1_000", "e": 31, "f": 2.5, "g": True,
                    "h": None, "i": 1000.0, "j": "2026-11-25"}


def test_explicit_tags_are_honoured() -> None:
    assert load('a: !!str 123\nb: !!int "7"\n').data == {"a": "123", "b": 7}


def test_every_value_and_key_has_its_line_and_column() -> None:
    located = load("sections:\n  - title: A\n    metrics:\n      - metric: X\n        threshold: '<1%'\n")
    assert located.values[("sections", 0, "metrics", 0, "threshold")] == (5, 20)
    assert located.keys[("sections", 0, "metrics", 0, "threshold")] == (5, 9)
    assert located.where(("sections", 0, "metrics", 0, "missing")) == (4, 9)


def test_aliases_are_expanded_and_located_at_the_alias() -> None:
    located = load("base: &b {x: 1}\nuse: *b\n")
    assert located.data == {"base": {"x": 1}, "use": {"x": 1}}
    assert located.where(("use", "x")) == (2, 6)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", 'plan.yaml:2:1: error: duplicate key "a"; each field may appear once'),
        ("a: {x: 1}\nb:\n  <<: {y: 2}\n", "plan.yaml:3:3: error: merge keys (<<) are not supported; write the fields out"),
        ("a: 1\n---\nb: 2\n", "plan.yaml:2:1: error: the plan must be a single YAML document (found a second ---)"),
        ("a: *nope\n", "plan.yaml:1:4: error: unknown alias *nope; define &nope before using it"),
        ("? [a, b]\n: 1\n", "plan.yaml:1:3: error: a mapping key must be plain text"),
        ("", "plan.yaml:1:1: error: the plan is empty; expected a mapping with version, system and sections"),
        ("a: !!int nope\n", "plan.yaml:1:4: error: cannot read this value"),
        ("a: [1, 2\n", "plan.yaml:2:1: error: YAML syntax error:"),
    ],
)
def test_broken_yaml_is_refused_at_its_position(text: str, message: str) -> None:
    with pytest.raises(PlanError) as error:
        load(text)
    assert str(error.value.diagnostics[0]).startswith(message)


@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(hypothesis.strategies.text(alphabet="abcxyzNnTtFfYyOo~0123456789.+-_eE:/ ", min_size=1, max_size=12))
def test_a_plain_value_gets_the_type_yaml_1_2_resolution_gives_it(word: str) -> None:
    """The loader types most plain values by their first character, without the resolvers;
    every value must still have the type the resolvers (PyYAML with the same core schema) give."""
    import yaml

    from monplan.spec.loader import _Loader

    text = f"key: {word}\n"
    try:
        expected = yaml.load(text, Loader=_Loader)["key"]  # a SafeLoader: the loader under test's own class
    except (yaml.YAMLError, ValueError, TypeError, KeyError):
        hypothesis.assume(False)
        return
    hypothesis.assume(not (isinstance(expected, float) and expected != expected) and expected not in (float("inf"), float("-inf")))
    try:
        got = load_text(text, "plan.yaml").data["key"]
    except PlanError:
        hypothesis.assume(False)
        return
    assert (type(got), got) == (type(expected), expected)
