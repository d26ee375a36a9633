"""A blank communication template addressed to a supplier, and reading the address back.

``cbam suppliers request`` sends each supplier a copy of the user's blank official template
with what the importer knows filled in, written with the care of ``cbam template fill``:

1. :func:`cbam.formats.template.fill.fill_template` writes the reporting period (IR 2025/2547
   Art. 7) and the installation's country (the origin of the goods) into A_InstData -- the
   filler's own rules apply: formulas kept, text as text, the blank only read;
2. the CN codes bought go into the "CN Codes" column of Summary_Products (never a formula cell;
   the supplier adds the production process of each);
3. one sheet of the library's own, :data:`SHEET` (``CBAM_Request``), is added after the
   template's sheets: who asks (name, EORI number, address, contact), for which reporting period,
   by when, and the goods with their net mass. The template's own sheets, names, validations
   and formats stay as the Commission made them (appended last, no sheet index moves).

Nothing the supplier must fill in is written: no emissions, no activity level, no process, no
verifier. The workbook is written to a temporary file and renamed into place.

:func:`read_request` reads the sheet back from a workbook: a template that comes back filled
still names the request it answers, and ``cbam template read`` recognises a workbook that is
blank but addressed.

>>> LABELS["reference"]
'Request reference / 請求編號'
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from cbam import __version__
from cbam.codes import format_cn
from cbam.declaration.supplier_plan import SupplierRequest
from cbam.errors import InputError
from cbam.files import atomic_path
from cbam.formats.template import layout as lay
from cbam.formats.template.book import SUPPORTED_MAJOR, open_workbooks
from cbam.formats.template.fill import _rewrite_sheet, _sheet_parts, fill_template
from cbam.formats.template.plan import Value
from cbam.formats.workbook import sheet_text

#: The sheet the library adds to a request template.
SHEET = "CBAM_Request"

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
_WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

#: The labels of the request sheet (English / Traditional Chinese), by key.
LABELS: dict[str, str] = {
    "reference": "Request reference / 請求編號",
    "requested_by": "Requested by (importer) / 請求方（進口商）",
    "eori": "EORI number / EORI 號碼",
    "address": "Address / 地址",
    "contact": "Contact / 聯絡人",
    "email": "E-mail / 電子郵件",
    "telephone": "Telephone / 電話",
    "period_start": "Reporting period start / 報告期間開始",
    "period_end": "Reporting period end / 報告期間結束",
    "reply_by": "Reply by / 回覆期限",
    "declaration_due": "Importer's CBAM declaration due / 進口商 CBAM 申報截止日",
    "origin": "Country of origin / 原產國",
}
#: The columns of the goods table of the request sheet.
GOODS_HEADER = (
    "CN code / CN 編碼",
    "Description / 品名",
    "Country of origin / 原產國",
    "Net mass (t) / 淨重（公噸）",
    "Customs lines / 報關項數",
    "Reporting period / 報告期間",
)
_INTRO = (
    "CBAM data request / CBAM 排放數據請求",
    "This workbook is the European Commission's communication template for installations, "
    "sent by the importer named below. Please fill in sheets A to E and Summary_Products for "
    "the installation that produced the goods listed here, for the reporting period given, "
    "have the data verified by an accredited verifier, and return the workbook by the date "
    "below. Please keep this sheet: it tells the importer which request the workbook answers.",
    "本活頁簿為歐盟執委會之「設施通訊範本」，由下列進口商寄送。請就生產下列貨品之設施，填寫工作表"
    " A 至 E 及 Summary_Products，資料須涵蓋下列報告期間，並經認可之查證機構查證，於下列期限前寄回"
    "本活頁簿。請保留本工作表：進口商據此辨識本活頁簿所回覆之請求。",
)

Cell = str | Decimal | int | None


def request_rows(request: SupplierRequest) -> list[list[Cell]]:
    """The rows of the request sheet: the introduction, who asks, when, and the goods.

    >>> from decimal import Decimal
    >>> import datetime as dt
    >>> request = SupplierRequest(rank=1, reference="TW-1", kind="installation",
    ...     importer={"name": "Importer GmbH"}, reporting_year=2026,
    ...     reply_by=dt.date(2027, 6, 30), declaration_due=dt.date(2027, 9, 30), origin="TW",
    ...     goods=(), certificates_default=Decimal(0), cost_default_eur=Decimal(0))
    >>> request_rows(request)[4]
    ['Request reference / 請求編號', 'TW-1']
    """
    facts = request.importer
    pairs: list[tuple[str, Cell]] = [
        ("reference", request.reference),
        ("requested_by", facts.get("name")),
        ("eori", facts.get("eori")),
        ("address", facts.get("address")),
        ("contact", facts.get("contact")),
        ("email", facts.get("email")),
        ("telephone", facts.get("telephone")),
        ("period_start", request.period_start.isoformat()),
        ("period_end", request.period_end.isoformat()),
        ("reply_by", request.reply_by.isoformat()),
        ("declaration_due", request.declaration_due.isoformat()),
        ("origin", request.origin),
    ]
    rows: list[list[Cell]] = [[_INTRO[0]], [_INTRO[1]], [_INTRO[2]], []]
    rows += [[LABELS[key], value] for key, value in pairs if value is not None]
    rows += [[], list(GOODS_HEADER)]
    for good in request.goods:
        rows.append(
            [
                format_cn(good.cn),
                good.description,
                good.country,
                good.net_mass,
                good.lines,
                f"{good.reporting_year}-01-01 to {good.reporting_year}-12-31",
            ]
        )
    rows += [[], [f"Prepared with cbam {__version__} on {dt.date.today().isoformat()}"]]
    return rows


def _sheet_xml(rows: list[list[Cell]]) -> bytes:
    """A plain worksheet of the rows: text as inline strings (never a formula), numbers."""
    namespaces = {None: _MAIN, "r": _REL}
    root = etree.Element(f"{{{_MAIN}}}worksheet", nsmap=namespaces)  # type: ignore[arg-type]
    views = etree.SubElement(root, f"{{{_MAIN}}}sheetViews")
    etree.SubElement(views, f"{{{_MAIN}}}sheetView", workbookViewId="0")
    etree.SubElement(root, f"{{{_MAIN}}}sheetFormatPr", defaultRowHeight="15")
    cols = etree.SubElement(root, f"{{{_MAIN}}}cols")
    for index, width in enumerate((46, 60, 22, 22, 16, 28), start=1):
        etree.SubElement(
            cols, f"{{{_MAIN}}}col", min=str(index), max=str(index), width=str(width),
            customWidth="1",
        )  # fmt: skip
    data = etree.SubElement(root, f"{{{_MAIN}}}sheetData")
    for number, values in enumerate(rows, start=1):
        row = etree.SubElement(data, f"{{{_MAIN}}}row", r=str(number))
        for col, value in enumerate(values):
            if value is None:
                continue
            ref = f"{'ABCDEF'[col]}{number}"
            cell = etree.SubElement(row, f"{{{_MAIN}}}c", r=ref)
            if isinstance(value, Decimal | int):
                etree.SubElement(cell, f"{{{_MAIN}}}v").text = format(Decimal(value), "f")
                continue
            cell.set("t", "inlineStr")
            text = etree.SubElement(etree.SubElement(cell, f"{{{_MAIN}}}is"), f"{{{_MAIN}}}t")
            text.text = sheet_text(value)
            text.set(_XML_SPACE, "preserve")
    etree.SubElement(
        root, f"{{{_MAIN}}}pageMargins", left="0.7", right="0.7", top="0.75", bottom="0.75",
        header="0.3", footer="0.3",
    )  # fmt: skip
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def _next_number(names: list[str], prefix: str, suffix: str = "") -> int:
    numbers = [
        int(n[len(prefix) : len(n) - len(suffix)])
        for n in names
        if n.startswith(prefix)
        and n.endswith(suffix)
        and n[len(prefix) : len(n) - len(suffix)].isdigit()
    ]
    return max(numbers, default=0) + 1


def _add_sheet(parts: dict[str, bytes], sheet_xml: bytes) -> None:
    """Append the request sheet to a workbook package (workbook, relations, content types)."""
    if SHEET in _names(parts["xl/workbook.xml"]):
        raise InputError(f"the blank template already has a sheet {SHEET!r}", field="template")
    number = _next_number(list(parts), "xl/worksheets/sheet", ".xml")
    part = f"xl/worksheets/sheet{number}.xml"
    parts[part] = sheet_xml
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    ids = [str(r.get("Id")) for r in rels]
    rel_id = f"rId{_next_number(ids, 'rId')}"
    etree.SubElement(
        rels, f"{{{_PKG_REL}}}Relationship", Id=rel_id, Type=_WORKSHEET,
        Target=str(PurePosixPath(part).relative_to("xl")),
    )  # fmt: skip
    parts["xl/_rels/workbook.xml.rels"] = _xml(rels)
    book = etree.fromstring(parts["xl/workbook.xml"])
    sheets = book.find(f"{{{_MAIN}}}sheets")
    assert sheets is not None
    sheet_ids = [int(str(s.get("sheetId"))) for s in sheets]
    entry = etree.SubElement(sheets, f"{{{_MAIN}}}sheet", name=SHEET)
    entry.set("sheetId", str(max(sheet_ids, default=0) + 1))
    entry.set(f"{{{_REL}}}id", rel_id)
    parts["xl/workbook.xml"] = _xml(book)
    types = etree.fromstring(parts["[Content_Types].xml"])
    etree.SubElement(types, f"{{{_CT}}}Override", PartName=f"/{part}", ContentType=_WORKSHEET_CT)
    parts["[Content_Types].xml"] = _xml(types)


def _names(workbook_xml: bytes) -> list[str]:
    book = etree.fromstring(workbook_xml)
    return [str(s.get("name")) for s in book.iter(f"{{{_MAIN}}}sheet")]


def _xml(root: Any) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


class RequestTemplates:
    """Writes request templates from one blank official template (see the module notes).

    The blank is checked and its Summary_Products layout found once; the period and country
    are filled by :func:`~cbam.formats.template.fill.fill_template` once per distinct pair and
    reused. Use as a context manager (its temporary files are removed at the end).

    Parameters
    ----------
    blank : str or Path
        The user's blank official communication template (v2.x); only read.

    Examples
    --------
    ``reference_dir`` is the folder of the official sources (``../shared/reference``).

    >>> import tempfile, datetime as dt
    >>> from decimal import Decimal
    >>> from cbam.declaration.supplier_plan import RequestedGood
    >>> request = SupplierRequest(rank=1, reference="TW-FAST-001", kind="installation",
    ...     importer={"name": "Importer GmbH"}, reporting_year=2026,
    ...     reply_by=dt.date(2027, 6, 30), declaration_due=dt.date(2027, 9, 30), origin="TW",
    ...     goods=(RequestedGood(cn="73181542", description="screws", country="TW",
    ...     net_mass=Decimal("12.5"), lines=2, reporting_year=2026),),
    ...     certificates_default=Decimal(0), cost_default_eur=Decimal(0))
    >>> blank = reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx"
    >>> out = Path(tempfile.mkdtemp()) / "request.xlsx"
    >>> with RequestTemplates(blank) as templates:
    ...     templates.write(request, out)
    >>> read_request(out)["reference"], read_request(out)["goods"][0]["net_mass"]
    ('TW-FAST-001', Decimal('12.5'))
    """

    def __init__(self, blank: str | Path) -> None:
        self.blank = Path(blank)
        source = str(self.blank)
        shown, raw = open_workbooks(self.blank)
        try:
            grids = lay.grids(shown, raw, source)
            version = lay.version_of(grids["0_Versions"])
            if version.split(".")[0] != SUPPORTED_MAJOR:
                raise InputError(
                    f"communication template version {version} is not supported (2.x only)",
                    source=source,
                    location="sheet 0_Versions",
                    field="version",
                )
            if SHEET in shown.sheetnames:
                raise InputError(
                    f"the template already has a sheet {SHEET!r}: give the blank official "
                    "template, not a request already made from it",
                    source=source,
                )
            summary = lay.summary_layout(grids["Summary_Products"])
        finally:
            shown.close()
            raw.close()
        self.cn_rows = summary.rows
        self.cn_col = summary.cols["cn"]
        self._folder = Path(tempfile.mkdtemp(prefix="cbam-request-"))
        self._bases: dict[tuple[str | None, int], Path] = {}

    def __enter__(self) -> RequestTemplates:
        return self

    def __exit__(self, *_exc: object) -> None:
        shutil.rmtree(self._folder, ignore_errors=True)

    def _base(self, origin: str | None, year: int) -> Path:
        """The blank with the period and country filled in (made once per pair)."""
        found = self._bases.get((origin, year))
        if found is None:
            data: dict[str, Any] = {
                "reporting_period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
                "processes": [],
            }
            if origin is not None:
                data["installation"] = {"country": origin}
            found = self._folder / f"base-{len(self._bases)}.xlsx"
            fill_template(data, self.blank, found)
            self._bases[(origin, year)] = found
        return found

    def write(self, request: SupplierRequest, out: str | Path) -> None:
        """Write the request template of one supplier to ``out`` (replaced atomically)."""
        codes = list(dict.fromkeys(good.cn for good in request.goods))
        if len(codes) > len(self.cn_rows):
            raise InputError(
                f"{len(codes)} CN codes bought from {request.reference}; Summary_Products of the "
                f"template has {len(self.cn_rows)} rows",
                field="cn_code",
            )
        cells: dict[tuple[int, int], Value] = {
            (row, self.cn_col): cn for row, cn in zip(self.cn_rows, codes, strict=False)
        }
        base = self._base(request.origin, request.reporting_year)
        with zipfile.ZipFile(base) as source:
            infos = source.infolist()
            parts = {info.filename: source.read(info.filename) for info in infos}
            summary_part = _sheet_parts(source)["Summary_Products"]
        try:
            parts[summary_part] = _rewrite_sheet(parts[summary_part], cells)
        except InputError as exc:
            raise exc.located(
                source=str(self.blank), location=f"sheet Summary_Products, {exc.location}"
            ) from None
        names = [info.filename for info in infos]
        _add_sheet(parts, _sheet_xml(request_rows(request)))
        with atomic_path(out) as tmp, zipfile.ZipFile(tmp, "w") as dest:
            for info in infos:
                dest.writestr(info, parts[info.filename], compress_type=zipfile.ZIP_DEFLATED)
            for name in parts:
                if name not in names:
                    dest.writestr(name, parts[name], compress_type=zipfile.ZIP_DEFLATED)


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_request(path: str | Path) -> dict[str, Any] | None:
    """The request a workbook answers (its :data:`SHEET` sheet), or None when it has none.

    Parameters
    ----------
    path : str or Path
        A communication template.

    Returns
    -------
    dict or None
        ``reference`` (the supplier's key), ``requested_by``, ``eori``, ``address``,
        ``contact``, ``email``, ``telephone``, ``period_start``, ``period_end``, ``reply_by``,
        ``declaration_due``, ``origin`` (texts, where given) and ``goods`` (``cn``,
        ``description``, ``country``, ``net_mass`` in t, ``lines``, ``reporting_period``).

    Examples
    --------
    >>> read_request(reference_dir / "xlsx" / "communication-template-v2.1.1-blank.xlsx")
    """
    from cbam.xlsxfile import open_workbook, reading

    file = Path(path)
    book = open_workbook(file, data_only=True, source=str(file))
    try:
        if SHEET not in book.sheetnames:
            return None
        with reading(str(file), f"sheet {SHEET}"):
            rows = [list(row) for row in book[SHEET].iter_rows(values_only=True)]
    finally:
        book.close()
    by_label = {label.split(" / ")[0]: key for key, label in LABELS.items()}
    found: dict[str, Any] = {}
    goods: list[dict[str, Any]] = []
    in_goods = False
    for row in rows:
        first = _text(row[0]) if row else None
        if first is None:
            continue
        if first == GOODS_HEADER[0]:
            in_goods = True
            continue
        if in_goods:
            if first.startswith("Prepared with cbam"):
                break
            goods.append(_good_row(row))
            continue
        key = by_label.get(first.split(" / ")[0])
        if key is not None and len(row) > 1 and _text(row[1]) is not None:
            found[key] = _text(row[1])
    if "reference" not in found:
        return None
    found["goods"] = goods
    return found


def _good_row(row: list[Any]) -> dict[str, Any]:
    cells = [*row, *([None] * 6)][:6]
    cn, description, country, mass, lines, period = cells
    try:
        net_mass: Decimal | None = Decimal(str(mass)) if mass is not None else None
    except ArithmeticError:
        net_mass = None
    return {
        "cn": (_text(cn) or "").replace(" ", ""),
        "description": _text(description),
        "country": _text(country),
        "net_mass": net_mass,
        "lines": int(lines) if isinstance(lines, int | float) else None,
        "reporting_period": _text(period),
    }


__all__ = ["GOODS_HEADER", "LABELS", "SHEET", "RequestTemplates", "read_request", "request_rows"]
