"""The manifest of packaged datasets: where each data file came from.

``data/manifest.json`` holds one entry per dataset: the official source file's name and SHA-256,
the legal act it implements, its version and date, and the generated files. Converters write
entries with :func:`record`; every lookup result names its :class:`DatasetInfo`.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from cbam.errors import ReferenceDataError
from cbam.files import write_text_atomic

DATA_DIR = Path(__file__).with_name("data")
MANIFEST = DATA_DIR / "manifest.json"


class DatasetInfo(BaseModel):
    """Provenance of one dataset, carried by every number looked up in it."""

    model_config = ConfigDict(frozen=True)

    id: str
    """Stable key, e.g. ``"default_values"``, ``"benchmarks"``, ``"grid_factors"``."""
    title: str
    legal_act: str
    """The act the values implement, e.g. ``"IR 2025/2621 Annex I"``."""
    version: str
    """The publisher's version label, e.g. ``"v1"``."""
    version_date: str
    """ISO date of that version."""
    source_file: str
    """File name of the official source the data was converted from."""
    sha256: str
    """SHA-256 of that source file."""
    files: tuple[str, ...] = ()
    """The generated data files (names under ``data/``); empty for a user-loaded workbook."""
    licence: str | None = None
    """Licence notice that travels with the values (IEA data in IR 2025/2621 Annexes II-III)."""

    @property
    def label(self) -> str:
        """One line for audit trails: ``IR 2025/2621 Annex I, v1 of 2026-02-04``."""
        return f"{self.legal_act}, {self.version} of {self.version_date}"


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@cache
def load_manifest() -> dict[str, DatasetInfo]:
    """All packaged datasets by id."""
    try:
        raw = json.loads(MANIFEST.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(
            f"cannot read the data manifest: {exc}", source=str(MANIFEST)
        ) from exc
    return {key: DatasetInfo.model_validate(entry) for key, entry in raw["datasets"].items()}


def dataset(dataset_id: str) -> DatasetInfo:
    """The packaged dataset ``dataset_id``; a clear error when the data was never generated."""
    try:
        return load_manifest()[dataset_id]
    except KeyError:
        raise ReferenceDataError(
            f"dataset {dataset_id!r} is not packaged; run 'cbam data import-...' to generate it",
            source=str(MANIFEST),
        ) from None


def record(info: DatasetInfo, data_dir: Path = DATA_DIR) -> None:
    """Add or replace ``info`` in the manifest of ``data_dir`` (used by the converters)."""
    manifest = data_dir / "manifest.json"
    try:
        raw = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raw = {"datasets": {}}
    raw["datasets"][info.id] = info.model_dump(mode="json")
    raw["datasets"] = dict(sorted(raw["datasets"].items()))
    write_text_atomic(manifest, json.dumps(raw, indent=2, ensure_ascii=False) + "\n")
    load_manifest.cache_clear()
