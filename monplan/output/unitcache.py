"""Reuse of the last build's files whose inputs did not change: a rebuild after one row's
edit renders that row's files, not the whole plan's.

A generator renders in units (a rule file, a runbook, a dashboard part); each unit has a key,
the hash of everything its files are made of: monplan's code and libraries, the plan's
settings (every part of the document but its rows, which resolve into the alerts), and the
resolved objects the unit reads (its alerts, boards...). The store, beside the build record
in the cache folder (monplan/output/cache.py), maps each key of the last build to its files. A unit
whose key is in the store and whose files are in the output tree exactly as the build
record has them (size, modification time, inode; their SHA-256 is recorded) is not
rendered: its files are `spill.Kept`, the output tree's own bytes. Anything else (a new key,
a file edited or touched by hand, no record) renders the unit. The writer and the record
know a kept file unchanged without reading it; whoever needs its bytes reads them, checked
against the recorded SHA-256 (a file changed meanwhile stops the reuse: the build renders
everything instead, `spill.StaleOutput`).

A unit's key must cover all it reads: tests/test_incremental.py compares every file of
rebuilds after many kinds of edits with a clean build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import operator
import os
import pickle
import stat
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from monplan.model.plan import Alert, Plan, Watch
from monplan.output import cache
from monplan.output.spill import Kept

VERSION = 1

# Where a row is in the plan (its path and line) is left out of the keys: only diagnostics
# and Alertmanager's routing cases (not a unit) read it, and adding a row moves every later one.
_ALERT_FIELDS = tuple(f.name for f in dataclasses.fields(Alert) if f.name not in ("path", "line", "no_data"))
_WATCH_FIELDS = tuple(f.name for f in dataclasses.fields(Watch) if f.name not in ("path", "line"))
_alert_state = operator.attrgetter(*_ALERT_FIELDS)  # a tuple of those fields, read in C
_watch_state = operator.attrgetter(*_WATCH_FIELDS)


def store_path(record: Path) -> Path:
    return record.with_suffix(".units")


class UnitCache:
    def __init__(self, out: Path, plan: Plan, code: str) -> None:
        self.root = os.fspath(out.resolve())
        self.record_path = cache._record_path(out)
        self.previous: dict[str, list[str]] = {}
        self.fragments: dict[str, str] = {}  # the last build's text fragments, by key
        self.fragments_now: dict[str, str] = {}
        self.recorded: cache.Record | None = None
        self.descriptions: dict[str, list[Any]] = {}
        record = cache.load_record(out)
        try:
            store = orjson.loads(store_path(self.record_path).read_bytes()) if record is not None else None
        except (OSError, ValueError):
            store = None
        if (record is not None and isinstance(store, dict) and store.get("version") == VERSION
                and record.out == self.root and store.get("record") == record.fingerprint):
            self.recorded = record
            self.previous = store.get("units", {})
            self.descriptions = store.get("descriptions", {})
            fragments = store.get("fragments", {})
            self.fragments = fragments if isinstance(fragments, dict) else {}
        self.units: dict[str, list[str]] = {}  # this build's units: key -> paths
        self.now: dict[str, tuple[str, object, Any]] = {}  # this build's derived facts: name -> (path, detail, value)
        self.rendered = self.reused = 0
        self._digests: dict[int, bytes] = {}
        # The plan's settings: all the model holds but its rows (the alerts: each unit's key has
        # those it reads) and the sections' words (a unit's key has its section's title and slug,
        # a dashboard its groups).
        settings = (plan.settings, dataclasses.replace(plan.document, sections=()), plan.collection, plan.routing)
        self.context = hashlib.blake2b(pickle.dumps(
            (VERSION, code, plan.file, repr(settings), plan.panels, plan.target_watches, plan.targets_group),
            protocol=5), digest_size=20).digest()

    # --- keys ---------------------------------------------------------------------------

    def alert(self, alert: Alert) -> bytes:
        """The digest of one resolved row, without where it is in the plan."""
        found = self._digests.get(id(alert))
        if found is None:
            state = _alert_state(alert)
            watch = alert.no_data
            watched = None if watch is None else _watch_state(watch)
            found = hashlib.blake2b(pickle.dumps((state, watched), protocol=5), digest_size=16).digest()
            self._digests[id(alert)] = found
        return found

    def watch(self, watch: Watch) -> bytes:
        found = self._digests.get(id(watch))  # the plan holds every watch for the whole build
        if found is None:
            found = hashlib.blake2b(pickle.dumps(_watch_state(watch), protocol=5), digest_size=16).digest()
            self._digests[id(watch)] = found
        return found

    def key(self, kind: str, parts: Iterable[object]) -> str:
        digest = hashlib.blake2b(self.context, digest_size=20)
        digest.update(kind.encode())
        for part in parts:
            digest.update(part if isinstance(part, bytes) else pickle.dumps(part, protocol=5))
            digest.update(b"\x00")
        return digest.hexdigest()

    # --- reuse ----------------------------------------------------------------------------

    def unit(self, kind: str, parts: Iterable[object], render: Callable[[], dict[str, bytes]]) -> dict[str, Any]:
        """The unit's files: the output tree's (as Kept) when the last build made them from
        the same inputs and they are still as written, else `render()`'s."""
        key = self.key(kind, parts)
        kept = self._kept(self.previous.get(key))
        if kept is not None:
            self.units[key] = list(kept)
            self.reused += len(kept)
            return kept
        files = render()
        self.units[key] = list(files)
        self.rendered += len(files)
        return files

    def _kept(self, paths: list[str] | None) -> dict[str, Kept] | None:
        recorded = self.recorded
        if not paths or recorded is None:
            return None
        out = {}
        lstat, regular, root = os.lstat, stat.S_ISREG, self.root
        for rel in paths:
            entry = recorded.get(rel)
            if entry is None:
                return None
            size, mtime, inode, sha = entry
            path = f"{root}/{rel}"
            try:
                info = lstat(path)
            except OSError:
                return None
            if not regular(info.st_mode) or info.st_size != size or info.st_mtime_ns != mtime or info.st_ino != inode:
                return None  # edited, touched or replaced since: rendered again
            out[rel] = Kept(path, size, mtime, inode, sha)
        return out

    def derived(self, kind: str, path: str, kept: Kept | None, detail: object, compute: Callable[[], Any]) -> Any:
        """What a generator derives from one generated file (the README's line about it, the
        panel ids of a dashboard): computed, or the last build's for the same kept file (same
        SHA-256) and the same `detail`. Stored values are JSON."""
        name = f"{kind}:{path}"
        memo = self.descriptions.get(name) if kept is not None else None
        if kept is not None and memo is not None and memo[0] == kept.sha and memo[1] == detail:
            value = memo[2]
        else:
            value = compute()
        self.now[name] = (path, detail, value)
        return value

    def fragment(self, kind: str, parts: Iterable[object], compute: Callable[[], str]) -> str:
        """A piece of a file rendered every time (a section of PLAN.md): the last build's text
        for the same inputs (`parts`, under the code and settings of every key), or computed."""
        key = self.key(kind, parts)
        found = self.fragments.get(key)
        value = found if isinstance(found, str) else compute()
        self.fragments_now[key] = value
        return value

    def adopt(self, units: dict[str, list[str]]) -> None:
        """The units a forked worker went through."""
        self.units.update(units)

    def save(self, record: cache.Record) -> None:
        """Store this build's units beside the record just written."""
        target = store_path(self.record_path)

        def descriptions() -> Iterator[tuple[str, list[Any]]]:
            for name, (path, detail, value) in self.now.items():
                entry = record.get(path)
                if entry is not None:
                    yield name, [entry[3], detail, value]

        # {"version": ..., "record": ..., "units": {...}, "descriptions": {...}, "fragments": {...}}, written a few
        # thousand entries at a time: at 100,000 rows the whole is a hundred megabytes.
        def write(stream: BinaryIO) -> None:
            stream.write(orjson.dumps({"version": VERSION, "record": record.fingerprint})[:-1])
            stream.write(b',"units":')
            _write_object(stream, iter(self.units.items()))
            stream.write(b',"descriptions":')
            _write_object(stream, descriptions())
            stream.write(b',"fragments":')
            _write_object(stream, iter(self.fragments_now.items()))
            stream.write(b"}")

        cache.replace_cache_file(target, write)  # not written: the next build renders everything


def _write_object(stream: BinaryIO, items: Iterator[tuple[str, Any]], piece: int = 4096) -> None:
    """A JSON object of these (key, value) pairs (keys unique), as orjson writes it, in pieces."""
    stream.write(b"{")
    first = True
    while chunk := dict(itertools.islice(items, piece)):
        if not first:
            stream.write(b",")
        stream.write(orjson.dumps(chunk)[1:-1])
        first = False
    stream.write(b"}")


def of(plan: Plan) -> UnitCache | None:
    found = plan.unit_cache
    return found if isinstance(found, UnitCache) else None


def unit(plan: Plan, kind: str, parts: Callable[[UnitCache], Iterable[object]],
         render: Callable[[], dict[str, bytes]]) -> MutableMapping[str, Any]:
    """A generator's unit: rendered, or reused when this build has a unit cache. `parts` is
    only called with a cache (keys cost time a clean build need not spend)."""
    cache = of(plan)
    if cache is None:
        return render()
    return cache.unit(kind, parts(cache), render)
