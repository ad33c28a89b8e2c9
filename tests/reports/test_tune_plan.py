"""--write-plan's round trip, without Prometheus: it changes nothing it was not asked to."""

from __future__ import annotations

from reports.conftest import PLAN


def test_a_copy_without_suggestions_is_the_plan_byte_for_byte(tmp_path) -> None:
    """The round trip itself changes nothing: comments, quotes, flow maps and block scalars stay."""
    from monplan.live.tune_plan import write_plan

    copy = tmp_path / "copy.yaml"
    changed, problems = write_plan(PLAN, copy, [], "nothing")
    assert (changed, problems) == ([], [])
    assert copy.read_bytes() == PLAN.read_bytes()


def test_the_round_trip_keeps_every_golden_plan_s_data_and_comments(tmp_path) -> None:
    """Byte-identical except one known ruamel.yaml limit: a flow mapping written over several
    lines ({metric: ..., \\n query: ...}) comes back on one line, same data."""
    import yaml

    from monplan.live.tune_plan import write_plan
    from reports.conftest import ROOT

    plans = sorted((ROOT / "tests" / "cases" / "valid").glob("*/plan.yaml"))
    assert plans
    for plan in plans:
        copy = tmp_path / f"{plan.parent.name}.yaml"
        assert write_plan(plan, copy, [], "nothing") == ([], [])
        before, after = plan.read_text(), copy.read_text()
        assert yaml.safe_load(after) == yaml.safe_load(before), plan
        comments = [line.strip() for line in before.splitlines() if line.lstrip().startswith("#")]
        assert comments == [line.strip() for line in after.splitlines() if line.lstrip().startswith("#")], plan
        if not any(line.rstrip().endswith(",") for line in before.splitlines()):
            assert after == before, plan
