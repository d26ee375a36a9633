"""Files that appear whole or not at all: the one atomic-write helper of the library.

Every file the library writes (declaration files, ``lines.csv``, reports, filled templates,
converted data) is written under a hidden temporary name in the target's own folder and renamed
into place only when the writer finished without an error, so a crash, a full disk or an
exception never leaves a half-written file, and an older file stays untouched until the new one
is complete. The file then gets the mode an ordinary file gets (0644 under the usual umask).

A run that writes several files that belong together (``cbam assess``: declaration files,
``lines.csv``, report) writes them all into a new hidden folder beside its output folder and
puts that folder in place in one atomic step (:func:`output_folder`), under a lock that refuses
a second run into the same folder.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_text_atomic(folder / "note.txt", "done\\n")
>>> (folder / "note.txt").read_text()
'done\\n'
>>> sorted(p.name for p in folder.iterdir())  # no temporary file is left
['note.txt']
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import glob
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

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


def append_bytes(source: str | os.PathLike[str], target: IO[bytes]) -> None:
    """Append the bytes of the file ``source`` to the open binary file ``target``.

    The kernel copies them where it can (``os.sendfile`` between two files, Linux): a part of
    a split ``lines.csv`` is a hundred megabytes that need not pass through Python. Elsewhere,
    or if the kernel refuses, the rest is copied in 8 MB pieces.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "part").write_bytes(b"b\\n")
    >>> with (folder / "all").open("wb") as whole:
    ...     _ = whole.write(b"a\\n")
    ...     append_bytes(folder / "part", whole)
    >>> (folder / "all").read_bytes()
    b'a\\nb\\n'
    """
    target.flush()  # what Python still buffers goes first
    with open(source, "rb") as piece:
        size, sent = os.fstat(piece.fileno()).st_size, 0
        with contextlib.suppress(AttributeError, OSError):  # no sendfile here: copy below
            while sent < size:
                done = os.sendfile(target.fileno(), piece.fileno(), sent, size - sent)
                if not done:
                    break
                sent += done
        piece.seek(sent)
        shutil.copyfileobj(piece, target, 1 << 23)
    target.flush()


def check_regular(path: str | os.PathLike[str], source: str | None = None) -> None:
    """Refuse a path that is not a regular file (a folder, a FIFO, a device such as /dev/zero).

    Reading a FIFO waits for a writer that may never come, and a device may never end; a
    symbolic link counts as what it points to.

    >>> check_regular("/dev/zero")
    Traceback (most recent call last):
        ...
    cbam.errors.InputError: /dev/zero: is not a regular file (a pipe or a device?); expected a file
    """
    where = source or str(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError("cannot read the file: file not found", source=where) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", source=where) from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe or a device?)"
        raise InputError(f"is {kind}; expected a file", source=where)


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


# -- a folder of outputs that appear together ---------------------------------------------------

#: The hidden file in an output folder naming what the run wrote there (its other entries are
#: replaced by the next run; anything not named is the user's, and makes a run refuse).
MARKER = ".cbam-outputs"
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # Linux renameat2(2)
_RENAME_SWAP = 2  # macOS renamex_np(2)


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; False where the system cannot.

    Linux ``renameat2(RENAME_EXCHANGE)`` (kernel 3.15, glibc 2.28) or macOS
    ``renamex_np(RENAME_SWAP)``, through ctypes. False when neither exists or the filesystem
    does not support it (the caller then renames twice, see :func:`publish`).
    """
    try:
        libc = _libc()
    except OSError:
        return False
    first, second = os.fsencode(a), os.fsencode(b)
    if hasattr(libc, "renameat2"):
        done = libc.renameat2(_AT_FDCWD, first, _AT_FDCWD, second, _RENAME_EXCHANGE)
    elif hasattr(libc, "renamex_np"):
        done = libc.renamex_np(first, second, _RENAME_SWAP)
    else:
        return False
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _old_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.cbam-old")


