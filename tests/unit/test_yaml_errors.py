"""YAML syntax errors are told as the mistake and its fix at line:column, in plain words:
never libyaml's parser states ("while scanning a simple key", "did not find expected key")."""

from __future__ import annotations

import pytest

from monplan.diagnostics import PlanError
from monplan.spec.loader import load_text

# libyaml's own phrases, which name its states rather than the mistake
PARSER_WORDS = ("while scanning", "while parsing", "did not find expected", "found character",
                "mapping values are not allowed", "could not find expected", "end of stream", "scalar")

CASES = [  # (plan text, line:column pointed at, words of the sentence)
    ('a: "x\nb: 1\n', "1:4", 'never closed; end it with "'),
    ("a: 'x\nb: 1\n", "1:4", "never closed; end it with '"),
    ("a:\n\tb: 1\n", "2:1", "replace the tab with spaces"),
    ("threshold: a: b\n", "1:13", "put the value in quotes"),
    ("a: 1\nb\nc: 2\n", "2:1", 'add ": " after the key'),
    ("a:\n  b: 1\n c: 2\n", "3:2", "mapping that starts at line 1, column 1; indent it exactly like those keys"),
    ("a:\n  b: 1\n    c: 2\n", "3:6", "indented deeper than the keys above it"),
    ("a:\n  - 1\n  b: 2\n", "3:3", 'the list that starts at line 2, column 3 expects another "- " item'),
    ("a: [1, 2\nb: 3\n", "2:2", "the [ list that opens at line 1, column 4 is not closed"),
    ("a: {x: 1\nb: 2\n", "2:2", "the { mapping that opens at line 1, column 4 is not closed"),
    ('a: "\\q"\n', "1:5", '"\\q" is not an escape YAML knows'),
    ("a: @x\n", "1:4", '"@" cannot start a value in YAML; put the value in quotes'),
    ("a: `x`\n", "1:4", '"`" cannot start a value'),
    ("a: &\n", "1:4", '"&" must be followed by a name'),
    ("a: !x!y 1\n", "1:4", '"!" starts a YAML tag'),
    ("a: 1\n- b\n", "2:1", 'a "- " list item where the mapping'),
    ("a: |x\n  t\n", "1:5", "start the text on the next line"),
    ('a: "x" y\n', "1:8", "text follows the closing quote"),
    ("a: ]\n", "1:4", 'a value cannot start with "]"'),
    ("a: [1,, 2]\n", "1:7", "a value is missing here"),
    ("a: 1\n...\nb\n", "3:1", "end-of-document marker"),
]


@pytest.mark.parametrize(("text", "where", "words"), CASES)
def test_yaml_syntax_errors_say_the_mistake_and_the_fix_at_its_position(text: str, where: str, words: str) -> None:
    with pytest.raises(PlanError) as error:
        load_text(text, "plan.yaml")
    [problem] = error.value.diagnostics
    message = str(problem)
    assert message.startswith(f"plan.yaml:{where}: error: YAML syntax error: "), message
    assert words in message
    sentence = problem.message.lower()
    assert not any(phrase in sentence for phrase in PARSER_WORDS), message
