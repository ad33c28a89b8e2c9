"""output/file-names: generated file names stay within what file systems take (length, and no
Windows device name such as `con.yml` or `NUL.md`), and a name that would not is reported at
the plan value it comes from; output/file-name-clashes: no two names of one
folder that macOS or Windows would take for one (see monplan/checks/name_clashes.py).

Linux file systems (ext4, xfs, btrfs, tmpfs, overlayfs) take at most 255 bytes per name. The
writer also creates a temporary `.<name>.<random>.tmp` beside each file it writes, and git
and tar add nothing, so a generated name may take at most MAX_NAME_BYTES.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monplan.checks.name_clashes import CHECK_ID as CLASH_ID, fold
from monplan.diagnostics import Diagnostic, Path as PlanPath, format_path
from monplan.lang import naming

if TYPE_CHECKING:
    from monplan.spec.loader import Located

CHECK_ID = "output/file-names"  # runs on the generated files, after the plan's checks
NAME_MAX = 255
MAX_NAME_BYTES = NAME_MAX - 40  # room for the writer's temporary names and staging prefixes


def long_names(files: Mapping[str, bytes]) -> list[str]:
    """Each path component (file or folder name) of the output that is too long, once."""
    found: dict[str, None] = {}
    for path in files:
        for part in path.split("/"):
            if len(part.encode("utf-8")) > MAX_NAME_BYTES:
                found.setdefault(part)
    return list(found)


# Names Windows keeps for devices, whatever the letter case and extension (`con.yml`,
# `NUL.md`): a checkout of the committed output fails on them, or writes to the device.
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", *(f"{d}{n}" for d in ("COM", "LPT")
                                                                                  for n in "123456789\u00b9\u00b2\u00b3")})


def device_names(files: Mapping[str, bytes]) -> list[str]:
    """Each path component (file or folder name) that Windows takes for a device, once."""
    found: dict[str, None] = {}
    for path in files:
        for part in path.split("/"):
            if part.split(".", 1)[0].rstrip(" ").upper() in WINDOWS_DEVICES:
                found.setdefault(part)
    return list(found)


def clashes(files: Mapping[str, bytes]) -> list[tuple[str, str]]:
    """Pairs of output paths (files or folders) that differ, yet name one entry of one folder
    once folded as macOS and Windows compare names: (the first, the other), each pair once,
    where they part (two folders that clash are not reported again for each file in them)."""
    first: dict[str, str] = {}  # folded path of every file and folder -> the path as built
    folders: set[str] = set()
    found: dict[tuple[str, str], None] = {}
    for path in files:
        cut = path.rfind("/")
        folder = path[:cut] if cut > 0 else ""
        if folder and folder not in folders:  # each folder's own prefixes, once
            folders.add(folder)
            start = 0
            while True:
                end = folder.find("/", start)
                prefix = folder if end < 0 else folder[:end]
                other = first.setdefault(fold(prefix), prefix)
                if other != prefix:
                    found.setdefault((other, prefix))
                    break
                if end < 0:
                    break
                start = end + 1
        other = first.setdefault(fold(path), path)
        if other != path and other[:cut + 1] == path[:cut + 1]:  # in one folder (else its folder clashes)
            found.setdefault((other, path))
    return list(found)


def file_name_problems(files: Mapping[str, bytes], plan_path: Path) -> list[Diagnostic]:
    """A located error per too-long name, and per pair of names one file system would take for
    one, at the plan value the name is made from."""
    names = long_names(files)
    pairs = clashes(files)
    devices = device_names(files)
    if not names and not pairs and not devices:
        return []
    from monplan.spec.loader import load_file

    located = load_file(plan_path)
    values = _strings(located.data)
    problems = []
    for one, other in pairs:
        message = (f'the generated paths "{one}" and "{other}" differ only in letter case or Unicode '
                   "normalisation: macOS and Windows take them for one, so one would overwrite the other; "
                   "expected names that differ in more than that: rename one of the values they come from")
        sources = _named_by(one.rsplit("/", 1)[-1], other.rsplit("/", 1)[-1], values)
        problems += _at(sources, message, CLASH_ID, plan_path, located)
    for name in devices:
        message = (f'the generated file name "{name}" is a device name on Windows (CON, PRN, AUX, NUL, COM1-9, '
                   "LPT1-9, whatever the case and extension): a Windows checkout of the output cannot hold it; "
                   "expected another name: rename the value it comes from (a row can set its own alert:)")
        sources = _named_by(name, name, values)
        problems += _at(sources, message, CHECK_ID, plan_path, located)
    for name in names:
        stem = name.rsplit(".", 1)[0]
        size = len(name.encode("utf-8"))
        message = (f'the generated file name "{name[:40]}..." would be {size:,} bytes; file systems take '
                   f"{NAME_MAX} and monplan keeps names to {MAX_NAME_BYTES} (room for its temporary files): "
                   "shorten this value, or set a shorter alert:, uid: or name")
        sources = _sources_of(stem, values)
        problems += _at(sources, message, CHECK_ID, plan_path, located)
    return sorted(problems, key=lambda d: (d.line == 0, d.line, d.column))  # in plan order; unplaced ones last


def _at(sources: list[PlanPath], message: str, check: str, plan_path: Path, located: Located) -> list[Diagnostic]:
    """The problem at each plan value it comes from; at the file alone when none is known."""
    if not sources:
        return [Diagnostic(str(plan_path), 0, 0, message, check=check)]
    found = []
    for source in sources:
        line, column = located.where(source)
        found.append(Diagnostic(str(plan_path), line, column, message, format_path(source), check=check))
    return found


def _strings(data: Any, path: PlanPath = ()) -> list[tuple[PlanPath, str]]:
    found: list[tuple[PlanPath, str]] = []
    if isinstance(data, str):
        found.append((path, data))
    elif isinstance(data, dict):
        for key, value in data.items():
            found += _strings(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _strings(value, path + (index,))
    return found


def _sources_of(stem: str, values: list[tuple[PlanPath, str]]) -> list[PlanPath]:
    """The plan values whose name, slug or alert name the file name holds: the longest such
    text, at every value that gives it (a metric and the system may share one)."""
    best, paths = 0, list[PlanPath]()
    for path, text in values:
        if len(text.encode("utf-8")) < MAX_NAME_BYTES // 4:
            continue  # too short to make a name this long on its own
        length = max((len(form) for form in {text, naming.slug(text), naming.alert_name(text), naming.snake(text)}
                      if form and form in stem), default=0)
        if length > best:
            best, paths = length, [path]
        elif length and length == best:
            paths.append(path)
    return paths


def _named_by(one: str, other: str, values: list[tuple[PlanPath, str]]) -> list[PlanPath]:
    """The plan values that give the clashing names: for each name, the values whose text,
    slug, alert or snake_case name it holds longest (a prefix or the whole stem)."""
    found: dict[PlanPath, None] = {}
    for name in (one, other):
        stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
        best, paths = 0, list[PlanPath]()
        for path, text in values:
            if not text or len(text) > 4 * len(stem) + 40:
                continue
            length = max((len(form) for form in {text, naming.slug(text), naming.alert_name(text), naming.snake(text)}
                          if form and stem.startswith(form)), default=0)
            if length > best:
                best, paths = length, [path]
            elif length and length == best:
                paths.append(path)
        if best * 2 >= len(stem):  # at least half of the name: not a word that happens to start it
            found.update(dict.fromkeys(paths))
    return list(found)
