"""Remember what the last build wrote, so an unchanged tree is recognised without rendering.

The record lives in the user's cache folder (never in the output, whose bytes must not
depend on it), one file per output folder. It holds a fingerprint of everything the output
depends on (the plan's bytes and name, monplan's own code and templates, the Python and
library versions) and, per generated file, its size, modification time and SHA-256. When
the fingerprint matches and every file is as recorded, the output is what the plan builds.
Any doubt (no record, another fingerprint, a file changed) means a full render instead.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import io
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import BinaryIO

import orjson

import monplan

VERSION = 2  # 2: the compact record (Record)
_PIECE = 8192  # paths encoded at a time when a record is written


def _cache_dir() -> Path:
    base = os.environ.get("MONPLAN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "monplan"


def _output_key(out: Path) -> str:
    """The name of an output folder's entries in the cache folder."""
    return hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:32]


def _record_path(out: Path) -> Path:
    return _cache_dir() / f"{_output_key(out)}.json"


def spare_path(out: Path) -> Path:
    """Where the tree a build of `out` switched out waits for the next build (monplan/output/writer.py)."""
    return _cache_dir() / f"spare-{_output_key(out)}"


def _code_digest() -> str:
    """Every source and template file of the installed monplan, by content."""
    root = Path(monplan.__file__).resolve().parent
    digest = hashlib.sha256()
    from monplan.formats.folders import templates_folder

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

    from monplan.spec.limits import MAX_BYTES

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


class Record:
    """The last build's record of one output folder: its fingerprint, and per generated file
    (and the manifest) its size, modification time (ns), inode and SHA-256.

    Stored compactly, as a 100,000-row plan has 200,000 files and `build --check` reads the
    record on every run: a JSON header line, the paths separated by NUL (which no path holds),
    the three numbers of each file as native 64-bit integers, and the raw digests."""

    __slots__ = ("_index", "_numbers", "_shas", "fingerprint", "out", "paths")

    def __init__(self, fingerprint: str, out: str, paths: list[str], numbers: Sequence[int], shas: bytes) -> None:
        self.fingerprint, self.out, self.paths = fingerprint, out, paths
        self._numbers, self._shas = numbers, shas
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def entries(self, start: int = 0, stop: int | None = None) -> Iterator[tuple[int, str, int, int, int]]:
        """(position, path, size, mtime, inode) of the files from `start` to `stop`, in the recorded order."""
        stop = len(self.paths) if stop is None else stop
        numbers = self._numbers
        return zip(range(start, stop), self.paths[start:stop], numbers[3 * start:3 * stop:3],
                   numbers[3 * start + 1:3 * stop:3], numbers[3 * start + 2:3 * stop:3], strict=True)

    def sha(self, position: int) -> str:
        return self._shas[32 * position:32 * position + 32].hex()

    def get(self, rel: str) -> tuple[int, int, int, str] | None:
        """A file's size, mtime, inode and SHA-256 (hex), or None when the record lacks it."""
        if self._index is None:
            self._index = {path: position for position, path in enumerate(self.paths)}
        position = self._index.get(rel)
        if position is None:
            return None
        at = 3 * position
        return self._numbers[at], self._numbers[at + 1], self._numbers[at + 2], self.sha(position)

    def dumps(self) -> bytes:
        stream = io.BytesIO()
        self.write(stream)
        return stream.getvalue()

    def write(self, stream: BinaryIO) -> None:
        """The record, as `dumps` has it, written in pieces: at 200,000 files the whole is some
        forty megabytes that need not be held at once."""
        paths = self.paths
        size = sum(map(len, paths)) + max(len(paths) - 1, 0)
        if not all(map(str.isascii, paths)):  # else the encoded size is the number of characters
            size = sum(len(path.encode("utf-8", "surrogateescape")) for path in paths) + max(len(paths) - 1, 0)
        stream.write(orjson.dumps({"version": VERSION, "fingerprint": self.fingerprint, "out": self.out,
                                   "count": len(paths), "paths_bytes": size}))
        stream.write(b"\n")
        for start in range(0, len(paths), _PIECE):
            stream.write((("\0" if start else "") + "\0".join(paths[start:start + _PIECE])).encode("utf-8", "surrogateescape"))
        numbers = self._numbers
        stream.write(numbers.tobytes() if isinstance(numbers, array.array) and numbers.typecode == "q"
                     else array.array("q", numbers).tobytes())
        stream.write(self._shas)

    @classmethod
    def loads(cls, data: bytes) -> Record | None:
        """The record in `data`, or None when it is not one this version wrote (or is cut short)."""
        try:
            end = data.index(b"\n")
            header = orjson.loads(data[:end])
            count, size = header["count"], header["paths_bytes"]
            if header.get("version") != VERSION or not isinstance(count, int) or count < 1 or not isinstance(size, int):
                return None
            start = end + 1 + size
            paths = data[end + 1:start].decode("utf-8", "surrogateescape").split("\0")
            numbers = array.array("q")
            numbers.frombytes(data[start:start + 24 * count])
            shas = data[start + 24 * count:]
            if len(paths) != count or len(numbers) != 3 * count or len(shas) != 32 * count:
                return None
            return cls(str(header["fingerprint"]), str(header["out"]), paths, numbers, shas)
        except (ValueError, KeyError, TypeError):
            return None