def publish(staging: Path, target: Path) -> None:
    """Put the folder ``staging`` in the place of ``target``, the old content then removed.

    With an atomic exchange the folder is at every moment either the old or the new set. Where
    the system has none, ``target`` is renamed aside and ``staging`` renamed into place: a crash
    between the two renames leaves ``target`` missing and the old set complete beside it, which
    the next run puts back (:func:`recover`).
    """
    if not target.exists():
        os.rename(staging, target)
        return
    if exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the old set
        return
    old = _old_path(target)
    os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def recover(target: Path) -> None:
    """Undo what a run killed midway left beside ``target`` (the caller holds the lock)."""
    old = _old_path(target)
    if old.is_dir() and not target.exists():
        os.rename(old, target)  # killed between the two renames of publish(): the old set back
    for leftover in target.parent.glob(f".{glob.escape(target.name)}.cbam-*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)


@contextmanager
def folder_lock(target: Path) -> Iterator[None]:
    """Hold the lock of an output folder: a second run into the same folder is refused.

    The lock is ``fcntl.flock`` on a hidden file beside the folder, deleted when the run ends;
    the kernel releases it when the process ends, however it ends. Where ``fcntl`` does not
    exist (Windows) runs are not locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    path = target.with_name(f".{target.name}.cbam-lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise InputError(
                f"another cbam run (process {holder}) is writing this output folder; wait for "
                "it to finish or choose another --out",
                source=str(target),
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its previous holder deleted meanwhile
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _entries(folder: Path) -> Iterator[tuple[str, bool]]:
    """Every entry below ``folder``: its path relative to it (``a/b``) and whether it is a
    folder (never a link: links are not followed); a folder before what it holds."""
    for top, folders, files in os.walk(folder):
        base = Path(top).relative_to(folder)
        folders.sort()
        for name in folders:
            yield (base / name).as_posix(), True
        for name in sorted(files):
            yield (base / name).as_posix(), False


def files_below(folder: str | os.PathLike[str]) -> list[Path]:
    """Every file (or link) below ``folder``, at any depth; none when it is not a folder.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_text_atomic(folder / "DE1" / "lines.csv", "")
    >>> [p.relative_to(folder).as_posix() for p in files_below(folder)]
    ['DE1/lines.csv']
    """
    root = Path(folder)
    if not root.is_dir():
        return []
    return [root / name for name, is_folder in _entries(root) if not is_folder]


def _foreign(target: Path, names: Sequence[str]) -> list[str]:
    """Entries of an existing output folder that no cbam run wrote there (at any depth).

    What a run wrote is ``names`` (the files of a run in the folder itself) and what the
    folder's :data:`MARKER` lists: every entry's path, ``DE123/lines.csv`` in an importer's
    folder. An entry not named is reported, not what it holds.
    """
    if not target.is_dir():
        return []
    ours = set(names) | {MARKER}
    marker = target / MARKER
    if marker.is_file():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            ours |= set(marker.read_text(encoding="utf-8").splitlines())
    foreign: list[str] = []
    for name, _ in _entries(target):
        if any(name.startswith(f"{outer}/") for outer in foreign):
            continue
        if name not in ours:
            foreign.append(name)
    return foreign


def _folder_mode(target: Path) -> int:
    """The existing folder's mode, or the one a new folder gets (0755 under umask 022)."""
    if target.is_dir():
        return stat.S_IMODE(target.stat().st_mode)
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


@contextmanager
def output_folder(out: str | os.PathLike[str], names: Sequence[str]) -> Iterator[Path]:
    """A new hidden folder beside ``out`` to write a run's outputs in; put in place together.

    The block writes every output into the folder it is given. When it ends without an error,
    that folder takes the place of ``out`` in one atomic step (:func:`publish`): ``out`` holds
    the complete previous set or the complete new set at every moment, even after ``kill -9``.
    On an error (or Ctrl-C, SIGTERM) the new folder is deleted and ``out`` stays as it was.

    A second run into the same folder is refused while the first holds its lock; leftovers of
    a killed run are removed by the next one. ``out`` may hold only what cbam runs wrote there
    (``names``, or what its :data:`MARKER` file lists, in subfolders too: ``cbam assess`` of
    several importers writes ``out/<EORI>/``): anything else -- the user's own files, at any
    depth -- makes the run refuse, since the whole folder is replaced.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with output_folder(out, ["a.txt"]) as staging:
    ...     _ = (staging / "a.txt").write_text("new")
    >>> (out / "a.txt").read_text(), sorted(p.name for p in out.parent.iterdir())
    ('new', ['out'])
    """
    target = Path(os.path.realpath(out))
    if target.exists() and not target.is_dir():
        raise InputError("--out must be a folder, but it names a file", source=str(out))
    target.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(target):
        recover(target)
        foreign = _foreign(target, names)
        if foreign:
            raise InputError(
                f"the folder holds {', '.join(foreign)}, which cbam did not write; the outputs "
                "replace the whole folder, so give them a folder of their own",
                source=str(out),
            )
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.cbam-new-"))
        try:
            os.chmod(staging, _folder_mode(target))
            yield staging
            written = [name for name, _ in _entries(staging) if name != MARKER]
            write_text_atomic(staging / MARKER, "".join(f"{n}\n" for n in written))
            publish(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
