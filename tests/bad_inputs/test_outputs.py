"""One consistent set of outputs: ``cbam assess`` killed, stopped, interrupted, failing midway or
run twice at once leaves the output folder holding the complete previous set or the complete
new one, and no worker process or temporary file behind.

The interrupted runs are real processes: the report writer (which runs in a forked worker) is
replaced by one that says it started and then waits, so that the signal arrives while the run
is midway -- no sleeping and no timing assertion.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cbam import files as files_module

from .conftest import assert_refused, cli
from .corpus import case, refused

ROOT = Path(__file__).resolve().parents[2]
IMPORTS = ROOT / "samples" / "imports-2026.csv"
PAUSED = """
import os, sys, time
import cbam.formats.workbook as workbook

def paused(*args, **kwargs):
    with open(os.environ["CBAM_TEST_READY"], "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(600)

workbook.write_report_xlsx = paused
from cbam.cli import main
sys.exit(main(sys.argv[1:]))
"""
linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="forked workers and /proc: Linux"
)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _old_set(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    out = tmp_path / "out"
    run = cli("assess", IMPORTS, "--year", "2026", "--out", out)
    assert run.code == 0, run.err
    return out, _snapshot(out)


def _new_input(tmp_path: Path) -> Path:
    """Another customs file (its first 60 lines), so a mixed set would show."""
    lines = IMPORTS.read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "new.csv"
    path.write_text("".join(lines[:61]), encoding="utf-8")
    return path


def _alive(pid: int) -> bool:
    """True while process ``pid`` runs (a zombie waiting to be reaped counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_for(condition: object, what: str, limit: float = 120) -> None:
    end = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _start_paused(tmp_path: Path, out: Path) -> tuple[subprocess.Popen[str], int]:
    """``cbam assess`` in a process of its own, paused in the report worker; (process, worker)."""
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CBAM_TEST_READY": str(ready)}
    argv = ["assess", str(_new_input(tmp_path)), "--year", "2026", "--out", str(out)]
    process = subprocess.Popen(
        [sys.executable, "-c", PAUSED, *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def started() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the run ended early: {process.communicate()}")
        return ready.exists() and bool(ready.read_text())

    _wait_for(started, "the report worker to start")
    return process, int(ready.read_text())


def _beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}"))


@linux_only
@case(
    "outputs",
    "`kill -9` of `cbam assess` while the report is written (was: lines.csv new, the rest "
    "old; the worker ran on for 20 s; 530 MB of .tmp files left)",
    "the folder holds the complete previous set, byte for byte; the worker ends with its "
    "parent; the next run removes the killed run's hidden folder and writes the new set",
)
def test_kill_9_leaves_the_previous_set(tmp_path: Path) -> None:
    out, before = _old_set(tmp_path)
    process, worker = _start_paused(tmp_path, out)
    process.kill()
    process.wait()
    _wait_for(lambda: not _alive(worker), "the worker to end with its parent", 30)
    assert _snapshot(out) == before
    assert [n for n in _beside(out) if ".cbam-new-" in n]  # the killed run's staging folder
    again = cli("assess", _new_input(tmp_path), "--year", "2026", "--out", out)
    assert again.code == 0, again.err
    assert _beside(out) == []
    assert _snapshot(out)["lines.csv"].count(b"\n") == 61


@linux_only
@case(
    "outputs",
    "SIGTERM to `cbam assess` midway",
    "exit 143 and one line “stopped (SIGTERM)”, no traceback; the previous set intact; no "
    "hidden folder, lock or temporary file left; the worker ended",
)
def test_sigterm_cleans_up_and_says_one_line(tmp_path: Path) -> None:
    out, before = _old_set(tmp_path)
    process, worker = _start_paused(tmp_path, out)
    process.terminate()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert err.strip().splitlines() == ["cbam: stopped (SIGTERM); nothing half-written was left"]
    assert not _alive(worker)
    assert _snapshot(out) == before
    assert _beside(out) == []


@linux_only
@case(
    "outputs",
    "Ctrl-C (SIGINT) to `cbam assess` midway",
    "exit 130 and one line “interrupted (Ctrl-C)”; the previous set intact; nothing left",
)
def test_ctrl_c_cleans_up_and_says_one_line(tmp_path: Path) -> None:
    out, before = _old_set(tmp_path)
    process, worker = _start_paused(tmp_path, out)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    assert err.strip().splitlines() == ["cbam: interrupted (Ctrl-C); nothing half-written was left"]
    _wait_for(lambda: not _alive(worker), "the worker to end", 30)
    assert _snapshot(out) == before
    assert _beside(out) == []


@case(
    "outputs",
    "a second `cbam assess` into a folder another run is writing (was: both exit 0, a mix)",
    refused(None, None, "another cbam run (process N) is writing this output folder")
    + "; the folder untouched",
)
def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path) -> None:
    out, before = _old_set(tmp_path)
    with files_module.folder_lock(Path(os.path.realpath(out))):
        run = cli("assess", _new_input(tmp_path), "--year", "2026", "--out", out)
    message = assert_refused(run, out)
    assert f"another cbam run (process {os.getpid()}) is writing this output folder" in message
    assert _snapshot(out) == before


@case(
    "outputs",
    "the third writer (`report.xlsx`) fails after the declaration files are written (was: "
    "the first two new, the rest old)",
    "exit 1 naming the file; the previous set intact; nothing left beside it",
)
def test_a_failing_third_writer_leaves_the_previous_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = _old_set(tmp_path)
    from cbam.formats import workbook

    def failing(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "report.xlsx")

    monkeypatch.setattr(workbook, "write_report_xlsx", failing)
    run = cli("assess", _new_input(tmp_path), "--year", "2026", "--out", out)
    assert run.code == 1, run.err
    assert "report.xlsx: No space left on device" in run.err
    assert _snapshot(out) == before
    assert _beside(out) == []


@case(
    "outputs",
    "`--out` a folder holding the user's own file (`notes.txt`)",
    refused(None, None, "the folder holds notes.txt, which cbam did not write")
    + "; nothing replaced (the outputs replace the whole folder)",
)
def test_a_folder_with_other_files_is_not_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    run = cli("assess", IMPORTS, "--year", "2026", "--out", out)
    assert "the folder holds notes.txt, which cbam did not write" in assert_refused(run, out)
    assert _snapshot(out) == {"notes.txt": b"mine"}


@case(
    "outputs",
    "output modes under umask 022; a second run into the same folder",
    "files 0644, the folder 0755; the second run replaces the set (a hidden `.cbam-outputs` "
    "names what a run wrote)",
)
def test_output_modes_and_a_second_run(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        out, _ = _old_set(tmp_path)
        assert cli("assess", _new_input(tmp_path), "--year", "2026", "--out", out).code == 0
    finally:
        os.umask(mask)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes == {
        ".cbam-outputs": 0o644,
        "declaration.json": 0o644,
        "declaration.xml": 0o644,
        "lines.csv": 0o644,
        "report.xlsx": 0o644,
    }
    assert out.stat().st_mode & 0o777 == 0o755
    assert (out / ".cbam-outputs").read_text().split() == [
        "declaration.json",
        "declaration.xml",
        "lines.csv",
        "report.xlsx",
    ]
    assert (out / "lines.csv").read_bytes().count(b"\n") == 61


@case(
    "outputs",
    "a system without an atomic exchange of folders (two renames instead); a run killed "
    "between them",
    "the new set in place; after the crash the next run puts the complete previous set back "
    "before anything else",
)
def test_the_two_rename_fallback_and_its_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files_module, "exchange", lambda _a, _b: False)
    out, before = _old_set(tmp_path)
    assert cli("assess", _new_input(tmp_path), "--year", "2026", "--out", out).code == 0
    assert _beside(out) == []
    newer = _snapshot(out)
    assert newer != before
    # A crash between the two renames of publish(): the folder moved aside, not yet replaced.
    os.rename(out, tmp_path / ".out.cbam-old")
    bad = tmp_path / "bad.csv"
    bad.write_text("cn_code,country,net_mass,import_date\n72081000,ZZ,1,2026-01-01\n")
    assert cli("assess", bad, "--year", "2026", "--out", out).code == 1
    assert _snapshot(out) == newer
    assert _beside(out) == []
