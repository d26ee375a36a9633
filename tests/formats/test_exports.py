"""Customs exports as they come (issue 16, point 5): an ERP export with its own headers,
semicolons, decimal commas and kilograms; a Parquet file; pandas and polars DataFrames.

Each is the bundled sample ``imports-2026.csv`` reshaped as such an export would carry it, and
must give exactly the lines (and the assessment) of the sample itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

import cbam
from cbam import forked
from cbam.cli import main
from cbam.errors import InputError
from cbam.formats.exports import parquet_rows

SAP_HEADER = [
    "Belegnummer",
    "Position",
    "Anmeldedatum",
    "Warennummer",
    "Ursprungsland",
    "Nettomasse (kg)",
    "Zollverfahren",
    "Werk des Herstellers",
    "Herstellungsroute",
    "Kostenstelle",
]
SAP_MAP = {
    "line_id": "Belegnummer",
    "cn_code": "Warennummer",
    "country": "Ursprungsland",
    "net_mass": "Nettomasse (kg)",
    "import_date": "Anmeldedatum",
    "installation_id": "Werk des Herstellers",
    "route": "Herstellungsroute",
    "procedure": "Zollverfahren",
}


def _sample(samples_dir: Path) -> list[dict[str, str]]:
    with (samples_dir / "imports-2026.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _german_kg(tonnes: str, cn: str) -> str:
    """5.687 t -> '5.687,000' kg, as a German ERP writes it (electricity stays in MWh)."""
    factor = 1 if cn.replace(" ", "").startswith("2716") else 1000
    text = f"{Decimal(tonnes) * factor:,.3f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _sap_export(rows: list[dict[str, str]], path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(SAP_HEADER)
        for number, row in enumerate(rows):
            writer.writerow(
                [
                    row["line_id"],
                    10 * (number % 4 + 1),
                    row["import_date"],
                    row["cn_code"],
                    row["country"],
                    _german_kg(row["net_mass"], row["cn_code"]),
                    row["procedure"],
                    row["installation_id"],
                    row["route"],
                    "K-4711",
                ]
            )
    return path


def _key(line: Any) -> tuple[Any, ...]:
    return (line.row, line.cn, line.country, line.net_mass, line.import_date, line.line_id,
            line.installation_id, line.procedure, line.route)  # fmt: skip


@pytest.fixture(scope="module")
def sample_lines(samples_dir: Path) -> list[Any]:
    return list(cbam.read_imports(samples_dir / "imports-2026.csv", year=2026))


def _assess(*argv: str) -> tuple[int, dict[str, Any]]:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = main(["assess", *argv, "--json"])
    return code, (json.loads(buffer.getvalue(), parse_float=Decimal) if code == 0 else {})


def _lines_csv(folder: Path) -> list[dict[str, Any]]:
    def exact(text: str) -> Any:
        try:
            return Decimal(text)
        except InvalidOperation:
            return text

    with (folder / "lines.csv").open(newline="", encoding="utf-8") as handle:
        return [{k: exact(v) for k, v in row.items()} for row in csv.DictReader(handle)]


# -- an SAP-like export ------------------------------------------------------------------------


def test_sap_export_reads_as_the_sample(
    samples_dir: Path, sample_lines: list[Any], tmp_path: Path
) -> None:
    export = _sap_export(_sample(samples_dir), tmp_path / "EXPORT_ZOLL.csv")
    notes: list[str] = []
    lines = list(cbam.read_imports(export, year=2026, columns=SAP_MAP, notes=notes))
    assert [_key(a) for a in lines] == [_key(b) for b in sample_lines]
    assert lines[0].net_mass == Decimal("5.687")
    assert len(notes) == 3
    said = "\n".join(notes)
    assert (
        "2 column(s) the column map does not name were ignored: 'Position', 'Kostenstelle'" in said
    )
    assert "decimal commas detected ('5.687,000' in row 2, net_mass" in said
    assert "net_mass read in kg (the header 'Nettomasse (kg)')" in said


def test_sap_export_assesses_as_the_sample(samples_dir: Path, tmp_path: Path) -> None:
    export = _sap_export(_sample(samples_dir), tmp_path / "EXPORT_ZOLL.csv")
    column_map = tmp_path / "sap-columns.json"
    column_map.write_text(json.dumps(SAP_MAP), encoding="utf-8")
    common = ["--year", "2026", "--suppliers", str(samples_dir / "suppliers")]
    code, plain = _assess(
        str(samples_dir / "imports-2026.csv"), *common, "--out", str(tmp_path / "a")
    )
    assert code == 0
    code, sap = _assess(
        str(export), *common, "--out", str(tmp_path / "b"), "--columns", str(column_map),
        "--mass-unit", "kg", "--decimal-comma",
    )  # fmt: skip
    assert code == 0
    assert sap["totals"] == plain["totals"] and sap["lines"] == plain["lines"] == 300
    assert _lines_csv(tmp_path / "b") == _lines_csv(tmp_path / "a")
    assert any("net_mass read in kg (the header" in n for n in sap["notes"])
    assert not any("decimal commas detected" in n for n in sap["notes"])  # the flag said it


def test_unit_in_the_header_without_a_map(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "cn_code,country,Net mass (kg),import_date\n"
        "72081000,IN,1500,2026-01-05\n"
        "2716 00 00,NO,250,2026-01-05\n",  # electricity: MWh, never divided
        encoding="utf-8",
    )
    notes: list[str] = []
    steel, power = cbam.read_imports(path, year=2026, notes=notes)
    assert (steel.net_mass, power.net_mass) == (Decimal("1.500"), Decimal("250"))
    assert "electricity, CN 2716, stays in MWh" in notes[0]
    path.write_text("cn_code,country,net_mass [t],import_date\n72081000,IN,1.5,2026-01-05\n")
    (line,) = cbam.read_imports(path, year=2026)
    assert line.net_mass == Decimal("1.5")
    with pytest.raises(InputError, match=r"row 1, field 'net_mass': the header 'net_mass \[t\]' "
                       r"says t, but the mass unit given is kg"):  # fmt: skip
        list(cbam.read_imports(path, mass_unit="kg"))


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        (
            ["72081000;IN;1,5;2026-01-05", "72081000;IN;2.5;2026-01-06"],
            "figures with a decimal comma ('1,5' in row 2, net_mass) and with a decimal point "
            "('2.5' in row 3, net_mass): the file does not say which it writes; pass "
            "--decimal-comma",
        ),
    ],
)
def test_ambiguous_decimals_are_refused(tmp_path: Path, rows: list[str], words: str) -> None:
    path = tmp_path / "lines.csv"
    path.write_text("cn_code;country;net_mass;import_date\n" + "\n".join(rows) + "\n")
    with pytest.raises(InputError) as err:
        list(cbam.read_imports(path))
    assert words in str(err.value)


def test_a_decimal_point_after_decimal_commas_is_refused_on_its_row(tmp_path: Path) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "cn_code;country;net_mass;import_date\n72081000;IN;1,5;2026-01-05\n"
        "72081000;IN;2.5;2026-01-06\n"
    )
    with pytest.raises(InputError) as err:
        list(cbam.read_imports(path, decimal_comma=True))
    assert err.value.location == "row 3" and err.value.field == "net_mass"
    assert "'2.5' is not a figure with a decimal comma" in err.value.reason
    # a German thousands separator alone is a decimal-comma figure: 1.234 = 1234
    path.write_text("cn_code;country;net_mass;import_date\n72081000;IN;1.234;2026-01-05\n")
    (line,) = cbam.read_imports(path, decimal_comma=True)
    assert line.net_mass == Decimal("1234")


@pytest.mark.parametrize(
    ("mapping", "field", "words"),
    [
        ({**SAP_MAP, "mass": "Menge"}, "mass", "not a column of the library"),
        ({**SAP_MAP, "ip_net_mass": "nettomasse (KG)"}, "ip_net_mass",
         "net_mass and ip_net_mass both name the header"),
        ({k: v for k, v in SAP_MAP.items() if k != "country"}, "country",
         "required, but the map does not name its header"),
        ({k: v for k, v in SAP_MAP.items() if k != "import_date"},
         "import_date (or year and quarter)", "required"),
        ({**SAP_MAP, "cn_code": 7318}, "cn_code", "string"),
    ],
)  # fmt: skip
def test_column_map_errors_name_the_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], mapping: dict[str, Any], field: str,
    words: str,
) -> None:  # fmt: skip
    path = tmp_path / "map.json"
    path.write_text(json.dumps(mapping), encoding="utf-8")
    lines = _sap_export([], tmp_path / "export.csv")
    code, _ = _assess(
        str(lines), "--year", "2026", "--out", str(tmp_path / "o"), "--columns", str(path)
    )
    assert code == 1
    message = capsys.readouterr().err
    assert f"{path}, field '{field}'" in message and words in message, message


def test_column_map_header_missing_from_the_export(tmp_path: Path) -> None:
    path = _sap_export([], tmp_path / "export.csv")
    with pytest.raises(InputError) as err:
        list(cbam.read_imports(path, columns={**SAP_MAP, "net_mass": "Bruttomasse"}))
    assert err.value.field == "net_mass" and err.value.location == "row 1"
    assert "names the header 'Bruttomasse', which the file's header does not have" in str(err.value)


def test_the_parallel_run_adapts_every_part(
    samples_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not forked.available():
        pytest.skip("no fork on this platform")
    from cbam import job
    from cbam.formats.imports import export_format

    export = _sap_export(_sample(samples_dir) * 20, tmp_path / "EXPORT_ZOLL.csv")
    monkeypatch.setattr(job, "PARALLEL_MIN_BYTES", 1000)
    form = export_format(SAP_MAP)
    one = job.assess_file(export, 2026, lines_csv=tmp_path / "1.csv", workers=1, export=form)
    two = job.assess_file(export, 2026, lines_csv=tmp_path / "2.csv", workers=2, export=form)
    assert one.totals == two.totals and one.lines == two.lines == 6000
    assert (tmp_path / "1.csv").read_bytes() == (tmp_path / "2.csv").read_bytes()
    assert one.notes == two.notes and any("decimal commas detected" in n for n in one.notes)


# -- Parquet -----------------------------------------------------------------------------------


def _parquet(rows: list[dict[str, str]], path: Path, *, float_mass: bool = False) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    mass = (
        pa.array([float(r["net_mass"]) for r in rows], pa.float64())
        if float_mass
        else pa.array([Decimal(r["net_mass"]) for r in rows], pa.decimal128(18, 6))
    )
    table = pa.table(
        {
            "line_id": pa.array([r["line_id"] for r in rows]),
            "cn_code": pa.array([r["cn_code"] for r in rows]),
            "country": pa.array([r["country"] for r in rows]),
            "net_mass": mass,
            "import_date": pa.array([dt.date.fromisoformat(r["import_date"]) for r in rows]),
            "installation_id": pa.array([r["installation_id"] or None for r in rows]),
            "route": pa.array([r["route"] or None for r in rows], pa.string()),
            "procedure": pa.array([int(r["procedure"]) for r in rows], pa.int32()),
        }
    )
    pq.write_table(table, path, row_group_size=64)
    return path


@pytest.mark.parametrize("float_mass", [False, True])
def test_parquet_reads_as_the_sample(
    samples_dir: Path, sample_lines: list[Any], tmp_path: Path, float_mass: bool
) -> None:
    path = _parquet(_sample(samples_dir), tmp_path / "lines.parquet", float_mass=float_mass)
    lines = list(cbam.read_imports(path, year=2026))
    assert [_key(a) for a in lines] == [_key(b) for b in sample_lines]


def test_parquet_assess_and_batches(samples_dir: Path, tmp_path: Path) -> None:
    path = _parquet(_sample(samples_dir), tmp_path / "lines.parquet")
    code, doc = _assess(str(path), "--year", "2026", "--out", str(tmp_path / "o"))
    assert code == 0 and doc["lines"] == 300
    rows = parquet_rows(path, batch_rows=7)
    assert next(rows)[:3] == ["line_id", "cn_code", "country"]
    assert sum(1 for _ in rows) == 300


def test_parquet_float_noise_is_refused_on_its_row(samples_dir: Path, tmp_path: Path) -> None:
    rows = _sample(samples_dir)[:5]
    rows[3] = {**rows[3], "net_mass": "0.30000000000000004"}
    path = _parquet(rows, tmp_path / "lines.parquet", float_mass=True)
    with pytest.raises(InputError) as err:
        list(cbam.read_imports(path, year=2026))
    assert (err.value.location, err.value.field) == ("row 5", "net_mass")
    assert "store the column as decimal or string" in err.value.reason


def test_parquet_without_pyarrow_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    path = tmp_path / "lines.parquet"
    path.write_bytes(b"PAR1")
    with pytest.raises(InputError, match=r"pip install '\.\[parquet\]' in the cbam source folder"):
        list(cbam.read_imports(path))


# -- DataFrames --------------------------------------------------------------------------------


def test_pandas_dataframe(samples_dir: Path, sample_lines: list[Any]) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.read_csv(samples_dir / "imports-2026.csv", dtype=str, keep_default_na=False)
    lines = list(cbam.read_imports(frame, year=2026))
    assert [_key(a)[1:] for a in lines] == [_key(b)[1:] for b in sample_lines]
    assert lines[0].row == 0  # rows are positions, as df.iloc
    # floats as pandas reads them by default: each the double of the decimal written
    floats = pd.read_csv(samples_dir / "imports-2026.csv", parse_dates=["import_date"])
    assert floats["net_mass"].dtype == "float64"
    lines = list(cbam.read_imports(floats, year=2026))
    assert [x.net_mass for x in lines] == [x.net_mass for x in sample_lines]
    floats.loc[7, "net_mass"] = 0.1 + 0.2
    with pytest.raises(InputError) as err:
        list(cbam.read_imports(floats, year=2026))
    assert (err.value.source, err.value.location, err.value.field) == (
        "DataFrame",
        "row 7",
        "net_mass",
    )


def test_polars_dataframe(samples_dir: Path, sample_lines: list[Any]) -> None:
    pl = pytest.importorskip("polars")
    frame = pl.read_csv(samples_dir / "imports-2026.csv", infer_schema_length=0)  # all text
    frame = frame.with_columns(pl.col("net_mass").cast(pl.Decimal(18, 3)))
    lines = list(cbam.read_imports(frame, year=2026))
    assert [_key(a)[1:] for a in lines] == [_key(b)[1:] for b in sample_lines]


def test_the_core_imports_no_dataframe_library() -> None:
    code = (
        "import sys, cbam, cbam.cli, cbam.job, cbam.formats.imports, cbam.formats.exports\n"
        "loaded = {'pandas', 'polars', 'pyarrow'} & set(sys.modules)\n"
        "assert not loaded, loaded\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
