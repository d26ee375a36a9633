"""``cbam see`` and ``cbam template`` on the Commission's workbooks (issue 4 acceptance)."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from cbam.cli import main
from cbam.formats.template import read_template
from cbam.installation import compute_see, load_installation

EXAMPLES = {
    "example-1-cement.xlsx": "cement.json",
    "example-2-steel-blast-furnace.xlsx": "steel-bf.json",
    "example-4-screws-and-nuts.xlsx": "screws.json",
}


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out, parse_float=Decimal) if code == 0 else out), err


@pytest.mark.parametrize("workbook", sorted(EXAMPLES))
def test_see_on_the_workbook_matches_its_summary(
    capsys: pytest.CaptureFixture[str], reference_dir: Path, workbook: str
) -> None:
    code, doc, _ = _json(capsys, "see", str(reference_dir / "xlsx" / workbook), "--json")
    assert code == 0
    assert isinstance(doc, dict)
    assert doc["differences"] == []
    summary = {row["cn"]: row for row in doc["workbook_summary"]}
    assert summary
    for process in doc["processes"]:
        for cn in process.get("cn_codes") or []:
            if cn in summary:
                want = summary[cn]["see_direct"]
                assert abs(process["see_direct"] - want) <= Decimal("1e-6") * abs(want)


@pytest.mark.parametrize(("workbook", "sample"), sorted(EXAMPLES.items()))
def test_template_read_equals_the_samples_file(
    reference_dir: Path, samples_dir: Path, workbook: str, sample: str
) -> None:
    from_workbook = compute_see(read_template(reference_dir / "xlsx" / workbook).installation)
    from_sample = compute_see(load_installation(samples_dir / "installations" / sample))
    assert len(from_workbook.processes) == len(from_sample.processes)
    for a, b in zip(from_workbook.processes, from_sample.processes, strict=True):
        for key in ("see_direct", "see_indirect", "see_total"):
            x, y = getattr(a, key), getattr(b, key)
            assert abs(x - y) <= Decimal("1e-6") * abs(y), (workbook, a.id, key)


def test_template_read_json(capsys: pytest.CaptureFixture[str], reference_dir: Path) -> None:
    code, doc, _ = _json(
        capsys,
        "template",
        "read",
        str(reference_dir / "xlsx" / "example-4-screws-and-nuts.xlsx"),
        "--json",
    )
    assert code == 0 and isinstance(doc, dict)
    assert {"installation", "processes", "workbook_summary"} <= doc.keys()
    assert {r["cn"] for r in doc["workbook_summary"]} >= {"73181542", "73181535"}


def test_not_a_template_exits_1(capsys: pytest.CaptureFixture[str], reference_dir: Path) -> None:
    code, _, err = _json(
        capsys,
        "template",
        "read",
        str(reference_dir / "xlsx" / "benchmarks-ir-2025-2620-v1.xlsx"),
    )
    assert code == 1 and "benchmarks-ir-2025-2620-v1.xlsx" in err and "Traceback" not in err


def test_truncated_workbook_exits_1(
    capsys: pytest.CaptureFixture[str], reference_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.xlsx"
    data = (reference_dir / "xlsx" / "example-1-cement.xlsx").read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    code, _, err = _json(capsys, "see", str(broken))
    assert code == 1 and "broken.xlsx" in err


def test_fill_then_see(
    capsys: pytest.CaptureFixture[str], reference_dir: Path, samples_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "filled.xlsx"
    code = main(
        [
            "template",
            "fill",
            str(samples_dir / "installations" / "screws.json"),
            "--template",
            str(reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"),
            "-o",
            str(out),
        ]
    )
    capsys.readouterr()
    assert code == 0 and out.is_file()
    again = read_template(out)
    assert [p["id"] for p in again.installation_dict["processes"]] == ["P1", "P2"]


def test_installed_package_carries_its_data(tmp_path: Path) -> None:
    """Run from a folder outside the checkout: the installed package must find its data."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cbam",
            "defaults",
            "--cn",
            "25231000",
            "--country",
            "CN",
            "--route",
            "A",
            "--json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["value_used"] == 1.529


def test_template_read_has_no_float_noise(
    capsys: pytest.CaptureFixture[str], reference_dir: Path
) -> None:
    """Formula results are binary doubles (0.20355398249999998, 3337.9500000000003); a
    spreadsheet holds 15 significant digits, so the reader keeps those and nothing else."""
    workbook = str(reference_dir / "xlsx" / "example-4-screws-and-nuts.xlsx")
    code, doc, _ = _json(capsys, "template", "read", workbook, "--json")
    assert code == 0 and isinstance(doc, dict)
    assert doc["processes"][0]["direct_emissions"] == Decimal("3337.95")
    text = json.dumps(doc, default=str)
    assert "00000000" not in text and "99999999" not in text
    steel = str(reference_dir / "xlsx" / "example-2-steel-blast-furnace.xlsx")
    code, doc, _ = _json(capsys, "template", "read", steel, "--json")
    assert isinstance(doc, dict)
    assert {r["see_indirect"] for r in doc["workbook_summary"]} == {Decimal("0.2035539825")}
    # The table prints SEE with at most 5 decimals (IR 2025/2547 Annex II A.1(8)).
    assert main(["template", "read", steel]) == 0
    table = capsys.readouterr().out
    assert "72081000     1.53898       0.20355" in table
    assert not [n for n in table.split() if len(n.partition(".")[2]) > 5]


def test_template_commands_explain_their_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    for command, argument in (("read", "workbook"), ("fill", "installation")):
        with pytest.raises(SystemExit):
            main(["template", command, "--help"])
        usage = capsys.readouterr().out
        section = usage.split("positional arguments:")[1]
        line = next(x for x in section.splitlines() if x.strip().startswith(argument))
        assert len(line.split()) > 3, usage  # the argument has a help text
