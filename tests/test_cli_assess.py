"""``cbam assess`` on the bundled samples: the main job end to end."""

from __future__ import annotations

import csv
import json
from decimal import Decimal, localcontext
from pathlib import Path
from typing import Any

import pytest

from cbam.cli import main
from cbam.declaration.assess import EXACT


@pytest.fixture(scope="module")
def assessed(
    samples_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("assess")
    argv = [
        "assess",
        str(samples_dir / "imports-2026.csv"),
        "--suppliers",
        str(samples_dir / "suppliers"),
        "--year",
        "2026",
        "--out",
        str(out),
        "--json",
    ]
    if (samples_dir / "declarant.json").exists():
        argv += ["--declarant", str(samples_dir / "declarant.json")]
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(argv)
    assert code == 0
    return json.loads(buffer.getvalue(), parse_float=Decimal, parse_int=Decimal), out


def test_json_contract(assessed: tuple[dict[str, Any], Path]) -> None:
    doc, _ = assessed
    assert {"totals", "de_minimis", "lines", "outputs"} <= doc.keys()
    assert set(doc["totals"]) >= {
        "net_mass",
        "embedded_emissions",
        "free_allocation",
        "certificates",
        "cost_eur",
    }
    assert doc["lines"] == 300
    assert doc["de_minimis"]["exempt"] is False
    names = sorted(Path(p).name for p in doc["outputs"])
    assert names == ["declaration.json", "declaration.xml", "lines.csv", "report.xlsx"]
    assert all(Path(p).is_file() for p in doc["outputs"])


def test_totals_equal_the_sum_of_lines_csv_exactly(assessed: tuple[dict[str, Any], Path]) -> None:
    doc, out = assessed
    sums: dict[str, Decimal] = {}
    with (out / "lines.csv").open(newline="", encoding="utf-8") as handle, localcontext(EXACT):
        rows = list(csv.DictReader(handle))
        for key in (
            "net_mass",
            "embedded_emissions",
            "free_allocation",
            "certificates",
            "cost_eur",
        ):
            sums[key] = sum((Decimal(r[key]) for r in rows), Decimal(0))
    assert len(rows) == 300
    for key, total in sums.items():
        assert doc["totals"][key] == total, key


def test_declaration_json_holds_the_same_totals(assessed: tuple[dict[str, Any], Path]) -> None:
    doc, out = assessed
    declaration = json.loads((out / "declaration.json").read_text(), parse_float=Decimal)
    assert Decimal(str(declaration["totals"]["certificates"])) == doc["totals"]["certificates"]
    bases = {g["basis"] for g in declaration["goods"]}
    assert bases == {"actual", "default"}


def test_bad_input_exits_1_without_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    imports = tmp_path / "imports.csv"
    imports.write_text(
        "cn_code,country,net_mass,import_date\n72081000,CN,1,2026-01-01\n72081000,ZZ,1,2026-01-02\n"
    )
    out = tmp_path / "out"
    code = main(["assess", str(imports), "--year", "2026", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "row 3" in err and "ZZ" in err and str(imports) in err
    # The outputs appear together or not at all: the folder was never made, nothing beside it.
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["imports.csv"]


def test_line_of_another_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    imports = tmp_path / "imports.csv"
    imports.write_text("cn_code,country,net_mass,import_date\n72081000,CN,1,2027-01-01\n")
    code = main(["assess", str(imports), "--year", "2026", "--out", str(tmp_path / "o")])
    assert code == 1
    assert "row 2" in capsys.readouterr().err


def test_progress_only_on_a_terminal(
    samples_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    argv = [
        "assess",
        str(samples_dir / "imports-2026.csv"),
        "--year",
        "2026",
        "--out",
        str(tmp_path / "quiet"),
        "--json",
    ]
    assert main(argv) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""
    json.loads(quiet.out)  # stdout is exactly one JSON document
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    argv[-2] = str(tmp_path / "loud")
    assert main(argv) == 0
    loud = capsys.readouterr()
    assert "assessing the customs lines" in loud.err and "done" in loud.err
    json.loads(loud.out)
