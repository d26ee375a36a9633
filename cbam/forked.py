"""Work done in a forked child process, with its result or its error brought back.

The main job uses the machine's cores by forking: the child starts with the parent's memory
(reference data, caches, the assessment so far) without copying or pickling it, runs one
function and sends back what it returns -- or the exception it raised -- through a pipe. Where
the platform cannot fork (Windows, some macOS set-ups) the callers simply do the work in their
own process.

A child never outlives its parent: on Linux the kernel kills it when the parent dies, however
the parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``, set through ctypes); elsewhere the child
checks that its parent is still the one that forked it before it starts. Ctrl-C reaches the
whole process group: the children ignore it and their parent, which handles it, ends them.

>>> if available():
...     print(Forked(sum, [1, 2, 3]).result())
6
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from typing import Any

from cbam.errors import CbamError

_PR_SET_PDEATHSIG = 1


def available() -> bool:
    """True where child processes can be forked (Linux)."""
    return "fork" in multiprocessing.get_all_start_methods()


def die_with_parent(parent: int) -> None:
    """Make this (forked) process end when its parent ``parent`` ends; end now if it has."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)


def _child(
    connection: Any, parent: int, function: Callable[..., Any], args: tuple[Any, ...]
) -> None:
    die_with_parent(parent)
    # The parent's objects out of this process's garbage collections: a collection touches
    # every object it scans, and each page touched is copied (the memory would double).
    gc.freeze()
    try:
        connection.send(("ok", function(*args)))
    except BaseException as exc:  # every failure goes back to the parent, which raises it
        try:
            connection.send(("error", exc))
        except Exception:  # an exception that cannot be pickled: its words at least
            connection.send(("error", CbamError(f"{type(exc).__name__}: {exc}")))
    finally:
        connection.close()


class Forked:
    """``function(*args)`` running in a forked child process (see the module docstring)."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_child, args=(send, os.getpid(), function, args), daemon=True
        )
        self.process.start()
        send.close()
        self._receive = receive

    def result(self) -> Any:
        """What the function returned; its exception re-raised here if it failed."""
        try:
            status, value = self._receive.recv()
        except EOFError:
            status, value = "died", None
        except BaseException:  # interrupted while waiting (Ctrl-C, SIGTERM): end the child now
            self.stop()
            raise
        finally:
            self._receive.close()
        self.process.join()
        if status == "ok":
            return value
        if isinstance(value, BaseException):
            raise value
        raise CbamError(
            f"a worker process ended without an answer (exit code {self.process.exitcode})"
        )

    def stop(self) -> None:
        """End the child now if it still runs."""
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
