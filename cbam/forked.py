"""Work done in a forked child process, with its result or its error brought back.

The main job uses the machine's cores by forking: the child starts with the parent's memory
(reference data, caches, the assessment so far) without copying or pickling it, runs one
function and sends back what it returns -- or the exception it raised -- through a pipe. Where
the platform cannot fork (Windows, some macOS set-ups) the callers simply do the work in their
own process.

>>> if available():
...     print(Forked(sum, [1, 2, 3]).result())
6
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

from cbam.errors import CbamError


def available() -> bool:
    """True where child processes can be forked (Linux)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _child(connection: Any, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
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
        self.process = context.Process(target=_child, args=(send, function, args), daemon=True)
        self.process.start()
        send.close()
        self._receive = receive

    def result(self) -> Any:
        """What the function returned; its exception re-raised here if it failed."""
        try:
            status, value = self._receive.recv()
        except EOFError:
            status, value = "died", None
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
