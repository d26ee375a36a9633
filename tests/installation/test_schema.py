"""The packaged JSON Schema is the one the pydantic models generate, and it is usable."""

from __future__ import annotations

import json
from pathlib import Path

from cbam.installation import installation_json_schema

ROOT = Path(__file__).resolve().parents[2]


def test_schema_file_is_up_to_date() -> None:
    packaged = json.loads((ROOT / "schemas" / "installation.schema.json").read_text("utf-8"))
    assert packaged == installation_json_schema()


def test_schema_names_the_contract() -> None:
    schema = installation_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    assert set(schema["required"]) == {"installation", "processes"}
    defs = schema["$defs"]
    assert {"CombustionStream", "MassBalanceStream", "PfcSlopeStream", "Process"} <= set(defs)
    assert defs["Process"]["additionalProperties"] is False
    methods = {d["properties"]["method"]["const"] for n, d in defs.items() if n.endswith("Stream")}
    assert methods == {"combustion", "process", "mass_balance", "pfc_slope", "n2o"}
