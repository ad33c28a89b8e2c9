"""The corpus of broken plans (tests/cases/invalid/, run by tests/test_cases.py) covers every
part of the format, and its messages say what is expected.

tests/test_cases.py checks each case's exact messages, their file:line:col, exit 1 and no
traceback; this file checks the corpus as a whole.
"""

from __future__ import annotations

import re

from tests.conftest import CASES

CORPUS = sorted(p for p in (CASES / "invalid").iterdir() if (p / "expected.txt").exists())
_ERROR = re.compile(r"^plan\.yaml:\d+:\d+: error: (?:(?P<field>[^ :]+): )?(?P<message>.*)$")
# Parts of the format still waiting for their broken plans, and why. An entry here whose part
# is covered after all fails the test, so the list only ever shrinks.
NOT_YET_COVERED = {"targets": "Kubernetes and Mimir targets (issue 6) are still being written"}


def errors() -> list[tuple[str, str, str]]:
    """(case, field path, message) of every expected error of the corpus."""
    out = []
    for case in CORPUS:
        for line in (case / "expected.txt").read_text().splitlines():
            match = _ERROR.match(line)
            if match:
                out.append((case.name, match["field"] or "", match["message"]))
    return out


def _covered(prefix: str) -> set[str]:
    return {case for case, field, _ in errors() if field == prefix or field.startswith((prefix + ".", prefix + "["))}


def test_the_corpus_has_at_least_forty_broken_plans() -> None:
    assert len(CORPUS) >= 40, [p.name for p in CORPUS]


def test_every_top_level_part_of_the_format_has_a_broken_plan() -> None:
    from monplan.spec.plan import Plan

    parts = [field.alias or name for name, field in Plan.model_fields.items()]
    missing = [part for part in parts if not _covered(part) and part not in NOT_YET_COVERED]
    assert not missing, f"no broken plan in tests/cases/invalid/ exercises {missing}"
    stale = [part for part in NOT_YET_COVERED if part not in parts or _covered(part)]
    assert not stale, f"remove {stale} from NOT_YET_COVERED: they are covered (or gone)"


def test_the_big_parts_have_broken_plans_for_each_of_their_own_parts() -> None:
    parts = ["collection.applications", "collection.node_exporter", "collection.postgres_exporter",
             "collection.blackbox", "collection.mtail", "alert_routing.receivers", "alert_routing.routes",
             "alert_routing.business_hours", "alert_routing.critical_period", "alert_routing.group_by",
             "dashboards[0].views", "dashboards[0].variables", "dashboards[0].uid", "reporting.daily_report",
             "reporting.weekly_review", "endpoints", "runbooks.base_url", "oncall.rotation", "people",
             "escalation_path", "deployment", "monitoring_schedule", "focus_areas", "defaults"]
    missing = [part for part in parts if not _covered(part)]
    assert not missing, missing


def test_unknown_fields_get_a_did_you_mean_in_every_part_that_has_typos() -> None:
    hinted = {field.split(".")[0].split("[")[0] for _, field, message in errors() if "did you mean" in message}
    assert {"sections", "focus_areas", "collection", "dashboards", "alert_routing", "reporting", "people",
            "oncall"} <= hinted


def test_messages_are_monplans_own_words_not_a_validators_or_a_regular_expression() -> None:
    # pydantic's defaults ("Input should be ...", "Value error, ...") name types and internals, not
    # what the plan should say; a pattern such as ^[a-z]+$ makes the reader decode it.
    raw = re.compile(r"Input should|Value error|Assertion failed|Field required|Extra inputs|validation error|"
                     r"does not match \^|Traceback|object has no attribute|NoneType")
    found = [(case, message) for case, _, message in errors() if raw.search(message)]
    assert not found, "\n".join(f"{case}: {message}" for case, message in found)


def test_each_broken_plan_says_in_a_comment_or_its_name_what_it_breaks() -> None:
    for case in CORPUS:
        text = (case / "plan.yaml").read_text(errors="replace")
        assert text.startswith("#") or len(case.name.split("-")) >= 2, case.name
