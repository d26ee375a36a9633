"""The installation file's production route, functional unit and verification (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest

from cbam.errors import InputError
from cbam.installation import compute_see, parse_installation


def document(**process: Any) -> dict[str, Any]:
    return {
        "installation": {"name": "Plant", "country": "CN"},
        "processes": [
            {"id": "P1", "good": "unwrought aluminium", "cn_codes": ["76011010"],
             "activity_level": 1000, "direct_emissions": 1800, **process}
        ],
    }  # fmt: skip


def run(doc: dict[str, Any]) -> Any:
    return compute_see(parse_installation(doc, source="plant.json"))


def test_a_route_the_code_does_not_have_names_file_and_field() -> None:
    with pytest.raises(InputError) as err:
        run(document(route="C"))
    assert (err.value.source, err.value.location, err.value.field) == (
        "plant.json",
        "processes[0]",
        "route",
    )
    assert "(K), (L)" in err.value.reason and "IR 2025/2620" in err.value.reason
    assert str(run(document(route="(k)")).processes[0].see_direct) == "1.8000"


def test_a_malformed_route_is_refused_when_read() -> None:
    with pytest.raises(InputError) as err:
        parse_installation(document(route="primary"), source="plant.json")
    assert (err.value.location, err.value.field) == ("processes[0]", "route")


def test_a_precursor_route_is_checked_against_its_code() -> None:
    doc = document(
        good="aluminium products",
        cn_codes=["76061299"],
        precursors=[{"cn": "76011010", "country": "TR", "route": "C", "mass": 10}],
    )
    with pytest.raises(InputError) as err:
        run(doc)
    assert (err.value.location, err.value.field) == ("processes[0].precursors[0]", "route")


def test_the_functional_unit_must_be_the_goods() -> None:
    with pytest.raises(InputError, match="functional unit") as err:
        run(document(functional_unit="t clinker"))
    assert err.value.field == "functional_unit"
    with pytest.raises(InputError, match="not a functional unit"):
        parse_installation(document(functional_unit="barrels"), source="plant.json")
    cement = document(good="cement", cn_codes=["25232900"], functional_unit="t clinker",
                      clinker_content={"25232900": 0.8})  # fmt: skip
    process = parse_installation(cement, source="plant.json").processes[0]
    assert process.functional_unit == "t clinker contained"
    assert str(process.content("25232900")) == "0.8"
    with pytest.raises(InputError, match="clinker_content"):
        parse_installation(document(clinker_content=1.5), source="plant.json")


def test_the_verification_block() -> None:
    doc = document()
    doc["verification"] = {"verifier": "V", "opinion": "Satisfactory  with comments"}
    found = parse_installation(doc, source="plant.json").verification
    assert found is not None and found.opinion == "satisfactory with comments"
    doc["verification"] = {"opinion": "good"}
    with pytest.raises(InputError) as err:
        parse_installation(doc, source="plant.json")
    assert (err.value.location, err.value.field) == ("verification", "opinion")
