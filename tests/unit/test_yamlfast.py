"""The fast emitter writes exactly what PyYAML writes, or declines."""

from __future__ import annotations

import yaml
from hypothesis import given, settings, strategies as st

from monplan.formats import yamlfast
from monplan.formats.render import _Dumper


def pyyaml(data: object) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)


TRICKY = ["", " ", "a ", " a", "yes", "No", "on", "~", "null", "1.0", "1_000", "0x1F", "09:00", "2026-11-25",
          "a: b", "a:b", "a #b", "a#b", "#x", "- x", "-x", "? x", "?x", ":x", "x:", "'q'", '"q"', "{{ x }}",
          "[a]", "a,b", "*a", "&a", "!a", "%a", "@a", "`a", "|a", ">a", "---", "...", "a\tb", "é", "\u00a0x",
          "\ufeff", "x\n", "x\ny", "x\n\ny\n", "\nx", " x\ny", "x \ny", "x\n\n", "<<", "=", ".inf", "-.5",
          "monplan:api:ratio", 'sum(rate(x{job="a"}[5m])) > 0.1']

texts = st.one_of(st.sampled_from(TRICKY), st.text(max_size=40),
                  st.text(alphabet=st.sampled_from(list("ab :#-'\"\n\t{}[],?&*!|>%@`~.0123456789éx ")), max_size=30))
scalars = st.one_of(texts, st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.booleans(), st.none())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)), max_leaves=20)


@settings(max_examples=int(__import__("os").environ.get("MONPLAN_YAML_EXAMPLES", "800")))
@given(st.dictionaries(texts, values, max_size=6))
def test_the_fast_emitter_matches_pyyaml_or_declines(data: dict) -> None:
    fast = yamlfast.dump(data)
    if fast is not None:
        assert fast == pyyaml(data)
        assert yaml.safe_load(fast) == yaml.safe_load(pyyaml(data)) or data != data


def test_common_generated_shapes_take_the_fast_path() -> None:
    rule = {"groups": [{"name": "g", "interval": "1m", "rules": [
        {"record": "monplan:x:ratio", "expr": "sum(rate(a[5m]))\n  / sum(rate(b[5m]))"},
        {"alert": "X", "expr": "monplan:x:ratio > 0.1", "for": "5m", "labels": {"severity": "high"},
         "annotations": {"summary": "X is above 10%", "threshold": ">10%", "description": "it's {{ $value }}"}}]}]}
    assert yamlfast.dump(rule) == pyyaml(rule)
