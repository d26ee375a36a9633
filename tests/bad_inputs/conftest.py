"""Helpers of the bad-input corpus: run the CLI in-process and check how it refused.

Every case asserts one of two outcomes: accepted with the normalised value, or refused with
exit 1 and a one-line message naming the file, the row or cell, and the field. Exit 3
("internal error") or a traceback is always a failure.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from cbam.cli import main

FILES = Path(__file__).resolve().parent / "files"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def cli(*argv: str | Path) -> Run:
    """``cbam ARGV`` in this process; SystemExit (usage errors) becomes the exit code."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = int(exc.code or 0)
    result = Run(code, out.getvalue(), err.getvalue())
    assert result.code != 3, f"internal error: {result.err}"
    assert "Traceback" not in result.err + result.out
    return result


def assert_refused(
    run: Run, source: str | Path, location: str | None = None, field: str | None = None
) -> str:
    """Exit 1 and one message line naming file, location and field; returns the message."""
    assert run.code == 1, (run.code, run.out, run.err)
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    message = lines[0]
    assert message.startswith("cbam: error: "), message
    assert str(source) in message, message
    if location:
        assert location in message, message
    if field:
        assert f"field '{field}'" in message, message
    return message


def lines_csv(folder: Path) -> list[dict[str, str]]:
    with (folder / "lines.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def files() -> Path:
    return FILES
