"""A customs file of several importers (issue 14): threshold, holding and declaration apart.

Reg. (EU) 2023/956 Art. 2a(1) as inserted by Reg. (EU) 2025/2083: the 50 t threshold applies to
the net mass "aggregated per importer and per calendar year"; Recital 7 and Art. 5(2a): an
indirect customs representative declares each represented importer's goods. The expected
figures below are computed here from the published values, never by the library:

* IR 2025/2621 Annex I, China, CN 2523 10 00 grey clinker, route (A): default value (total)
  1.39 t CO2e/t (Commission workbook v1 of 2026-02-04, sheet 'China', row 6); mark-up for 2026
  imports 10 % (IR 2025/2621 Annex I: the total plus the year's mark-up);
* IR 2025/2620 Annex, Column B (benchmark for default values), grey cement clinker, route (A):
  0.666 t CO2e/t;
* CBAM factor 2026: 97.5 % (Directive 2003/87/EC Art. 10a(1a); IR 2025/2620);
* certificate price of 2026 Q1: EUR 75.36 (Reg. (EU) 2023/956 Art. 21(1a), as published).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import cbam
from cbam import job
from cbam.cli import main
from cbam.declaration.model import Assessment, ImportLine
from cbam.errors import InputError
from cbam.formats.declaration_files import (
    read_declaration_json,
    read_declaration_xml,
    validate_declaration_xml,
)
from cbam.formats.lines import read_lines_csv

D = Decimal

CLINKER_DEFAULT_TOTAL = D("1.39")
MARKUP_2026 = D("0.10")
COLUMN_B_CLINKER_A = D("0.666")
CBAM_FACTOR_2026 = D("0.975")
PRICE_2026Q1 = D("75.36")

#: Certificates per tonne of Chinese grey clinker imported in 2026 at default values:
#: SEE used - SEFA = 1.39 x 1.10 - 0.975 x 0.666 = 1.529 - 0.64935 = 0.87965 t CO2e/t.
PER_TONNE = CLINKER_DEFAULT_TOTAL * (1 + MARKUP_2026) - CBAM_FACTOR_2026 * COLUMN_B_CLINKER_A

DE, NL, FR = "DE123456789012345", "NL987654321", "FR12345678901"
HEADER = ["line_id", "importer_eori", "cn_code", "country", "net_mass", "import_date", "route"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])
    return path


def clinker(line_id: str, eori: str, mass: str, date: str = "2026-02-10") -> list[str]:
    return [line_id, eori, "2523 10 00", "CN", mass, date, "A"]


@pytest.fixture
def three_importers(tmp_path: Path) -> Path:
    """DE 30 t + 30 t (60 t: in scope); NL 30 t and FR 30 t (60 t pooled, yet each exempt)."""
    return write_csv(
        tmp_path / "representative.csv",
        [
            clinker("L1", DE, "30"),
            clinker("L2", NL, "30"),
            clinker("L3", DE, "30"),
            clinker("L4", FR, "30"),
        ],
    )


def run_cli(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def picture(assessment: Assessment) -> str:
    """Every digit and exponent of an Assessment, for comparisons."""
    return repr(assessment.model_dump())


# -- the threshold per importer, by hand --------------------------------------------------------


def test_threshold_per_importer_by_hand(three_importers: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = job.run_assess(three_importers, 2026, out)
    assert isinstance(run, job.ImportersRun)
    found = {one.assessment.importer: one.assessment for one in run.importers}
    assert list(found) == [DE, NL, FR]  # the order in which the importers first appear

    # DE: 60 t > 50 t, every line in scope (Art. 2a(2)).
    de = found[DE]
    assert PER_TONNE == D("0.87965")
    assert de.de_minimis.exempt is False and de.de_minimis.net_mass_counted == D(60)
    assert de.totals.certificates == D(60) * PER_TONNE == D("52.779")
    assert de.totals.cost_eur == D(60) * PER_TONNE * PRICE_2026Q1
    assert de.totals.embedded_emissions == D(60) * D("1.529")

    # NL and FR: 30 t each; pooled they would be 60 t, but the threshold is per importer.
    for eori in (NL, FR):
        alone = found[eori]
        assert alone.de_minimis.exempt is True, eori
        assert alone.de_minimis.net_mass_counted == D(30)
        assert alone.totals.certificates == 0 and alone.totals.cost_eur == 0
        assert alone.totals.embedded_emissions == D(30) * D("1.529")  # still reported

    # The files say the same, each in its importer's folder.
    for eori, assessment in found.items():
        folder = out / eori
        assert sorted(p.name for p in folder.iterdir()) == sorted(job.OUTPUT_NAMES)
        written = read_declaration_json(folder / "declaration.json")
        assert written.importer == eori
        assert written.totals.certificates == assessment.totals.certificates
        lines = list(read_lines_csv(folder / "lines.csv"))
        assert {line.exempt_de_minimis for line in lines} == {eori != DE}
        assert sum(line.certificates for line in lines) == assessment.totals.certificates
    assert [line.line_id for line in read_lines_csv(out / DE / "lines.csv")] == ["L1", "L3"]


def test_pooling_the_importers_would_be_wrong(three_importers: Path) -> None:
    """The same lines assessed as one importer's: 120 t, all in scope -- not what is owed."""
    lines = [line._replace(importer_eori=None) for line in cbam.read_imports(three_importers)]
    pooled = cbam.assess(lines, 2026)
    assert pooled.de_minimis.exempt is False
    assert pooled.totals.certificates == D(120) * PER_TONNE
    apart = cbam.assess_by_importer(cbam.read_imports(three_importers), 2026)
    assert sum(a.totals.certificates for a in apart.values()) == D(60) * PER_TONNE


