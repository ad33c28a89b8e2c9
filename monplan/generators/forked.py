"""Run one function in a forked copy of this process and take back its result.

The copy shares the parent's memory (the resolved plan, warm caches) without pickling it
going there; only the result travels back, through a pipe. Linux only: fork is the cheap
and safe choice there, while macOS and Windows would have to start a fresh interpreter.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import traceback
from collections.abc import Callable
from typing import Any


def available() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and (os.cpu_count() or 1) > 1


class Worker:
    def __init__(self, pid: int, read_fd: int) -> None:
        self.pid: int | None = pid
        self.read_fd: int | None = read_fd

    def result(self) -> Any | None:
        """The function's return value; None if the worker died without one (killed, out of
        memory), so the caller can do the work itself. An exception in the worker is
        raised here as a RuntimeError carrying the worker's traceback."""
        read_fd, self.read_fd = self.read_fd, None  # the file object below owns and closes it
        if read_fd is None:
            raise RuntimeError("a worker's result is read once")
        with os.fdopen(read_fd, "rb") as pipe:
            try:  # unpickled as it arrives: the pickled bytes are never all held at once
                kind, value = pickle.load(pipe)
            except (EOFError, pickle.UnpicklingError):  # nothing came, or the worker was cut off
                kind = None
        self._reap()
        if kind is None:
            return None
        if kind == "error":
            raise RuntimeError(f"a generator failed in the worker process:\n{value}")
        return value


    def abandon(self) -> None:
        """Stop the worker (its result is no longer wanted) and reap it; also after `result`
        was cut short (a stop signal while reading)."""
        if self.read_fd is not None:
            os.close(self.read_fd)
            self.read_fd = None
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._reap()

    def _reap(self) -> None:
        pid, self.pid = self.pid, None
        if pid is not None:
            os.waitpid(pid, 0)


def start(work: Callable[[], Any]) -> Worker:
    read_fd, write_fd = os.pipe()
    # A Ctrl-C reaches the whole process group: the worker then just ends (the parent, which
    # got it too, cleans up and reports it), so it must not run the parent's handler, which
    # unwinds the stack. Held back across the fork until the worker has its own handlers.
    stop_signals = {signal.SIGINT, signal.SIGTERM}
    held = signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    if pid != 0:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(write_fd)
        return Worker(pid, read_fd)
    # The worker: never return into the caller's stack, whatever happens.
    status = 1
    try:
        for number in stop_signals:
            signal.signal(number, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(read_fd)
        try:
            result: tuple[str, Any] = ("ok", work())
        except BaseException:
            result = ("error", traceback.format_exc())
        # pickled as it goes, never all held at once; cut off, the parent does the work itself
        with os.fdopen(write_fd, "wb") as pipe:
            pickle.dump(result, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        status = 0 if result[0] == "ok" else 1
    finally:
        os._exit(status)