def load_record(out: Path) -> Record | None:
    try:
        return Record.loads(_record_path(out).read_bytes())  # 200,000 files for a 100,000-row plan
    except OSError:
        return None


def remember(out: Path, print_: str | None, files: Mapping[str, bytes]) -> Record | None:
    """Record the output just written (or just found clean) for `print_`; the record."""
    if print_ is None:
        return None
    from monplan.output.spill import Files
    from monplan.output.writer import MANIFEST, manifest_bytes

    root = os.fspath(out)
    keeps = files.kept if isinstance(files, Files) else None
    paths = [*files, MANIFEST]
    numbers = array.array("q")  # 600,000 of them at 100,000 rows: not as Python ints
    shas = bytearray()
    for rel in paths:  # one file's bytes at a time: they may be in a temporary file (spill.Files)
        kept = keeps(rel) if keeps is not None else None
        if kept is not None:
            # A file kept from the last build is recorded as it was seen then, without another
            # lstat: these numbers go with that SHA-256, and a file that has changed since (or a
            # copy where a hard link could not be made) no longer matches them, so the next
            # build renders it again.
            numbers.extend((kept.size, kept.mtime, kept.inode))
            shas += bytes.fromhex(kept.sha)
            continue
        stat = _stat(f"{root}/{rel}")
        if stat is None:
            return None
        numbers.extend(stat)
        data = manifest_bytes(list(files)) if rel == MANIFEST else files[rel]
        shas += hashlib.sha256(data).digest()
    record = Record(print_, str(out.resolve()), paths, numbers, bytes(shas))
    if not replace_cache_file(_record_path(out), record.write):
        return None  # a cache that cannot be written only costs speed
    return record


def replace_cache_file(where: Path, write: Callable[[BinaryIO], object]) -> bool:
    """Write a file of the cache folder whole (`write` fills a temporary file renamed over it);
    False when it could not be. The temporary file never stays behind: a full disk would
    otherwise gain one per build, and one a killed build left is removed by the next write."""
    tmp = where.with_suffix(f".{os.getpid()}.tmp")
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as stream:
            write(stream)
        os.replace(tmp, where)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    _remove_orphans(where)
    return True


def _remove_orphans(where: Path) -> None:
    """`<where>.<pid>.tmp` files of processes that no longer run (killed mid-write)."""
    try:
        names = os.listdir(where.parent)
    except OSError:
        return
    prefix = where.with_suffix("").name + "."
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid = name[len(prefix):-len(".tmp")]
        if pid.isdigit() and not _running(int(pid)):
            with contextlib.suppress(OSError):
                os.unlink(where.parent / name)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # beyond any pid: no such process either
        return False
    except OSError:  # another user's process: running
        return True
    return True


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
    record = load_record(out)
    if record is None or record.fingerprint != print_ or record.out != str(out.resolve()):
        return False
    from monplan.output.writer import MANIFEST, links_on_the_way

    # a folder replaced by a link to the same files; each folder looked at once
    if links_on_the_way(out, {rel.rpartition("/")[0] + "/" for rel in record.paths if "/" in rel}):
        return False
    # The manifest (a later build deletes the files it lists and no longer makes) is one of the
    # recorded files, so checking those proves it lists exactly the recorded ones.
    if MANIFEST not in record.paths:
        return False
    count = len(record)
    if count >= FORK_FROM and sys.platform == "linux" and (os.cpu_count() or 1) > 1:
        return _as_recorded_in_parallel(os.fspath(out), record, count // 2)
    return _as_recorded(os.fspath(out), record, 0, count)


# From this many files `build --check` looks at them in two processes: nearly all its time is
# one lstat per file (200,000 for a 100,000-row plan), which the kernel serves in parallel.
FORK_FROM = 40_000


def _as_recorded(root: str, record: Record, start: int, stop: int) -> bool:
    """Every one of these files is a regular file with the recorded bytes: the same size, time
    and inode (what a build left), else the same SHA-256."""
    lstat, regular = os.lstat, stat.S_ISREG
    for position, rel, size, mtime, inode in record.entries(start, stop):
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
                    if hashlib.sha256(stream.read()).hexdigest() != record.sha(position):
                        return False
            except OSError:
                return False
    return True


def _as_recorded_in_parallel(root: str, record: Record, half: int) -> bool:
    """`_as_recorded` of every file, those from `half` on in a forked copy of this process (its
    answer is its exit status). Whatever goes wrong with the copy, this process checks its
    share itself."""
    count = len(record)
    try:
        pid = os.fork()
    except OSError:
        return _as_recorded(root, record, 0, count)
    if pid == 0:  # the copy: answer and leave at once, running nothing of the parent's
        status = 2
        try:
            status = 0 if _as_recorded(root, record, half, count) else 1
        finally:
            os._exit(status)
    try:
        ours = _as_recorded(root, record, 0, half)
    finally:
        _, wait_status = os.waitpid(pid, 0)
    answer = os.waitstatus_to_exitcode(wait_status)
    if answer not in (0, 1):  # killed, or failed: not an answer
        return ours and _as_recorded(root, record, half, count)
    return ours and answer == 0
