"""Builders of the corpus's workbooks: plain ones by openpyxl, hostile ones by editing parts."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

XLSX_HEADER: list[object] = ["cn_code", "country", "net_mass", "import_date"]


def xlsx(path: Path, rows: list[list[object]], title: str | None = None) -> Path:
    """A workbook of one sheet holding ``rows``."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def rewrite(source: Path, target: Path, part: str, edit: Callable[[str], str]) -> Path:
    """A copy of ``source`` with the text of ``part`` changed by ``edit``."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = edit(data.decode("utf-8")).encode("utf-8")
            zout.writestr(info.filename, data)
    return target


def rewrite_sheet(source: Path, target: Path, edit: Callable[[str], str]) -> Path:
    return rewrite(source, target, "xl/worksheets/sheet1.xml", edit)


def with_dimension(source: Path, target: Path, ref: str) -> Path:
    """``source`` whose sheet claims the stored dimension ``ref`` (a stale one, say)."""
    return rewrite_sheet(
        source,
        target,
        lambda xml: re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>', xml),
    )


def billion_laughs_dtd() -> str:
    entities = ['<!ENTITY a "aaaaaaaaaa">']
    for i in range(1, 10):
        previous, name = chr(96 + i), chr(97 + i)
        entities.append(f'<!ENTITY {name} "{("&" + previous + ";") * 10}">')
    return "".join(entities)


def with_entity(tmp_path: Path, name: str, dtd: str, reference: str) -> Path:
    """A customs workbook whose sheet declares ``dtd`` and uses ``reference`` in cell A2."""
    plain = xlsx(tmp_path / "plain.xlsx", [XLSX_HEADER, ["72081000", "CN", 1, "2026-03-01"]])

    def edit(xml: str) -> str:
        xml = xml.replace("<worksheet", f"<!DOCTYPE worksheet [{dtd}]><worksheet", 1)
        return re.sub(
            r'<c r="A2"[^>]*>.*?</c>',
            f'<c r="A2" t="inlineStr"><is><t>{reference}</t></is></c>',
            xml,
        )

    return rewrite_sheet(plain, tmp_path / name, edit)


def zip_bomb(path: Path, member: str = "xl/worksheets/sheet1.xml", size_mb: int = 300) -> Path:
    """A valid workbook whose sheet part unpacks to ``size_mb`` MB (about 1:1000)."""
    plain = xlsx(path.with_name("plain-" + path.name), [XLSX_HEADER])
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info.filename, zin.read(info.filename))
        with zout.open(member, "w", force_zip64=True) as handle:
            block = b" " * (1024 * 1024)
            for _ in range(size_mb):
                handle.write(block)
    return path


def broken_workbook_xml(source: Path, target: Path) -> Path:
    """``source`` with its ``xl/workbook.xml`` cut in half (malformed XML)."""
    return rewrite(source, target, "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])
