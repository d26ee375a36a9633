"""Official sources -> packaged data files (run by ``cbam data import-...``).

One converter per source lives beside this module; this module only dispatches. Every
converter reads the official file as published, writes CSV files and a manifest entry
(source file, SHA-256, legal act, version date) and reports the source's own defects in
``docs/data-notes.md`` instead of copying them.
"""

from __future__ import annotations

from pathlib import Path

from cbam.errors import InputError
from cbam.reference.manifest import DATA_DIR, DatasetInfo

KINDS = ("defaults", "benchmarks", "cn-codes", "legal-annexes")


def _notes_path(out_dir: Path | None) -> Path:
    """Where the source-defect notes go: beside the data a user converts into ``--out``, else
    the project's ``docs/data-notes.md`` (a source checkout) or the packaged data folder."""
    from cbam.reference.convert_defaults import DATA_NOTES

    if out_dir is not None:
        return out_dir / "data-notes.md"
    return DATA_NOTES if DATA_NOTES.parent.is_dir() else DATA_DIR / "data-notes.md"


def _route_notes(out_dir: Path | None, notes: Path) -> None:
    """The default-value rows whose production route Column B does not decide: regenerated
    from the packaged data once both datasets are in place (not for a conversion into --out)."""
    if out_dir is None:
        from cbam.reference.routes import write_route_notes

        write_route_notes(notes)


def run_import(kind: str, source: Path, out_dir: Path | None = None) -> list[DatasetInfo]:
    """Convert ``source`` of the given kind into ``out_dir`` (default: the packaged data)."""
    data_dir = out_dir or DATA_DIR
    notes = _notes_path(out_dir)
    if not source.is_file():
        raise InputError("file not found", source=str(source))
    if kind == "defaults":
        from cbam.reference.convert_defaults import convert_default_values

        infos = [convert_default_values(source, data_dir, notes)]
        _route_notes(out_dir, notes)
        return infos
    if kind == "benchmarks":
        from cbam.reference.convert_benchmarks import convert_benchmarks

        infos = [convert_benchmarks(source, data_dir)]
        _route_notes(out_dir, notes)
        return infos
    if kind == "cn-codes":
        from cbam.reference.convert_cn_codes import convert_cn_codes

        return [convert_cn_codes(source, data_dir)]
    if kind == "legal-annexes":
        from cbam.reference.convert_defaults import convert_unknown_country_defaults
        from cbam.reference.convert_factors import convert_factors

        infos = list(convert_factors(source, data_dir))
        infos.append(convert_unknown_country_defaults(source, data_dir, notes))
        return infos
    raise InputError(f"unknown data kind {kind!r}; expected one of {', '.join(KINDS)}")
