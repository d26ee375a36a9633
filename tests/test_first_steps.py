"""What users meet first (issue 16): the README's opening, install hints that work for a source
install, the notebook extra, the cost plot in EUR millions."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest

from cbam.errors import CbamError, install_hint

ROOT = Path(__file__).resolve().parent.parent


def test_readme_opens_with_title_paragraph_and_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = text.split("\n\n")
    assert blocks[0] == "# cbam"
    assert not blocks[1].startswith(("#", " ", "`"))  # one paragraph of prose
    commands = re.match(r"```console\n(.*?)\n```", blocks[2], re.DOTALL)
    assert commands is not None, blocks[2]
    first, second = commands.group(1).splitlines()
    assert first.startswith("pip install . && cbam assess samples/imports-2026.csv")
    assert second == "pip install '.[test]' && python -m pytest"
    assert "## Layout" in text  # the rest stays


def test_install_hints_work_for_a_source_install(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "pip install '.[pandas]'" in install_hint("pandas")
    assert "pip install 'cbam[pandas]'" in install_hint("pandas")
    import importlib

    from cbam.declaration import frames
    from cbam.yamlfile import INSTALL_HINT

    assert "pip install '.[yaml]'" in INSTALL_HINT
    real = importlib.import_module

    def missing(name: str, *args: object) -> object:
        if name == "pandas":
            raise ImportError(name)
        return real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(CbamError, match=re.escape("pip install '.[pandas]' in the cbam source")):
        frames.to_dataframe(None, "goods")  # type: ignore[arg-type]


def test_notebook_extra_runs_jupyter_nbconvert() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    notebook = " ".join(project["optional-dependencies"]["notebook"])
    for package in ("nbconvert", "ipykernel", "nbclient", "pandas", "matplotlib"):
        assert package in notebook, package


def test_cost_plot_axis_in_eur_millions() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from cbam.declaration.assess import assess
    from cbam.declaration.model import ImportLine

    result = assess(
        [
            ImportLine(
                row=2, cn="72081000", country="IN", net_mass=Decimal(1000), year=2026, quarter=1
            )
        ],
        2026,
    )
    ax = result.plot_cost_trajectory()
    assert ax.get_ylabel() == "certificate cost, EUR millions"
    heights = [bar.get_height() for bar in ax.patches]
    expected = [float(y.cost_eur) / 1e6 for y in result.trajectory]  # float-ok: a plot
    assert heights == pytest.approx(expected)
