"""A class proof: whatever hostile value replaces any value of the repository's plan, the CLI
ends with exit 0 or 1 and never a Python traceback.

Hypothesis puts values of every hostile kind this folder proves one by one (numbers of
thousands of digits, NaN, infinities, 1e309, durations past Go's limit, the year 9999,
control characters, Python-only regexes, secrets, names too long for a file system) into
random fields of plan.yaml, and runs `monplan build` and `monplan validate --no-tools` as the
CLI does (in process, through typer's runner, so that many examples stay affordable).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.conftest import ROOT

LINES = (ROOT / "plan.yaml").read_text().split("\n")
# "key: value" lines (also "- key: value"), whose value is replaced.
FIELD = re.compile(r"^(\s*(?:- )?[A-Za-z_][A-Za-z0-9_]*: )(\S.*)$")
FIELDS = [index for index, line in enumerate(LINES) if FIELD.match(line)]

HOSTILE = [
    "7" * 5000, "-" + "9" * 400, ".nan", ".inf", "-.inf", "1e309", "!!float 1e400", '"NaN"', '"1e999999999"',
    "0.1234567890123456789", '">1' + "0" * 400 + '"', '"<0.' + "0" * 400 + '1%"', "293y", "99999999999d",
    "106751d23h47m16s855ms", '"' + "1" * 80 + 's"', "9999-12-31T23:59:59+00:00", "0001-01-01", "9999-12-31",
    '"\\0"', '"a\\u2028b"', '"\\x1b[31m"', '"(?<=a)b"', '"a++"', '"(a)\\\\1"', '"\\\\Z"', "A" * 300,
    json.dumps("Word " * 70), "!!binary " + "eG94Yi0xMjM0NTY3ODkwLWFiY2RlZg==", '"https://tok@h.example.com/"',
    '"https://h.example.com/?token=x"', "[]", "{}", "~", "true", "-1", "0", "''", "&x 1", "*nowhere",
    '"{{ $x }}"', '"%"', '"\\t"', "!!timestamp 2026-01-01", "!!set {a}", "0x7fffffffffffffffff",
]


@settings(max_examples=int(os.environ.get("MONPLAN_FUZZ_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(FIELDS), st.sampled_from(HOSTILE)), min_size=1, max_size=3))
def test_hostile_values_anywhere_never_give_a_traceback(replacements: list[tuple[int, str]]) -> None:
    from typer.testing import CliRunner

    import monplan.cli  # noqa: F401 - registers the commands
    from monplan.cli.app import app

    lines = list(LINES)
    for index, value in replacements:
        match = FIELD.match(lines[index])
        assert match
        lines[index] = match.group(1) + value
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        plan = Path(tmp) / "plan.yaml"
        plan.write_text("\n".join(lines))
        for args in (["build", "--plan", str(plan), "--out", str(Path(tmp) / "out")],
                     ["validate", "--no-tools", "--plan", str(plan)]):
            result = runner.invoke(app, args, env={"NO_COLOR": "1", "COLUMNS": "200"})
            printed = result.output
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                f"{args[0]} raised {result.exception!r} for {replacements}")
            assert "Traceback" not in printed, printed[-2000:]
            assert result.exit_code in (0, 1), (result.exit_code, printed[-2000:])
