"""output/file-name-clashes: two output names that macOS (APFS, HFS+: case- and
normalisation-insensitive) or Windows (NTFS: case-insensitive) take for one are refused,
on the plan (alert names, which name the runbooks) and on every path of a build, before
anything is written."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from monplan.app import pipeline
from monplan.checks.file_names import clashes, file_name_problems
from monplan.checks.name_clashes import CHECK_ID, fold
from monplan.diagnostics import PlanError

ROW = ('      - {{metric: {metric}, {extra}threshold: "<99%", priority: high,\n'
       '         query: \'avg(probe_success{{job="{job}"}})\'}}\n')


def _plan(tmp_path: Path, *rows: tuple[str, str], services: str = "", per_service: bool = False) -> Path:
    body = "".join(ROW.format(metric=metric, extra=extra, job=f"j{i}") for i, (metric, extra) in enumerate(rows))
    text = ("version: 1\nsystem: Shop\nsections:\n  - title: Availability\n"
            + ("    per_service: true\n" if per_service else "") + "    metrics:\n" + body + services)
    path = tmp_path / "plan.yaml"
    path.write_text(text)
    return path


def _clash_errors(plan: Path) -> list[str]:
    with pytest.raises(PlanError) as err:
        pipeline.load_plan(plan)
    return [f"{d.line}:{d.field}" for d in err.value.diagnostics if d.check == CHECK_ID]


def test_fold_compares_names_as_macos_and_windows_do() -> None:
    nfc, nfd = "Caf\u00e9", "Cafe\u0301"
    assert nfc != nfd and fold(nfc) == fold(nfd) == fold("CAF\u00c9")
    assert fold("CheckoutDown") == fold("Checkoutdown") == fold("CHECKOUTDOWN")
    assert fold("Stra\u00dfe") == fold("STRASSE")  # full case folding: stricter than NTFS, never looser
    assert fold("\u212bngstr\u00f6m") == fold(unicodedata.normalize("NFD", "\u00c5ngstr\u00f6m"))  # the Angstrom sign
    assert fold("runbooks/a.md") != fold("runbooks/b.md")


def test_clashes_are_found_once_where_the_paths_part() -> None:
    assert clashes({"runbooks/CheckoutDown.md": b"", "runbooks/Checkoutdown.md": b"", "runbooks/X.md": b""}) == [
        ("runbooks/CheckoutDown.md", "runbooks/Checkoutdown.md")]
    # Two folders that clash: reported once, at the folder, not for each file in it.
    assert clashes({"Runbooks/a.md": b"", "runbooks/b.md": b"", "runbooks/c.md": b""}) == [("Runbooks", "runbooks")]
    # A file and a folder of one name.
    assert clashes({"a/B": b"", "a/b/c": b""}) == [("a/B", "a/b")]
    assert clashes({"a/b/c": b"", "a/B": b""}) == [("a/b", "a/B")]
    # Unicode: composed and decomposed, and full case folding.
    assert clashes({"r/Caf\u00e9.md": b"", "r/Cafe\u0301.md": b"", "r/x.md": b""}) == [("r/Caf\u00e9.md", "r/Cafe\u0301.md")]
    assert clashes({"r/STRASSE.md": b"", "r/stra\u00dfe.md": b""}) == [("r/STRASSE.md", "r/stra\u00dfe.md")]
    # Equal names in different folders, and distinct names, are fine.
    assert clashes({"a/x.md": b"", "b/x.md": b"", "a/y.md": b"", "A.md": b"", "b.md": b""}) == []


def test_alert_names_differing_in_case_are_refused_at_the_value_giving_the_second(tmp_path: Path) -> None:
    plan = _plan(tmp_path, ("Checkout", "alert: CheckoutDown, "), ("Cart", "alert: Checkoutdown, "),
                 ("HTTP Errors", ""), ("Http Errors", 'record: "x:y:ratio", '))
    # Once per pair of rows: their NoData alerts clash as well, and are not reported again.
    assert _clash_errors(plan) == ["8:sections[0].metrics[1].alert", "12:sections[0].metrics[3].metric"]


def test_a_row_may_not_take_the_nodata_name_of_another_in_another_case(tmp_path: Path) -> None:
    plan = _plan(tmp_path, ("Search", ""), ("Search Nodata", ""))
    assert _clash_errors(plan) == ["8:sections[0].metrics[1].metric"]


def test_names_that_differ_in_more_than_case_and_per_service_copies_pass(tmp_path: Path) -> None:
    pipeline.load_plan(_plan(tmp_path, ("Checkout", "alert: CheckoutDown, "), ("Cart", "alert: CheckoutDown2, ")))
    services = "services:\n  - name: pay\n  - name: shop\n"
    pipeline.load_plan(_plan(tmp_path, ("Checkout", ""), services=services, per_service=True))


def test_exactly_equal_names_stay_alerts_unique_names_alone(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as err:
        pipeline.load_plan(_plan(tmp_path, ("Checkout", ""), ("Cart", "alert: Checkout, ")))
    assert {d.check for d in err.value.diagnostics} == {"alerts/unique-names"}


def test_the_reported_build_writes_nothing(tmp_path: Path) -> None:
    """The attack: two rows `alert: CheckoutDown` and `alert: Checkoutdown`."""
    plan = _plan(tmp_path, ("Checkout", "alert: CheckoutDown, "), ("Cart", "alert: Checkoutdown, "))
    out = tmp_path / "out"
    result = pipeline.build(plan, out, use_cache=False)
    assert [d.check for d in result.problems] == [CHECK_ID]
    assert not out.exists()


def test_every_path_of_a_build_is_checked_before_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever gives two clashing paths (here a generator, faked), the build refuses them at the
    plan values they come from, and writes nothing."""
    plan = _plan(tmp_path, ("Checkout Latency", ""), ("Cart", ""))
    real = pipeline.render

    def render(model: object) -> dict[str, bytes]:
        files = dict(real(model))  # type: ignore[arg-type]
        files["runbooks/checkoutlatency.md"] = b"a second runbook\n"
        files["Runbooks/extra.md"] = b"\n"
        return files

    monkeypatch.setattr(pipeline, "render", render)
    out = tmp_path / "out"
    result = pipeline.build(plan, out, use_cache=False)
    found = [(d.line, d.field, d.message.split(" differ ")[0], d.check) for d in result.problems]
    assert found == [
        (6, "sections[0].metrics[0].metric",
         'the generated paths "runbooks/CheckoutLatency.md" and "runbooks/checkoutlatency.md"', CHECK_ID),
        (0, "", 'the generated paths "runbooks" and "Runbooks"', CHECK_ID),  # no plan value gives it
    ]
    assert not out.exists()


def test_no_clash_reads_no_plan(tmp_path: Path) -> None:
    assert file_name_problems({"runbooks/A.md": b"", "runbooks/B.md": b""}, tmp_path / "absent.yaml") == []


def test_windows_device_names_are_found_whatever_their_case_and_extension() -> None:
    from monplan.checks.file_names import device_names

    files = {"prometheus/rules/con.yml": b"", "runbooks/NUL.md": b"", "runbooks/Com1.tar.gz": b"",
             "aux/x.md": b"", "runbooks/Console.md": b"", "runbooks/COM10.md": b"", "runbooks/LPT0.md": b""}
    assert sorted(device_names(files)) == ["Com1.tar.gz", "NUL.md", "aux", "con.yml"]
