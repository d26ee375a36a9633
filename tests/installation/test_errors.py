"""Every error path of the loader and the engine names the file, the JSON path and the field."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from cbam.errors import InputError, NotACbamGoodError, UnknownCountryError
from cbam.installation import compute_see, load_installation
from tests.installation.helpers import FakeLookups, base, write


def load_error(tmp_path: Path, data: Any, name: str = "inst.json") -> InputError:
    path = write(tmp_path, data, name)
    with pytest.raises(InputError) as err:
        load_installation(path)
    assert err.value.source == str(path)
    assert str(path) in str(err.value)
    return err.value


def see_error(tmp_path: Path, data: Any) -> InputError:
    path = write(tmp_path, data)
    with pytest.raises(InputError) as err:
        compute_see(load_installation(path), lookups=FakeLookups())
    assert err.value.source == str(path)
    return err.value


def test_unknown_good(tmp_path: Path) -> None:
    err = see_error(tmp_path, base(good="bananas"))
    assert (err.location, err.field) == ("processes[0]", "good")
    assert "bananas" in err.reason


def test_scrap_is_not_a_cbam_good(tmp_path: Path) -> None:
    err = see_error(tmp_path, base(good="72041000"))
    assert isinstance(err, NotACbamGoodError)
    assert (err.location, err.field) == ("processes[0]", "good")


def test_unknown_precursor_good(tmp_path: Path) -> None:
    data = base()
    data["processes"][0]["precursors"] = [{"good": "unobtainium", "country": "CN", "mass": 1}]
    err = see_error(tmp_path, data)
    assert (err.location, err.field) == ("processes[0].precursors[0]", "good")


@pytest.mark.parametrize(("value", "word"), [(-5, "negative"), (0, "zero")])
def test_bad_activity_level(tmp_path: Path, value: int, word: str) -> None:
    err = load_error(tmp_path, base(activity_level=value))
    assert (err.location, err.field) == ("processes[0]", "activity_level")
    assert word in err.reason


def test_precursor_cycle_is_named(tmp_path: Path) -> None:
    data = base(precursors=[{"from_process": "P2", "mass": 1}])
    data["processes"].append(
        {"id": "P2", "good": "pig iron", "activity_level": 1, "direct_emissions": 1,
         "precursors": [{"from_process": "P1", "mass": 1}]}
    )  # fmt: skip
    err = load_error(tmp_path, data)
    assert "P1 -> P2 -> P1" in err.reason or "P2 -> P1 -> P2" in err.reason
    assert err.field == "precursors.from_process"


def test_self_cycle(tmp_path: Path) -> None:
    err = load_error(tmp_path, base(precursors=[{"from_process": "P1", "mass": 1}]))
    assert "P1 -> P1" in err.reason


def test_three_process_cycle(tmp_path: Path) -> None:
    data = base(precursors=[{"from_process": "P2", "mass": 1}])
    for pid, needs in (("P2", "P3"), ("P3", "P1")):
        data["processes"].append(
            {"id": pid, "good": "crude steel", "activity_level": 1,
             "precursors": [{"from_process": needs, "mass": 1}]}
        )  # fmt: skip
    err = load_error(tmp_path, data)
    cycle = err.reason.split(": ")[1].split(";")[0].split(" -> ")
    assert len(cycle) == 4 and cycle[0] == cycle[-1] and set(cycle) == {"P1", "P2", "P3"}


def test_from_process_naming_no_process(tmp_path: Path) -> None:
    err = load_error(tmp_path, base(precursors=[{"from_process": "P9", "mass": 1}]))
    assert (err.location, err.field) == ("processes[0].precursors[0]", "from_process")
    assert "P9" in err.reason


def test_stream_naming_no_process(tmp_path: Path) -> None:
    data = base()
    data["source_streams"] = [
        {"name": "coal", "method": "combustion", "process": "PX",
         "activity_data": 1, "ncv": 25, "emission_factor": 95}
    ]  # fmt: skip
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("source_streams[0]", "process")


def test_unknown_installation_country(tmp_path: Path) -> None:
    data = base()
    data["installation"]["country"] = "XX"
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("installation", "country")


def test_unknown_precursor_country(tmp_path: Path) -> None:
    data = base(precursors=[{"good": "pig iron", "country": "ZZ", "mass": 1}])
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("processes[0].precursors[0]", "country")


def test_country_without_grid_factor(tmp_path: Path) -> None:
    data = base(electricity={"consumed_mwh": 10})
    data["installation"]["country"] = "NO"
    err = see_error(tmp_path, data)
    assert (err.location, err.field) == ("processes[0].electricity", "emission_factor")


def test_streams_and_direct_emissions_disagree(tmp_path: Path) -> None:
    data = base(direct_emissions=1)
    data["source_streams"] = [{"name": "n2o", "method": "n2o", "process": "P1", "n2o_t": 1}]
    err = see_error(tmp_path, data)
    assert (err.location, err.field) == ("processes[0]", "direct_emissions")


def test_negative_mass_and_fraction_out_of_range(tmp_path: Path) -> None:
    err = load_error(tmp_path, base(precursors=[{"good": "pig iron", "country": "CN", "mass": -1}]))
    assert (err.location, err.field) == ("processes[0].precursors[0]", "mass")
    data = base()
    data["source_streams"] = [
        {"name": "waste", "method": "combustion", "process": "P1", "activity_data": 1,
         "ncv": 1, "emission_factor": 1, "biomass_fraction": 1.5}
    ]  # fmt: skip
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("source_streams[0]", "biomass_fraction")


def test_unknown_method_and_typo_keys(tmp_path: Path) -> None:
    data = base()
    data["source_streams"] = [{"name": "x", "method": "magic", "process": "P1"}]
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("source_streams[0]", "method")
    data = base(electricity={"consumed_mwh": 1, "emision_factor": 0.5})
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("processes[0].electricity", "emision_factor")
    assert "unknown key" in err.reason


def test_booleans_are_not_numbers(tmp_path: Path) -> None:
    err = load_error(tmp_path, base(activity_level=True))
    assert err.field == "activity_level"


def test_several_problems_are_all_mentioned(tmp_path: Path) -> None:
    data = base(activity_level=-1, direct_emissions=-2)
    err = load_error(tmp_path, data)
    assert "1 further problem" in err.reason and "direct_emissions" in err.reason


def test_duplicate_process_ids(tmp_path: Path) -> None:
    data = base()
    data["processes"].append(dict(data["processes"][0]))
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("processes[1]", "id")


def test_precursor_needs_good_or_from_process(tmp_path: Path) -> None:
    err = load_error(tmp_path, base(precursors=[{"mass": 1}]))
    assert (err.location, err.field) == ("processes[0].precursors[0]", "good")


def test_see_indirect_alone_and_from_process_with_supplier_values(tmp_path: Path) -> None:
    pre = {"good": "pig iron", "country": "CN", "mass": 1, "see_indirect": 1}
    err = load_error(tmp_path, base(precursors=[pre]))
    assert err.field == "see_direct"
    data = base(precursors=[{"from_process": "P2", "mass": 1, "see_direct": 1}])
    data["processes"].append({"id": "P2", "good": "pig iron", "activity_level": 1})
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("processes[0].precursors[0]", "see_direct")


def test_period_ending_before_it_starts(tmp_path: Path) -> None:
    data = base()
    data["reporting_period"] = {"start": "2026-12-31", "end": "2026-01-01"}
    err = load_error(tmp_path, data)
    assert (err.location, err.field) == ("reporting_period", "end")


def test_no_processes(tmp_path: Path) -> None:
    data = base()
    data["processes"] = []
    err = load_error(tmp_path, data)
    assert err.field == "processes"


def test_bad_json_missing_file_and_wrong_shape(tmp_path: Path) -> None:
    err = load_error(tmp_path, '{"installation": ', "broken.json")
    assert err.location is not None and err.location.startswith("line 1")
    with pytest.raises(InputError) as missing:
        load_installation(tmp_path / "nope.json")
    assert "cannot read" in missing.value.reason
    err = load_error(tmp_path, [1, 2], "list.json")
    assert "one JSON/YAML object" in err.reason


def test_unknown_country_error_class_is_kept(tmp_path: Path) -> None:
    # The installation country is checked by the model; the class is the generic InputError
    # there (pydantic), but engine-side country errors keep their own class.
    data = base(electricity={"consumed_mwh": 10})
    lookups = FakeLookups()
    path = write(tmp_path, data)
    inst = load_installation(path)
    with pytest.raises(UnknownCountryError):
        lookups.grid_factor("QQ")
    assert compute_see(inst, lookups=lookups).processes[0].attributed_indirect > 0


def test_yaml_file(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    path = tmp_path / "inst.yaml"
    path.write_text(yaml.safe_dump(base(direct_emissions=0.1)), encoding="utf-8")
    inst = load_installation(path)
    # YAML floats keep their written digits (repr), never binary noise.
    assert str(inst.processes[0].direct_emissions) == "0.1"
    bad = tmp_path / "bad.yml"
    bad.write_text("installation: [unclosed", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_installation(bad)
    assert "YAML" in err.value.reason


def test_yaml_without_pyyaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = tmp_path / "inst.yaml"
    path.write_text(json.dumps(base()), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_installation(path)
    assert "PyYAML" in err.value.reason
