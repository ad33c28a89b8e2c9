"""How systemd and GitHub Actions read the command lines monplan generates, written out from
their documentation, so tests can run the very argv they would run.

systemd.service(5), "Command lines": specifiers (%i, %%) are expanded in the unit file first;
the line is then split into words, each unquoted ('...' or "...") with C-style backslash
escapes (also inside quotes); at run time $NAME and ${NAME} are replaced from the
environment and $$ becomes $. GitHub Actions evaluates ${{ ... }} in every value of a workflow.
"""

from __future__ import annotations

import re

_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"',
            "'": "'", "s": " "}


def _specifiers(line: str, instance: str | None) -> str:
    def one(match: re.Match[str]) -> str:
        code = match[1]
        if code == "%":
            return "%"
        if code == "i" and instance is not None:
            return instance
        raise AssertionError(f"unexpected specifier %{code} in {line!r}")

    return re.sub(r"%(.)", one, line)


def _split(line: str) -> list[str]:
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if line[i] in " \t":
            i += 1
            continue
        word, quote = "", None
        while i < n and (quote or line[i] not in " \t"):
            char = line[i]
            if char == "\\":
                nxt = line[i + 1]
                if nxt in _ESCAPES:
                    word, i = word + _ESCAPES[nxt], i + 2
                elif nxt == "x":
                    word, i = word + chr(int(line[i + 2:i + 4], 16)), i + 4
                elif nxt == "u":
                    word, i = word + chr(int(line[i + 2:i + 6], 16)), i + 6
                elif nxt == "U":
                    word, i = word + chr(int(line[i + 2:i + 10], 16)), i + 10
                elif nxt in "01234567":
                    word, i = word + chr(int(line[i + 1:i + 4], 8)), i + 4
                else:
                    raise AssertionError(f"unknown escape \\{nxt} in {line!r}")
            elif quote and char == quote:
                quote, i = None, i + 1
            elif not quote and char in "'\"":
                quote, i = char, i + 1
            else:
                word, i = word + char, i + 1
        assert quote is None, f"unterminated quote in {line!r}"
        words.append(word)
    return words


def _variables(word: str) -> str:
    """$$ is a literal $; any other $NAME or ${NAME} would be replaced: monplan writes none."""
    def one(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        raise AssertionError(f"systemd would expand {match[0]} in {word!r}")

    return re.sub(r"\$\$|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*", one, word)


def exec_start(unit: str, instance: str | None = None) -> list[str]:
    """The argv systemd runs for the unit's one ExecStart= line."""
    [line] = re.findall(r"^ExecStart=(.*)$", unit, re.MULTILINE)
    return [_variables(word) for word in _split(_specifiers(line, instance))]


def github_value(value: str, variables: dict[str, str] | None = None) -> str:
    """A workflow value after GitHub evaluated it: the two expressions monplan writes (a repository
    variable and the literal text of "${{"); any other expression fails the test."""
    variables = variables or {}

    def one(match: re.Match[str]) -> str:
        body = match[1].strip()
        if body == "'${{'":
            return "${{"
        found = re.fullmatch(r"vars\.([A-Z_]+)(?:\s*\|\|\s*'((?:[^']|'')*)')?", body)
        assert found, f"unexpected expression ${{{{ {body} }}}} in {value!r}"
        return variables.get(found[1]) or (found[2] or "").replace("''", "'")

    return re.sub(r"\$\{\{(.*?)\}\}", one, value)