# -- the Python API -----------------------------------------------------------------------------


def test_assess_by_importer_equals_the_files(three_importers: Path, tmp_path: Path) -> None:
    found = cbam.assess_by_importer(cbam.read_imports(three_importers, year=2026), 2026)
    files = job.assess_file_by_importer(three_importers, 2026, out=tmp_path / "o", workers=1)
    assert list(found) == list(files) == [DE, NL, FR]
    for eori in found:
        assert picture(found[eori]) == picture(files[eori])
        own = [line for line in cbam.read_imports(three_importers) if line.importer_eori == eori]
        assert picture(cbam.assess(own, 2026)) == picture(found[eori])


def test_assess_by_importer_sinks(three_importers: Path) -> None:
    got: dict[str, list[str | None]] = {}

    def sinks(eori: str) -> Any:
        got[eori] = []
        return lambda line: got[eori].append(line.line_id)

    cbam.assess_by_importer(cbam.read_imports(three_importers), 2026, sinks=sinks)
    assert got == {DE: ["L1", "L3"], NL: ["L2"], FR: ["L4"]}
    assert cbam.assess_by_importer([], 2026) == {}


def line(row: int, eori: str | None, mass: str = "30") -> ImportLine:
    return ImportLine(
        row=row,
        cn="25231000",
        country="CN",
        net_mass=D(mass),
        year=2026,
        quarter=1,
        route="A",
        importer_eori=eori,
    )


def test_assess_refuses_lines_of_two_importers() -> None:
    with pytest.raises(InputError) as caught:
        cbam.assess([line(2, DE), line(3, DE), line(4, NL)], 2026)
    message = str(caught.value)
    assert message.startswith("row 4, field 'importer_eori': names importer NL987654321, but ")
    assert f"row 2 named importer {DE}" in message and "cbam.assess_by_importer" in message
    with pytest.raises(InputError, match="row 3, field 'importer_eori': names no importer"):
        cbam.assess([line(2, DE), line(3, None)], 2026)
    with pytest.raises(InputError, match="row 3, field 'importer_eori': names importer"):
        cbam.assess([line(2, None), line(3, DE)], 2026)


