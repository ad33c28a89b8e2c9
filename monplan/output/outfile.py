"""The single files some commands write (`report --out`, `tune --write-plan`): never the
plan, never a file monplan did not write.

A file may be replaced when monplan wrote it: either its bytes are what monplan last wrote
there (a record in the user's cache folder, like the build's), or the command recognises
its own kind of file (a report). Anything else that exists, a folder, a fifo, the plan
itself (also through a link or a hard link), is refused before any work is done. The
file is written whole (a temporary file renamed over it) and a link at that name is kept:
the file it points to is the one replaced, after the same checks.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

Recognise = Callable[[bytes], bool]


def _record(target: Path) -> Path:
    from monplan.output.cache import _cache_dir

    key = hashlib.sha256(os.fsencode(target)).hexdigest()[:32]
    return _cache_dir() / "written" / f"{key}.json"


def _wrote(target: Path, data: bytes) -> bool:
    try:
        record: object = json.loads(_record(target).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(record, dict):
        return False
    return record.get("path") == os.fsdecode(target) and record.get("sha256") == hashlib.sha256(data).hexdigest()


def _remember(target: Path, data: bytes) -> None:
    from monplan.output.cache import replace_cache_file

    text = json.dumps({"path": os.fsdecode(target), "sha256": hashlib.sha256(data).hexdigest()})
    replace_cache_file(_record(target), lambda stream: stream.write(text.encode()))  # else: the next run
    # asks the user to remove the file first


def refusal(target: Path, plan: Path, option: str, recognise: Recognise | None = None) -> str | None:
    """Why `target` must not be written, or None. `option` names the option in the message."""
    real = target.resolve()
    try:
        info = os.stat(real)
    except (FileNotFoundError, NotADirectoryError):  # a new file (write says when a file is in its way)
        return None
    except OSError as err:
        return f"{option} cannot be checked: {err.strerror}"
    try:
        if os.path.samefile(real, plan):
            return f"{option} must name a new file: this is the plan itself, which monplan never overwrites"
    except OSError:
        pass
    if not stat.S_ISREG(info.st_mode):
        return f"{option} must name a file: this is an existing {'folder' if stat.S_ISDIR(info.st_mode) else 'non-file'}"
    try:
        with open(real, "rb") as handle:
            data = handle.read()
    except OSError as err:
        return f"{option} cannot be checked: {err.strerror}"
    if _wrote(real, data) or (recognise is not None and recognise(data)):
        return None
    return (f"{option} must name a new file: this one exists and monplan did not write it (monplan never "
            "overwrites such a file; remove it first to replace it)")


class NotAFile(OSError):
    """The target exists and is not a regular file: a device (/dev/null), a pipe, a socket, a
    folder. Renaming over it would replace it, as root even the system's /dev/null."""


def _only_a_file(target: Path, hint: str = " (for standard output give -)") -> None:
    """Raise NotAFile when `target` exists and is not a regular file."""
    try:
        info = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):
        return
    if not stat.S_ISREG(info.st_mode):
        kind = "folder" if stat.S_ISDIR(info.st_mode) else "device, pipe or socket"
        raise NotAFile(errno.EEXIST, f"this is a {kind}, not a file; monplan writes only regular files and never "
                                     f"replaces anything else{hint}", str(target))


def not_a_file(target: Path) -> str | None:
    """Why `target` can never be a file: it exists and is no regular file, or a file is where
    a folder of it must be; else None."""
    try:
        _only_a_file(target.resolve())
    except NotAFile as err:
        return err.strerror
    blocking = _blocking(target)
    return None if blocking is None else f"{blocking} is a file, not a folder"


def _blocking(target: Path) -> Path | None:
    """The first of `target`'s folders that exists and is no folder."""
    return next((p for p in reversed(target.parents) if p.exists() and not p.is_dir()), None)


def _folders(target: Path) -> None:
    """Create the folders `target` is in; a file in the way is said as such."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = _blocking(target) or target.parent
        raise NotADirectoryError(errno.ENOTDIR, f"{blocking} is a file, not a folder", str(target)) from None


def write(target: Path, text: str) -> None:
    """Write `target` whole: a temporary file beside it, renamed over it. Raises OSError
    (NotAFile when `target` exists and is not a regular file: it is never replaced)."""
    real = target.resolve()
    _only_a_file(real)
    data = text.encode("utf-8")
    _folders(target)  # the folders of the name as given (the same ones: a link at it exists), said as given
    tmp = real.parent / f".{real.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), 0o644)  # readable by all, whatever the umask, like the build's files
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _remember(real, data)


def create(target: Path, text: str) -> None:
    """Write `target`, a new file (`init`, `import` without --force), creating the folders it
    is in like every other output; FileExistsError when it exists, which is never replaced."""
    _only_a_file(target.resolve(), "")
    _folders(target)
    with target.open("x", encoding="utf-8") as handle:
        handle.write(text)
