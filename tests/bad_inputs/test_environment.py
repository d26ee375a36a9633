"""Command-line values and the environment: absurd option values, too long a path, a full disk,
a folder without permission. Each is invalid input (exit 1 naming the option or the path),
never an internal error."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest

from .conftest import cli
from .corpus import Entry, case, cases, refused

ROOT = Path(__file__).resolve().parents[2]
IMPORTS = ROOT / "samples" / "imports-2026.csv"
COST = ("cost", "--cn", "72081000", "--country", "CN")


def _refused_option(run: Any, option: str) -> str:
    """Exit 1 and one line naming the option as the field."""
    assert run.code == 1, (run.code, run.err)
    (message,) = run.err.strip().splitlines()
    assert message.startswith(f"cbam: error: field '{option}': "), message
    return str(message)


def _option(id: str, input: str, argv: tuple[str, ...], option: str, reason: str) -> Entry:
    return Entry(id, input, refused(None, option, reason), (argv, option, reason))


@cases(
    "cli",
    "argv, option, reason",
    [
        _option(
            "mass-1e30",
            "`cbam cost --mass 1e30` (was an internal error)",
            (*COST, "--mass", "1e30", "--year", "2026"),
            "--mass",
            "not a number in plain decimal notation",
        ),
        _option(
            "mass-1e16",
            "`cbam cost --mass 10000000000000000`",
            (*COST, "--mass", "10000000000000000", "--year", "2026"),
            "--mass",
            "outside the range of figures this library accepts",
        ),
        _option(
            "mass-underscore",
            "`cbam cost --mass 1_5`",
            (*COST, "--mass", "1_5", "--year", "2026"),
            "--mass",
            "underscores are not part of a number",
        ),
        _option(
            "year-range-huge",
            "`cbam cost --year 2026-999999999` (was: built the list of years, killed at 24 GB)",
            (*COST, "--mass", "1", "--year", "2026-999999999"),
            "--year",
            "the years are 2026-2100",
        ),
        _option(
            "year-range-backwards",
            "`cbam cost --year 2030-2026`",
            (*COST, "--mass", "1", "--year", "2030-2026"),
            "--year",
            "the years are 2026-2100",
        ),
        _option(
            "year-fraction",
            "`cbam defaults --year 2026.7`",
            ("defaults", "--cn", "72081000", "--country", "CN", "--year", "2026.7"),
            "--year",
            "'2026.7' is not a year",
        ),
        _option(
            "scenario-price-nan",
            "`cbam assess --scenario-price NaN`",
            ("assess", str(IMPORTS), "--year", "2026", "--out", "o", "--scenario-price", "NaN"),
            "--scenario-price",
            "is not a finite number",
        ),
    ],
)
def test_an_absurd_option_value_is_invalid_input(
    argv: tuple[str, ...], option: str, reason: str
) -> None:
    message = _refused_option(cli(*argv), option)
    assert reason in message


@case(
    "cli",
    "`cbam cost --year 2026-2028`",
    "accepted — three years, 2026, 2027 and 2028",
)
def test_a_year_range_within_the_period(tmp_path: Path) -> None:
    run = cli(*COST, "--mass", "1", "--year", "2026-2028", "--json")
    assert run.code == 0, run.err
    assert [y["year"] for y in json.loads(run.out)["years"]] == [2026, 2027, 2028]


@case(
    "cli",
    "an output folder whose name has 300 characters (was an internal error)",
    "refused (exit 1) — the path and “File name too long”",
)
def test_an_output_name_too_long(tmp_path: Path) -> None:
    out = tmp_path / ("x" * 300)
    run = cli("assess", IMPORTS, "--year", "2026", "--out", out)
    assert run.code == 1, run.err
    (message,) = run.err.strip().splitlines()
    assert "File name too long" in message and "x" * 255 in message
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@case(
    "cli",
    "a full disk while `declaration.json` is written (ENOSPC; was an internal error)",
    "refused (exit 1) — the file and “No space left on device”; the previous outputs stay "
    "whole, nothing is left beside them",
)
def test_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    assert cli("assess", IMPORTS, "--year", "2026", "--out", out).code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    from cbam.formats import declaration_files

    def full(_document: object, handle: Any, **_kwargs: object) -> None:
        handle.write('{\n  "year": 20')  # half a file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "declaration.json"))

    monkeypatch.setattr(declaration_files, "write_json", full)
    run = cli("assess", IMPORTS, "--year", "2026", "--out", out)
    assert run.code == 1, run.err
    (message,) = run.err.strip().splitlines()
    assert message.endswith("declaration.json: No space left on device")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
@case(
    "cli",
    "an output folder inside a folder without write permission",
    "refused (exit 1) — the path and “permission denied”",
)
def test_an_output_folder_without_permission(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        run = cli("assess", IMPORTS, "--year", "2026", "--out", locked / "out")
    finally:
        locked.chmod(0o755)
    assert run.code == 1, run.err
    assert "permission denied" in run.err
