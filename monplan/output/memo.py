"""What a pure, per-row check found nothing wrong with in the last build, remembered in the
cache folder (beside the build records, monplan/output/cache.py) so that a rebuild after one
row's edit checks that row, not the whole plan again.

Only "nothing found" is remembered, under a digest of everything the check reads and of
monplan's code and libraries (cache.code_print): a row with findings is checked every time,
and a change of monplan forgets everything. The store is a cache, never a source of truth:
a store that cannot be read, is damaged or is of other code counts as empty; one that cannot
be written only costs time. It holds this build's digests only, so it never grows past the plan.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import BinaryIO

from monplan.output import cache

_SIZE = 16  # bytes of a digest
_HEAD = b"monplan-memo 1 "


class Clean:
    def __init__(self, name: str) -> None:
        self.path = cache._cache_dir() / f"memo-{name}.bin"
        self.code = cache.code_print()
        self.salt = hashlib.blake2b(self.code.encode(), digest_size=_SIZE)
        self.before = _read(self.path, self.code)
        self.now: set[bytes] = set()

    def key(self, *parts: str) -> bytes:
        """The digest of a check's inputs (texts; None is not a text, so callers spell it)."""
        digest = self.salt.copy()
        for part in parts:
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
        return digest.digest()

    def known(self, key: bytes) -> bool:
        """Found clean by the last build (and so by this one: it is kept)."""
        if key in self.before:
            self.now.add(key)
            return True
        return False

    def clean(self, key: bytes) -> None:
        self.now.add(key)

    def save(self) -> None:
        if self.now == self.before:
            return
        keys = sorted(self.now)

        def write(stream: BinaryIO) -> None:
            stream.write(_HEAD + self.code.encode() + b"\n")
            stream.write(b"".join(keys))

        cache.replace_cache_file(self.path, write)


def _read(path: Path, code: str) -> set[bytes]:
    head = _HEAD + code.encode() + b"\n"
    try:
        with open(path, "rb") as stream:
            if os.fstat(stream.fileno()).st_size > 64 << 20:  # not ours (a plan has at most ~2M rows' worth)
                return set()
            data = stream.read()
    except OSError:
        return set()
    if not data.startswith(head) or (len(data) - len(head)) % _SIZE:
        return set()
    return {data[at:at + _SIZE] for at in range(len(head), len(data), _SIZE)}
