"""Large plans generate in two processes; the output must not depend on it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monplan import generators
from monplan.app.pipeline import load_plan, render
from monplan.generators import forked

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not forked.available(), reason="generation forks on Linux with 2+ cores only")


@pytest.mark.parametrize("plan", ["plan.yaml", "tests/cases/valid/services/plan.yaml"])
def test_split_generation_gives_the_same_files_as_one_process(plan: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not (ROOT / plan).exists():
        pytest.skip(f"{plan} is not in this checkout")
    compiled = load_plan(ROOT / plan)
    monkeypatch.setenv("MONPLAN_PARALLEL", "0")
    alone = render(compiled)
    monkeypatch.setenv("MONPLAN_PARALLEL", "1")
    monkeypatch.setattr(generators, "PARALLEL_FROM", 0)
    assert generators._parallel(compiled)
    split = render(compiled)
    assert list(split) == list(alone)
    assert split == alone
    assert any(path.startswith("grafana/dashboards/") for path in split)
    assert any(path.startswith("runbooks/") for path in split)


def test_a_worker_returns_what_its_function_returns() -> None:
    worker = forked.start(lambda: {"a.yml": b"x" * 5_000_000, "pid": os.getpid()})
    value = worker.result()
    assert value["a.yml"] == b"x" * 5_000_000  # more than a pipe holds at once
    assert value["pid"] != os.getpid()


def test_an_error_in_the_worker_is_raised_with_its_traceback() -> None:
    def broken() -> None:
        raise ValueError("the generator broke")

    worker = forked.start(broken)
    with pytest.raises(RuntimeError, match=r"(?s)worker process.*ValueError: the generator broke"):
        worker.result()


def test_a_worker_that_dies_gives_none_so_the_caller_can_do_the_work() -> None:
    worker = forked.start(lambda: os._exit(9))
    assert worker.result() is None


def test_an_abandoned_worker_is_stopped_and_reaped() -> None:
    import time

    worker = forked.start(lambda: time.sleep(60))
    pid = worker.pid  # abandon() forgets the pid once the child is reaped
    assert pid is not None
    started = time.monotonic()
    worker.abandon()
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):  # already reaped: no zombie left behind
        os.waitpid(pid, 0)
