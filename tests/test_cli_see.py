"""``cbam see FILE --json`` on the samples (issue 3 acceptance) and on bad installation files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cbam.cli import main


def _see(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, Any, str]:
    code = main(["see", str(path), "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out, parse_float=Decimal) if code == 0 else None), err


def _close(actual: Decimal, expected: float) -> bool:
    # examples.json prints 6 decimals: 1e-6 relative, or half a unit of the last printed digit.
    want = Decimal(str(expected))
    return abs(actual - want) <= max(Decimal("1e-6") * abs(want), Decimal("5e-7"))


def _examples(spec_dir: Path) -> dict[str, Any]:
    data = json.loads((spec_dir / "examples.json").read_text())
    return {e["id"]: e for e in data["see_examples"]}


def test_cement(capsys: pytest.CaptureFixture[str], samples_dir: Path, spec_dir: Path) -> None:
    want = _examples(spec_dir)["cement_bubble"]
    code, doc, _ = _see(capsys, samples_dir / "installations" / "cement.json")
    assert code == 0
    (p,) = doc["processes"]
    assert set(p) >= {
        "id",
        "good",
        "activity_level",
        "attributed_direct",
        "attributed_indirect",
        "see_direct",
        "see_indirect",
        "see_total",
    }
    assert _close(p["attributed_direct"], want["expected_DirEm_tCO2"])
    assert _close(p["attributed_indirect"], want["expected"]["indirect_tCO2"])
    for key, name in (
        ("see_direct", "SEE_dir"),
        ("see_indirect", "SEE_ind"),
        ("see_total", "SEE_total"),
    ):
        assert _close(p[key], want["expected"][name]), key


def test_steel(capsys: pytest.CaptureFixture[str], samples_dir: Path, spec_dir: Path) -> None:
    want = _examples(spec_dir)["steel_bf_bubble"]
    code, doc, _ = _see(capsys, samples_dir / "installations" / "steel-bf.json")
    assert code == 0
    (p,) = doc["processes"]
    assert _close(p["attributed_direct"], want["expected"]["AttrEm_dir_tCO2"])
    assert _close(p["attributed_indirect"], want["expected"]["indirect_tCO2"])
    assert _close(p["see_direct"], want["expected"]["SEE_dir"])
    assert _close(p["see_indirect"], want["expected"]["SEE_ind"])
    assert _close(p["see_total"], want["expected"]["SEE_total"])


def test_screws(capsys: pytest.CaptureFixture[str], samples_dir: Path, spec_dir: Path) -> None:
    want = _examples(spec_dir)["screws_and_nuts"]["processes"]
    code, doc, _ = _see(capsys, samples_dir / "installations" / "screws.json")
    assert code == 0
    for p, w in zip(doc["processes"], want, strict=True):
        assert _close(p["see_direct"], w["expected"]["SEE_dir"])
        assert _close(p["see_indirect"], w["expected"]["SEE_ind"])
        assert _close(p["see_total"], w["expected"]["SEE_total"])


BASE: dict[str, Any] = {
    "installation": {"name": "Test plant", "country": "CN"},
    "processes": [
        {
            "id": "P1",
            "good": "crude steel",
            "activity_level": 100,
            "direct_emissions": 50,
            "electricity": {"consumed_mwh": 10, "emission_factor": 0.5},
        },
    ],
}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda d: d["processes"][0].update(good="bananas"), "good"),
        (lambda d: d["processes"][0].update(activity_level=-1), "activity_level"),
        (
            lambda d: d["processes"][0].update(precursors=[{"from_process": "P9", "mass": 1}]),
            "from_process",
        ),
        (
            lambda d: (
                d["processes"].append(
                    {
                        "id": "P2",
                        "good": "crude steel",
                        "activity_level": 1,
                        "direct_emissions": 1,
                        "electricity": {"consumed_mwh": 0},
                        "precursors": [{"from_process": "P1", "mass": 1}],
                    }
                )
                or d["processes"][0].update(precursors=[{"from_process": "P2", "mass": 1}])
            ),
            "P1",
        ),
        (
            lambda d: (
                d["installation"].update(country="DE")
                or d["processes"][0]["electricity"].pop("emission_factor")
            ),
            "emission_factor",
        ),
        (lambda d: d["installation"].update(country="XX"), "country"),
    ],
    ids=[
        "unknown good",
        "negative activity",
        "unknown from_process",
        "cycle",
        "no grid factor",
        "unknown country",
    ],
)
def test_bad_files_exit_1_naming_the_field(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: Any, words: str
) -> None:
    data = json.loads(json.dumps(BASE))
    change(data)
    path = tmp_path / "installation.json"
    path.write_text(json.dumps(data))
    code, _, err = _see(capsys, path)
    assert code == 1
    assert str(path) in err and words in err and "Traceback" not in err
