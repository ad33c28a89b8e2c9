"""A large plan's files are held in a temporary file (spill.Files); what is built from them
must not depend on it: the same paths, the same order, the same bytes on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CASES, tree
from monplan import generators
from monplan.app.pipeline import build, load_plan, render
from monplan.generators import forked
from monplan.output import spill


def test_files_keep_what_is_stored_in_memory_and_past_the_limit() -> None:
    files = spill.Files(spill_from=10)
    files["a"] = b"12345"
    files["b"] = b"x" * 100_000  # past the limit: in the temporary file
    files["c"] = b""
    files["d"] = bytearray(b"678")
    assert files.spilled
    assert dict(files) == {"a": b"12345", "b": b"x" * 100_000, "c": b"", "d": b"678"}
    assert list(files) == ["a", "b", "c", "d"] and len(files) == 4 and "b" in files and "e" not in files
    files["b"] = b"again"
    assert files["b"] == b"again"
    del files["a"]
    files.sort()
    assert list(files.items()) == [("b", b"again"), ("c", b""), ("d", b"678")]
    with pytest.raises(KeyError):
        files["a"]


@pytest.mark.parametrize("parallel", ["0", "1"])
def test_a_build_whose_files_spill_writes_the_same_tree(parallel: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    plan = CASES / "valid" / "services" / "plan.yaml"
    monkeypatch.setenv("MONPLAN_PARALLEL", parallel)
    if parallel == "1":
        if not forked.available():
            pytest.skip("generation forks on Linux with 2+ cores only")
        monkeypatch.setattr(generators, "PARALLEL_FROM", 0)
    held = render(load_plan(plan))
    assert isinstance(held, dict)
    assert build(plan, tmp_path / "held", use_cache=False).ok

    monkeypatch.setattr(generators, "SPILL_FROM", 0)
    monkeypatch.setattr(spill, "SPILL_FROM", 1000)
    spilled = render(load_plan(plan))
    assert isinstance(spilled, spill.Files) and spilled.spilled
    assert list(spilled) == list(held) and dict(spilled) == held
    result = build(plan, tmp_path / "spilled", use_cache=True)
    assert result.ok and isinstance(result.files, spill.Files)
    assert tree(tmp_path / "spilled") == tree(tmp_path / "held")
    assert build(plan, tmp_path / "spilled", check=True).changes.clean
