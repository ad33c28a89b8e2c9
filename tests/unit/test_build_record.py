"""The build record lets `build --check` call a tree up to date without rendering. It must never
say so of a tree that differs from what the plan builds: a file edited anywhere (also in the
half a forked copy looks at), a damaged or foreign record."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import CASES
from monplan.app.pipeline import build
from monplan.output import cache

PLAN = CASES / "valid" / "every-output" / "plan.yaml"


@pytest.fixture
def built(tmp_path: Path) -> Path:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(PLAN.read_bytes())
    out = tmp_path / "out"
    assert build(plan, out).ok
    return out


def _same_size_edit(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:-1] + (b"!" if data[-1:] != b"!" else b"?"))


@pytest.mark.parametrize("where", ["first", "last"])
@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "two processes"])
def test_an_edited_file_is_seen_wherever_it_is(built: Path, where: str, parallel: bool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "FORK_FROM", 1 if parallel else 10**9)
    plan = built.parent / "plan.yaml"
    record = cache.load_record(built)
    assert record is not None
    assert build(plan, built, check=True).cached
    files = [rel for rel in record.paths if rel != ".monplan-manifest"]
    edited = built / (files[0] if where == "first" else files[-1])
    _same_size_edit(edited)
    result = build(plan, built, check=True)
    assert not result.cached
    assert os.path.relpath(edited, built) in result.changes.changed


def test_a_touched_file_with_its_bytes_is_still_up_to_date(built: Path) -> None:
    plan = built.parent / "plan.yaml"
    some = next(p for p in sorted(built.rglob("*.yml")))
    os.utime(some, ns=(1, 1))  # another time: the file is hashed, and its bytes are the recorded ones
    assert build(plan, built, check=True).cached


def test_a_damaged_record_means_a_full_check(built: Path) -> None:
    plan = built.parent / "plan.yaml"
    where = cache._record_path(built)
    data = where.read_bytes()
    for damaged in (data[: len(data) // 2], data[:-1], b"", b"{}\n", data.replace(b'"version":2', b'"version":1')):
        where.write_bytes(damaged)
        assert cache.load_record(built) is None
        result = build(plan, built, check=True)
        assert not result.cached and result.ok and result.changes.clean


def test_the_record_round_trips(built: Path) -> None:
    record = cache.load_record(built)
    assert record is not None
    again = cache.Record.loads(record.dumps())
    assert again is not None and again.paths == record.paths and again.fingerprint == record.fingerprint
    assert [again.get(rel) for rel in record.paths] == [record.get(rel) for rel in record.paths]
    manifest = record.get(".monplan-manifest")
    assert manifest is not None and manifest[0] == (built / ".monplan-manifest").stat().st_size
