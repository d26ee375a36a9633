"""The first schema problem of an XML file, met while streaming through it.

Memory stays small whatever the size of the file: each finished element of the tags named is
dropped once the validator has seen it. The module needs lxml and nothing of the library, so
that it also runs as a small process of its own (:class:`StreamCheck`): the main job checks a
large ``declaration.xml`` that way while it writes the report. A forked process would share
the job's memory, and every page either of them wrote meanwhile would be copied.

>>> import pathlib, tempfile
>>> schema = etree.XMLSchema(etree.XML(
...     '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="n" '
...     'type="xs:integer"/></xs:schema>'))
>>> with tempfile.TemporaryDirectory() as folder:
...     path = pathlib.Path(folder, "n.xml")
...     _ = path.write_text("<n>twelve</n>")
...     print(first_problem(path, schema, ["n"])[1])
Element 'n': 'twelve' is not a valid value of the atomic type 'xs:integer'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

Problem = tuple[int, str]
"""The line and the message of a schema problem."""


def first_problem(
    path: str | os.PathLike[str], schema: etree.XMLSchema, done: Sequence[str]
) -> Problem | None:
    """The first schema problem of the file at ``path``, or None; ``done``: the (qualified)
    tags whose finished elements are dropped. Raises OSError when the file cannot be read."""
    try:
        for _event, element in etree.iterparse(
            str(path), events=("end",), tag=list(done), schema=schema, resolve_entities=False
        ):
            # The validator has seen it: drop the subtree and its finished siblings.
            element.clear()
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        return exc.lineno or 0, str(exc.msg)
    return None


class StreamCheck:
    """:func:`first_problem` in a new Python process, started at once; :meth:`result` waits.

    The process ends when its parent does (it watches), and is ended by :meth:`stop`; it is
    in a session of its own, so that Ctrl-C reaches only the parent, which stops it.
    """

    def __init__(
        self, path: str | os.PathLike[str], schema: str | os.PathLike[str], done: Sequence[str]
    ) -> None:
        self.path = Path(path)
        command = [sys.executable, "-P", str(Path(__file__).resolve()), str(os.getpid())]
        self._process = subprocess.Popen(
            [*command, str(schema), str(path), *done],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def result(self) -> Problem | None:
        """The first problem, or None; OSError when the process could not check the file."""
        out, err = self._process.communicate()
        if self._process.returncode != 0:
            words = err.decode("utf-8", "replace").strip().splitlines()
            raise OSError(
                f"the schema check of {self.path} ended without an answer"
                + (f": {words[-1]}" if words else f" (exit code {self._process.returncode})")
            )
        found = json.loads(out)
        return None if found is None else (int(found[0]), str(found[1]))

    def stop(self) -> None:
        """End the process now if it still runs."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def _watch(parent: int) -> None:
    """End this process as soon as ``parent`` has ended."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _main(argv: Sequence[str]) -> int:
    """``PARENT SCHEMA FILE TAG...``: print the first problem as JSON (``null`` if none)."""
    parent, schema, path, *done = argv
    threading.Thread(target=_watch, args=(int(parent),), daemon=True).start()
    found = first_problem(path, etree.XMLSchema(etree.parse(schema)), done)
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
