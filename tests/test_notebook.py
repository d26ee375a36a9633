"""Executable documentation: the what-if notebook and the Python examples of the docs.

The notebook ``docs/notebooks/what-if.ipynb`` is saved with its outputs (tables and plots) so
that a reader sees them on the code host without running anything. These tests check that

* the saved outputs are complete (every code cell run in order, no error, the plots present);
* the figures the notebook saved are the ones the library computes today (no stale outputs);
* the notebook executes from scratch with nbclient (extra ``notebook``; skipped when nbclient is
  missing unless ``CBAM_REQUIRE_NOTEBOOK=1``, as CI sets), and re-running it reproduces the
  saved text outputs;
* every ``python`` code block of README.md and the user guides runs.

After a change that moves the figures, regenerate the saved outputs with
``python tests/test_notebook.py`` (needs the extras ``pandas,plot,notebook``).
"""

from __future__ import annotations

import decimal
import importlib.util
import json
import os
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "notebooks" / "what-if.ipynb"
#: Documents whose ```python blocks are run as tests.
DOCUMENTS = ("README.md", "docs/guide-erp-developer.md", "docs/guide-analyst.md", "docs/faq.md")
MIN_PLOTS = 3
REGENERATE = "python tests/test_notebook.py"


# -- helpers -----------------------------------------------------------------------------------


def _require(*modules: str) -> None:
    """Skip when an optional module is missing, or fail when CBAM_REQUIRE_NOTEBOOK=1."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed: pip install '.[pandas,plot,notebook]'"
    if os.environ.get("CBAM_REQUIRE_NOTEBOOK") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _saved() -> dict[str, Any]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in notebook["cells"] if c["cell_type"] == "code"]


def _text(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "".join(value)


def _text_outputs(notebook: dict[str, Any]) -> list[list[str]]:
    """Per code cell, its printed and displayed text (images left out: their bytes vary)."""
    out = []
    for cell in _code_cells(notebook):
        texts = []
        for output in cell.get("outputs", []):
            if output["output_type"] == "stream" and output.get("name") == "stdout":
                texts.append(_text(output["text"]))
            data = output.get("data", {})
            if "text/plain" in data and "image/png" not in data:
                texts.append(_text(data["text/plain"]))
        out.append(texts)
    return out


def _images(notebook: dict[str, Any]) -> int:
    return sum(
        1
        for cell in _code_cells(notebook)
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    )


def _checks(notebook: dict[str, Any]) -> dict[str, Any]:
    """The JSON the notebook's last cell (tagged ``checks``) prints."""
    for cell in _code_cells(notebook):
        if "checks" in cell.get("metadata", {}).get("tags", []):
            printed = "".join(
                _text(o["text"]) for o in cell.get("outputs", []) if o["output_type"] == "stream"
            )
            return json.loads(printed)  # type: ignore[no-any-return]
    raise AssertionError("the notebook has no cell tagged 'checks'")


def execute(write: bool = False) -> dict[str, Any]:
    """Run the notebook in a fresh kernel from its own folder; optionally save it with outputs."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        record_timing=False,  # keep the saved file free of run-time noise
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    if write:
        nbformat.write(notebook, NOTEBOOK)
    return json.loads(nbformat.writes(notebook))  # type: ignore[no-any-return]


# -- the saved notebook (no extra needed) --------------------------------------------------------


def test_saved_notebook_ran_in_order_without_errors() -> None:
    cells = _code_cells(_saved())
    assert len(cells) >= 10
    counts = [c["execution_count"] for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"re-run it in order: {REGENERATE}"
    errors = [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert errors == []


def test_saved_notebook_has_its_plots() -> None:
    assert _images(_saved()) >= MIN_PLOTS


def test_saved_notebook_covers_the_three_questions() -> None:
    text = "\n".join(_text(c["source"]) for c in _saved()["cells"])
    for needle in (
        "cbam.assess(",
        "to_dataframe(",
        "plot_cost_trajectory(",
        '"low"',
        '"central"',
        '"high"',
        "cbam.cost_line(",
        "ORIGINS",
    ):
        assert needle in text, needle
    trajectory_table = next(t for t in _text_outputs(_saved()) if any("2034" in s for s in t))
    assert any("low" in s and "central" in s and "high" in s for s in trajectory_table)


def _central_prices() -> Any:
    """The notebook's central price path (2026 Q3/Q4 at 78 EUR, 80 EUR in 2027, +5 EUR a year)."""
    from cbam.reference import PriceTable

    prices = {"2026Q3": Decimal(78), "2026Q4": Decimal(78)}
    prices.update({f"{y}-W01": Decimal(80 + 5 * (y - 2027)) for y in range(2027, 2035)})
    return PriceTable(prices, source="what-if price path (assumption)")


