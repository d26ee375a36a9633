"""One YAML reader for installation and declarant files (PyYAML optional)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from cbam.declaration.declarant import load_declarant
from cbam.errors import InputError
from cbam.installation import load_installation
from cbam.yamlfile import INSTALL_HINT, load_yaml


def test_reads_plain_data() -> None:
    pytest.importorskip("yaml")
    assert load_yaml("a: [1, x]\nb: {c: null}\n", source="f.yaml") == {
        "a": [1, "x"],
        "b": {"c": None},
    }


def test_syntax_error_names_file_line_and_column() -> None:
    pytest.importorskip("yaml")
    with pytest.raises(InputError) as err:
        load_yaml("a: 1\nb: [2\n", source="f.yaml")
    assert err.value.source == "f.yaml"
    assert err.value.location == "line 3, column 1"
    assert err.value.reason.startswith("not valid YAML: ")
    assert "\n" not in err.value.reason


def test_python_objects_are_not_built() -> None:
    pytest.importorskip("yaml")
    with pytest.raises(InputError):
        load_yaml("!!python/object/apply:os.system ['true']\n", source="f.yaml")


@pytest.mark.parametrize("loader", [load_installation, load_declarant])
def test_both_file_readers_give_the_same_hint_without_pyyaml(
    loader: Callable[[Path], object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = tmp_path / "file.yml"
    path.write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        loader(path)
    assert err.value.source == str(path)
    assert err.value.reason == INSTALL_HINT
    assert "pip install 'cbam[yaml]'" in INSTALL_HINT


def test_importing_the_readers_does_not_import_pyyaml() -> None:
    code = "import sys, cbam.yamlfile, cbam.installation; print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
