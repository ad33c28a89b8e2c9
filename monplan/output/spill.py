"""The generated files of a large plan, held in a temporary file instead of in memory.

A 100,000-row plan generates about 200,000 files, half a gigabyte: held as bytes they
would double the build's memory. `Files` is a mapping of path -> bytes like the dict the
generators return; past SPILL_FROM bytes it writes each new file's bytes to an unlinked
temporary file and keeps only where they are, reading them back (from the page cache, not
the process's memory) when asked. Every reader takes the files one at a time: the writer,
the build record, the README index, the checkers.
"""

from __future__ import annotations

import os
import stat
import tempfile
import weakref
from collections.abc import Iterator, MutableMapping
from typing import Any

SPILL_FROM = 64 * 1024 * 1024  # bytes kept in memory before the rest goes to the temporary file


class Kept:
    """A file a rebuild did not render again: the one in the output tree at `path`, still as the
    last build wrote it (lstat's size, time and inode as recorded with its SHA-256), which is
    what rendering it would give (monplan/output/unitcache.py). Read, and checked, only if asked for."""

    __slots__ = ("inode", "mtime", "path", "sha", "size")

    def __init__(self, path: str, size: int, mtime: int, inode: int, sha: str) -> None:
        self.path, self.size, self.mtime, self.inode, self.sha = path, size, mtime, inode, sha

    def __reduce__(self) -> tuple[type, tuple[str, int, int, int, str]]:
        return Kept, (self.path, self.size, self.mtime, self.inode, self.sha)

    def stat_matches(self) -> bool:
        try:
            info = os.lstat(self.path)
        except OSError:
            return False
        return (stat.S_ISREG(info.st_mode) and info.st_size == self.size and info.st_mtime_ns == self.mtime
                and info.st_ino == self.inode)

    def read(self) -> bytes:
        import hashlib

        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            with open(fd, "rb") as stream:
                data = stream.read()
        except OSError:
            data = None
        if data is None or hashlib.sha256(data).hexdigest() != self.sha:
            raise StaleOutput(self.path)
        return data


class StaleOutput(Exception):
    """A file a rebuild meant to keep changed on disk during the build: build again without reuse."""


class Files(MutableMapping[str, bytes]):
    def __init__(self, spill_from: int | None = None) -> None:
        self._index: dict[str, bytes | tuple[int, int] | Kept] = {}
        self.descriptions: dict[str, list[Any]] = {}  # the README's description of each file, reused (unitcache)
        self._held = 0
        self._spill_from = SPILL_FROM if spill_from is None else spill_from
        self._fd: int | None = None
        self._end = 0

    def _file(self) -> int:
        if self._fd is None:
            handle, path = tempfile.mkstemp(prefix="monplan-files-")
            os.unlink(path)  # gone with the process, however it ends
            self._fd = handle
            weakref.finalize(self, os.close, handle)
        return self._fd

    def __setitem__(self, path: str, data: bytes) -> None:
        if isinstance(data, Kept):
            self._index[path] = data
            return
        if self._held + len(data) <= self._spill_from:
            self._index[path] = bytes(data)
            self._held += len(data)
            return
        fd, offset, view = self._file(), self._end, memoryview(data)
        while view:
            view = view[os.pwrite(fd, view, offset + len(data) - len(view)):]
        self._end += len(data)
        self._index[path] = (offset, len(data))

    def __getitem__(self, path: str) -> bytes:
        where = self._index[path]
        if isinstance(where, bytes):
            return where
        if isinstance(where, Kept):
            return where.read()
        offset, size = where
        assert self._fd is not None
        parts = []
        while size:
            chunk = os.pread(self._fd, size, offset)
            if not chunk:
                raise OSError(f"the temporary file of the generated files ended early at {path}")
            parts.append(chunk)
            offset, size = offset + len(chunk), size - len(chunk)
        return b"".join(parts) if len(parts) != 1 else parts[0]

    def __delitem__(self, path: str) -> None:
        where = self._index.pop(path)
        if isinstance(where, bytes):
            self._held -= len(where)

    def kept(self, path: str) -> Kept | None:
        """How the file is kept, when it is the output tree's own (not rendered by this build)."""
        where = self._index.get(path)
        return where if isinstance(where, Kept) else None

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, path: object) -> bool:
        return path in self._index

    def __repr__(self) -> str:
        return f"<Files: {len(self._index)} files, {self._held:,} bytes held, {self._end:,} in the temporary file>"

    def opened(self) -> Files:
        """This mapping with its temporary file open now (before a fork: parent and worker share it)."""
        self._file()
        return self

    def index(self) -> dict[str, bytes | tuple[int, int] | Kept]:
        """Where each file is: small enough to send to another process that has the same file open."""
        return dict(self._index)

    def adopt_index(self, index: object) -> None:
        """Take the index another process (a forked worker, writing to this same open file) built."""
        assert isinstance(index, dict)
        self._index = index

    @property
    def spilled(self) -> bool:
        return self._end > 0

    def sort(self) -> None:
        """Paths in sorted order from now on (the order a build lists and writes them in)."""
        self._index = dict(sorted(self._index.items()))
