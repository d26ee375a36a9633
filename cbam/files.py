"""Files that appear whole or not at all: the one atomic-write helper of the library.

Every file the library writes (declaration files, ``lines.csv``, reports, filled templates,
converted data) is written under a hidden temporary name in the target's own folder and renamed
into place only when the writer finished without an error, so a crash, a full disk or an
exception never leaves a half-written file, and an older file stays untouched until the new one
is complete. The file then gets the mode an ordinary file gets (0644 under the usual umask).

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_text_atomic(folder / "note.txt", "done\\n")
>>> (folder / "note.txt").read_text()
'done\\n'
>>> sorted(p.name for p in folder.iterdir())  # no temporary file is left
['note.txt']
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from cbam.errors import InputError


def _file_mode() -> int:
    """The mode a new ordinary file gets under the process's umask (0644 under umask 022)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block ends without an error.

    For writers that want a file name (openpyxl, lxml, zipfile). On an exception the temporary
    file is deleted and ``path`` is left as it was.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_bytes(b"x")
    >>> target.read_bytes()
    b'x'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _file_mode())  # mkstemp makes 0600: outputs are for others to read
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_text(path: str | os.PathLike[str]) -> Iterator[IO[str]]:
    """A UTF-8 text file that replaces ``path`` when the block ends without an error.

    Line ends are written as the caller writes them (``csv`` writes its own CRLF).

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "lines.csv"
    >>> with atomic_text(target) as handle:
    ...     _ = handle.write("a,b\\r\\n")
    >>> target.read_bytes()
    b'a,b\\r\\n'
    """
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        yield handle


@contextmanager
def atomic_binary(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` when the block ends without an error."""
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        yield handle


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_text(path) as handle:
        handle.write(text)


def supplier_files(folder: str | os.PathLike[str] | None) -> list[Path]:
    """The files of a suppliers folder (none when it is not given or not a folder)."""
    if not folder or not Path(folder).is_dir():
        return []
    return [p for p in Path(folder).iterdir() if p.is_file()]


def refuse_overwrite(
    outputs: Sequence[str | os.PathLike[str]], inputs: Sequence[str | os.PathLike[str] | None]
) -> None:
    """Refuse a job whose output would replace one of its input files.

    The writers replace their target atomically, so an output naming an input would silently
    destroy the user's data (e.g. ``--out DIR`` where ``DIR/lines.csv`` is the customs file).
    """
    for out in outputs:
        for given in inputs:
            if given is not None and _same_file(Path(out), Path(given)):
                raise InputError(
                    f"the output {out} is the input file {given}; it would be overwritten - "
                    "choose another output",
                    source=str(given),
                )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False