def test_assess_names_the_one_importer_and_normalises_it() -> None:
    result = cbam.assess([line(2, "de 1234-5678 9012 345"), line(3, DE)], 2026)
    assert result.importer == DE and result.lines == 2
    assert cbam.assess([line(2, None)], 2026).importer is None
    with pytest.raises(InputError, match="row 2, field 'importer_eori': '12' is not an EORI"):
        cbam.assess([line(2, "12")], 2026)


def test_assess_by_importer_refuses_a_line_without_importer() -> None:
    with pytest.raises(InputError) as caught:
        cbam.assess_by_importer([line(2, DE), line(3, None)], 2026)
    assert str(caught.value).startswith("row 3, field 'importer_eori': is empty; ")
    assert "cbam.assess" in str(caught.value)


def test_assess_file_takes_one_importer_and_refuses_two(
    three_importers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = write_csv(tmp_path / "one.csv", [clinker("L1", NL, "60"), clinker("L2", NL, "1")])
    result = job.assess_file(one, 2026, lines_csv=tmp_path / "lines.csv", workers=1)
    assert result.importer == NL and result.totals.certificates == D(61) * PER_TONNE
    monkeypatch.setattr(job, "PARALLEL_MIN_BYTES", 0)
    for workers in (1, 2):
        with pytest.raises(InputError) as caught:
            job.assess_file(three_importers, 2026, lines_csv=tmp_path / "x.csv", workers=workers)
        message = str(caught.value)
        assert message.startswith(f"{three_importers}, row 3, field 'importer_eori': ")
        assert "assess_file_by_importer" in message
    plain = write_csv(tmp_path / "plain.csv", [["72081000", "TR", "5", "2026-01-05"]],
                      header=["cn_code", "country", "net_mass", "import_date"])  # fmt: skip
    with pytest.raises(InputError, match="has no column importer_eori"):
        job.assess_file_by_importer(plain, 2026, out=tmp_path / "p")


# -- serial and parallel give the same files ----------------------------------------------------


def interleaved(path: Path, lines: int, late: str | None = None) -> Path:
    """``lines`` rows of DE, NL and FR in turn (each well over 50 t); ``late``: an importer
    whose lines come only at the end of the file (it first appears in the last part)."""
    rows = []
    goods = [("7208 10 00", "TR", ""), ("2523 10 00", "CN", "A"), ("7318 15 42", "TW", "")]
    for i in range(lines):
        cn, country, route = goods[i % 3]
        eori = (DE, NL, FR)[(i // 2) % 3]
        date = f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}"
        rows.append([f"R{i}", eori, cn, country, f"{1 + i % 7}.{i % 1000:03d}", date, route])
    if late:
        rows += [[f"Z{i}", late, "7208 10 00", "IN", "20", "2026-12-01", ""] for i in range(4)]
    return write_csv(path, rows)


def files_of(folder: Path) -> dict[str, bytes]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


@pytest.mark.parametrize("late", [None, "SE5561234567"])
def test_serial_and_parallel_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late: str | None
) -> None:
    imports = interleaved(tmp_path / "big.csv", 600, late)
    serial = job.assess_file_by_importer(imports, 2026, out=tmp_path / "s", workers=1)
    monkeypatch.setattr(job, "PARALLEL_MIN_BYTES", 0)

    def no_serial(*_args: Any) -> Any:
        raise AssertionError("the parallel run fell back to one process")

    monkeypatch.setattr(job, "_serial_by_importer", no_serial)
    parallel = job.assess_file_by_importer(imports, 2026, out=tmp_path / "p", workers=3)
    assert list(parallel) == list(serial) == [DE, NL, FR, *([late] if late else [])]
    for eori in serial:
        assert picture(parallel[eori]) == picture(serial[eori]), eori
        assert not serial[eori].de_minimis.exempt
    assert files_of(tmp_path / "p") == files_of(tmp_path / "s")
    assert sum(a.lines for a in serial.values()) == 600 + (4 if late else 0)


def test_an_importer_within_the_threshold_is_done_in_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its lines must be written as exempt, which only the serial run does."""
    imports = interleaved(tmp_path / "big.csv", 300)
    with imports.open("a", encoding="utf-8") as handle:
        handle.write(f"small,{NL[:2]}111,7208 10 00,TR,2,2026-03-03,\n")
    serial = job.assess_file_by_importer(imports, 2026, out=tmp_path / "s", workers=1)
    monkeypatch.setattr(job, "PARALLEL_MIN_BYTES", 0)
    calls = []
    real = job._serial_by_importer

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(job, "_serial_by_importer", counted)
    parallel = job.assess_file_by_importer(imports, 2026, out=tmp_path / "p", workers=2)
    assert calls == [1]
    assert parallel["NL111"].de_minimis.exempt is True
    assert {k: picture(v) for k, v in parallel.items()} == {
        k: picture(v) for k, v in serial.items()
    }
    assert files_of(tmp_path / "p") == files_of(tmp_path / "s")


# -- bad importers ------------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [1, 2])
def test_an_empty_importer_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(job, "PARALLEL_MIN_BYTES", 0)
    imports = interleaved(tmp_path / "big.csv", 200)
    text = imports.read_text(encoding="utf-8").splitlines()
    text[150] = text[150].replace(f",{DE},", ",,").replace(f",{NL},", ",,").replace(f",{FR},", ",,")
    imports.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        job.assess_file_by_importer(imports, 2026, out=tmp_path / "o", workers=workers)
    assert str(caught.value) == (
        f"{imports}, row 151, field 'importer_eori': is empty; a file with the column "
        "importer_eori names the importer on every line"
    )
    code, _, err = run_cli("assess", imports, "--year", "2026", "--out", tmp_path / "cli")
    assert code == 1 and str(caught.value) in err
    assert not (tmp_path / "cli").exists()


def test_a_malformed_importer_is_refused(three_importers: Path, tmp_path: Path) -> None:
    text = three_importers.read_text(encoding="utf-8").replace(NL, "N1987654321")
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    code, _, err = run_cli("assess", bad, "--year", "2026", "--out", tmp_path / "out")
    assert code == 1
    assert f"{bad}, row 3, field 'importer_eori': 'N1987654321' is not an EORI number" in err


# -- cbam assess --------------------------------------------------------------------------------


def test_cli_json_of_several_importers(three_importers: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text, err = run_cli("assess", three_importers, "--year", "2026", "--out", out, "--json")
    assert code == 0, err
    document = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    assert document["year"] == 2026
    importers = document["importers"]
    assert [i["eori"] for i in importers] == [DE, NL, FR]
    for one in importers:
        assert {"eori", "totals", "de_minimis", "outputs", "lines", "goods", "notes"} <= set(one)
        assert {"estimate", "scenarios", "route_bases", "basis_reasons"} <= set(one)
        assert [Path(p).parent.name for p in one["outputs"]] == [one["eori"]] * 4
    assert [i["de_minimis"]["exempt"] for i in importers] == [False, True, True]
    assert document["exempt_importers"] == [NL, FR]
    assert document["totals"]["certificates"] == D(60) * PER_TONNE
    for key, total in document["totals"].items():
        assert total == sum(i["totals"][key] for i in importers), key
    assert document["lines"] == 4 and document["goods"] == 3
    assert len(document["outputs"]) == 12
    assert document["outputs"][0] == str(out / DE / "declaration.json")

    code, text, _ = run_cli("assess", three_importers, "--year", "2026", "--out", out)
    assert code == 0
    assert f"== importer {DE} (2 lines)" in text and "== 3 importers" in text
    table = text.split("== 3 importers")[1]
    assert "in scope" in table and table.count("EXEMPT") == 2 and "TOTAL" in table


def test_a_file_without_the_column_is_as_before(samples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text, _ = run_cli(
        "assess", samples_dir / "imports-2026.csv", "--year", "2026", "--out", out, "--json"
    )
    assert code == 0
    document = json.loads(text)
    assert "importers" not in document and document["lines"] == 300
    assert sorted(p.name for p in out.iterdir()) == sorted([".cbam-outputs", *job.OUTPUT_NAMES])
    assert "importer" not in json.loads((out / "declaration.json").read_text(encoding="utf-8"))
    assert b"<Importer>" not in (out / "declaration.xml").read_bytes()


def test_one_importer_named_gets_its_folder(tmp_path: Path) -> None:
    """The layout follows the header: a file with the column writes OUT/<EORI>/, even for one."""
    imports = write_csv(tmp_path / "one.csv", [clinker("L1", DE, "51")])
    run = job.run_assess(imports, 2026, tmp_path / "out")
    assert isinstance(run, job.ImportersRun) and len(run.importers) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".cbam-outputs", DE]
    xml = tmp_path / "out" / DE / "declaration.xml"
    assert validate_declaration_xml(xml) == []
    assert read_declaration_xml(xml).importer == DE
    assert f"<Importer>{DE}</Importer>" in xml.read_text(encoding="utf-8")


# -- the output folder --------------------------------------------------------------------------


def test_reruns_over_either_layout(
    three_importers: Path, samples_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    flat = samples_dir / "imports-2026.csv"
    job.run_assess(three_importers, 2026, out)
    marker = (out / ".cbam-outputs").read_text(encoding="utf-8").split()
    assert marker[:3] == [DE, FR, NL] and f"{DE}/lines.csv" in marker and len(marker) == 15
    job.run_assess(three_importers, 2026, out)  # the same again
    job.run_assess(flat, 2026, out)  # per importer -> flat
    assert sorted(p.name for p in out.iterdir()) == sorted([".cbam-outputs", *job.OUTPUT_NAMES])
    job.run_assess(three_importers, 2026, out)  # flat -> per importer
    assert sorted(p.name for p in out.iterdir()) == [".cbam-outputs", DE, FR, NL]


def test_a_foreign_file_in_an_importer_folder_is_refused(
    three_importers: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    job.run_assess(three_importers, 2026, out)
    (out / NL / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match=f"the folder holds {NL}/notes.txt, which cbam did not"):
        job.run_assess(three_importers, 2026, out)
    assert (out / NL / "notes.txt").read_text(encoding="utf-8") == "mine"
    (out / NL / "notes.txt").unlink()
    (out / "XX1").mkdir()
    with pytest.raises(InputError, match="the folder holds XX1, which cbam did not write"):
        job.run_assess(three_importers, 2026, out)


def test_an_input_inside_an_importer_folder_is_refused(
    three_importers: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    job.run_assess(three_importers, 2026, out)
    inside = out / DE / "lines.csv"
    shutil.copy(three_importers, inside)
    before = inside.read_bytes()
    with pytest.raises(InputError, match="would be overwritten"):
        job.run_assess(inside, 2026, out)
    assert inside.read_bytes() == before


# -- the transitional report --------------------------------------------------------------------


def test_qreport_refuses_two_importers(samples_dir: Path, tmp_path: Path) -> None:
    imports = write_csv(
        tmp_path / "q4.csv",
        [
            ["Q1", DE, "7208 10 00", "TR", "5", "2025-10-06", ""],
            ["Q2", NL, "7208 10 00", "TR", "5", "2025-11-06", ""],
        ],
    )
    code, _, err = run_cli(
        "qreport", imports, "--period", "2025Q4", "--declarant", samples_dir / "declarant.json",
        "-o", tmp_path / "q.xml",
    )  # fmt: skip
    assert code == 1
    assert f"{imports}, row 3, field 'importer_eori': names importer {NL}" in err
    assert "their own report" in err and not (tmp_path / "q.xml").exists()