def test_saved_figures_are_todays_figures() -> None:
    """The cost the notebook saved equals what the library computes now (else regenerate)."""
    import cbam

    samples = ROOT / "samples"
    lines = list(cbam.read_imports(samples / "imports-2026.csv", year=2026))
    suppliers = cbam.load_suppliers(samples / "suppliers", 2026)
    central = cbam.assess(lines, 2026, suppliers=suppliers, prices=_central_prices())
    defaults_only = cbam.assess(lines, 2026, prices=_central_prices())
    checks = _checks(_saved())
    hint = f"the saved notebook is stale: {REGENERATE}"
    assert checks["lines"] == central.lines == 300, hint
    assert Decimal(checks["cost_2026_central_eur"]) == round(central.totals.cost_eur, 2), hint
    assert Decimal(checks["cost_2034_eur"]["central"]) == round(
        central.trajectory[-1].cost_eur, 2
    ), hint
    saving = defaults_only.totals.cost_eur - central.totals.cost_eur
    assert saving > 0  # the suppliers' actual values are below the marked-up defaults
    assert Decimal(checks["saving_2026_eur"]) == round(saving, 2), hint
    low, mid, high = (Decimal(checks["cost_2034_eur"][k]) for k in ("low", "central", "high"))
    assert low < mid < high


def test_cheapest_origin_is_the_lowest_default_value() -> None:
    """The notebook's origin ranking: fewest certificates = lowest marked-up default value."""
    import cbam

    origins = ["CN", "IN", "KR", "TR", "UA", "VN", "BR", "US", "EG"]
    costs = {
        c: cbam.cost_line("7208 10 00", c, Decimal(1000), 2026, price=Decimal(78)) for c in origins
    }
    cheapest = min(origins, key=lambda c: costs[c].certificates)
    assert _checks(_saved())["cheapest_origin_2026"] == cheapest
    assert costs["EG"].country_used == "OTHER"  # no Annex I row: "other countries" applies


# -- executing the notebook (extra ``notebook``) ------------------------------------------------


@pytest.fixture(scope="module")
def executed() -> dict[str, Any]:
    _require("nbclient", "nbformat", "ipykernel", "pandas", "matplotlib")
    return execute()


def test_notebook_executes_and_draws_its_plots(executed: dict[str, Any]) -> None:
    cells = _code_cells(executed)
    assert all(c["execution_count"] is not None for c in cells)
    assert _images(executed) >= MIN_PLOTS


def test_executed_outputs_equal_the_saved_ones(executed: dict[str, Any]) -> None:
    assert _text_outputs(executed) == _text_outputs(_saved()), (
        f"the saved notebook is stale: {REGENERATE}"
    )


# -- Python examples in the docs ----------------------------------------------------------------

_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for name in DOCUMENTS:
        path = ROOT / name
        if not path.exists():
            continue
        for index, match in enumerate(_BLOCK.finditer(path.read_text(encoding="utf-8"))):
            found.append((name, index, match.group(1)))
    return found


def test_readme_has_a_python_example() -> None:
    readme = [b for b in _blocks() if b[0] == "README.md"]
    assert len(readme) == 1
    assert 10 <= readme[0][2].count("\n") <= 30  # "a ~20-line Python example"


@pytest.mark.parametrize(("document", "index", "source"), _blocks(), ids=lambda v: str(v)[:30])
def test_documented_python_runs(
    document: str, index: int, source: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each block runs as a reader would: in a folder holding a copy of ``samples/``."""
    if "to_dataframe" in source or "plot_" in source:
        _require("pandas", "matplotlib")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    if "matplotlib" in sys.modules or "plot_" in source:
        import matplotlib

        matplotlib.use("Agg")
    namespace: dict[str, Any] = {"__name__": f"doc_{index}"}
    with decimal.localcontext():  # a block may change the decimal context: keep it to itself
        exec(compile(source, f"{document} block {index}", "exec"), namespace)


if __name__ == "__main__":
    execute(write=True)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)}")
