"""Remember what the last build wrote, so an unchanged tree is recognised without rendering.

The record lives in the user's cache folder (never in the output, whose bytes must not
depend on it), one file per output folder. It holds a fingerprint of everything the output
depends on (the plan's bytes and name, monplan's own code and templates, the Python and
library versions) and, per generated file, its size, modification time and SHA-256. When
the fingerprint matches and every file is as recorded, the output is what the plan builds.
Any doubt (no record, another fingerprint, a file changed) means a full render instead.
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

import monplan

VERSION = 1


def _cache_dir() -> Path:
    base = os.environ.get("MONPLAN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "monplan"


def _record_path(out: Path) -> Path:
    key = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:32]
    return _cache_dir() / f"{key}.json"


def _code_digest() -> str:
    """Every source and template file of the installed monplan, by content."""
    root = Path(monplan.__file__).resolve().parent
    digest = hashlib.sha256()
    from monplan.formats.markdown import templates_folder

    templates = templates_folder()
    files = [(str(p.relative_to(root)), p) for p in root.rglob("*")]
    files += [(f"templates/{p.relative_to(templates)}", p) for p in templates.rglob("*")]
    for name, path in sorted(files):
        if path.suffix in (".py", ".j2", ".yaml", ".json", ".md") and path.is_file() and "__pycache__" not in path.parts:
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint(plan_path: Path, extra: tuple[str, ...] = ()) -> str | None:
    plan_bytes = _plan_bytes(plan_path)
    if plan_bytes is None:
        return None
    parts = [str(VERSION), plan_path.name, hashlib.sha256(plan_bytes).hexdigest(), code_print(extra)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@functools.lru_cache(maxsize=8)
def code_print(extra: tuple[str, ...] = ()) -> str:
    """Everything but the plan that the output depends on: monplan's code and templates, the
    Python and library versions, and `extra` (targets asked for on the command line)."""
    from importlib.metadata import PackageNotFoundError, version

    parts = [_code_digest(), sys.version, *extra]
    for library in ("pyyaml", "pydantic", "grafanalib", "icalendar", "jinja2", "orjson", "promql-parser"):
        try:
            parts.append(f"{library}={version(library)}")
        except PackageNotFoundError:
            parts.append(f"{library}=none")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _plan_bytes(plan_path: Path) -> bytes | None:
    """The plan's bytes when it is a regular file within the plan size limit; otherwise None (no
    caching): /dev/zero or a pipe would never end, and the loader refuses them with a message."""
    import stat

    from monplan.spec.loader import MAX_BYTES

    try:
        with open(plan_path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
                return None
            data = stream.read(MAX_BYTES + 1)
    except OSError:
        return None
    return data if len(data) <= MAX_BYTES else None


def _stat(path: str) -> list[int] | None:
    """A regular file's size, time and inode; None for anything else, a symbolic link included
    (a build refuses to write through one, so a tree holding one is never "up to date")."""
    try:
        info = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


def remember(out: Path, print_: str | None, files: Mapping[str, bytes]) -> dict[str, list[Any]] | None:
    """Record the output just written (or just found clean) for `print_`; the record's entries."""
    if print_ is None:
        return None
    entries = {}
    from monplan.output.spill import Files
    from monplan.output.writer import MANIFEST, manifest_bytes

    root = os.fspath(out)
    keeps = files.kept if isinstance(files, Files) else None
    for rel in [*files, MANIFEST]:  # one file's bytes at a time: they may be in a temporary file (spill.Files)
        stat = _stat(f"{root}/{rel}")
        if stat is None:
            return None
        kept = keeps(rel) if keeps is not None else None
        if kept is not None and stat == [kept.size, kept.mtime, kept.inode]:
            entries[rel] = [*stat, kept.sha]  # the very file the last build recorded: its hash is known
            continue
        data = manifest_bytes(list(files)) if rel == MANIFEST else files[rel]
        entries[rel] = [*stat, hashlib.sha256(data).hexdigest()]
    record = _record_path(out)
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        tmp = record.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(orjson.dumps({"fingerprint": print_, "out": str(out.resolve()), "files": entries}))
        os.replace(tmp, record)
    except OSError:
        return None  # a cache that cannot be written only costs speed
    return entries


def forget(out: Path) -> None:
    """Drop the record of `out` (what it holds is no longer known)."""
    try:
        _record_path(out).unlink()
    except OSError:
        pass


def unchanged(out: Path, print_: str | None) -> bool:
    """True only when `out` certainly holds what a build with this fingerprint writes."""
    if print_ is None:
        return False
    try:
        record = orjson.loads(_record_path(out).read_bytes())  # 200,000 entries for a 100,000-row plan
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict) or record.get("fingerprint") != print_ or record.get("out") != str(out.resolve()):
        return False
    from monplan.output.writer import MANIFEST, links_on_the_way, read_manifest

    entries: dict[str, list[Any]] = record.get("files", {})
    if read_manifest(out) != set(entries) - {MANIFEST}:
        return False
    # a folder replaced by a link to the same files; each folder looked at once
    if links_on_the_way(out, {rel.rpartition("/")[0] + "/" for rel in entries if "/" in rel}):
        return False
    root = os.fspath(out)
    lstat, regular = os.lstat, stat.S_ISREG
    for rel, (size, mtime, inode, sha) in entries.items():
        path = f"{root}/{rel}"  # plain strings and os calls: one per generated file
        try:
            info = lstat(path)
        except OSError:
            return False
        if not regular(info.st_mode):  # a link (a build never writes through one) or not a file
            return False
        if info.st_size != size or info.st_mtime_ns != mtime or info.st_ino != inode:
            try:
                with open(path, "rb") as stream:
                    if hashlib.sha256(stream.read()).hexdigest() != sha:
                        return False
            except OSError:
                return False
    return True
