"""Reader of QReport v23.00 XML into the models of :mod:`cbam.formats.qreport.model`.

The file is parsed safely (no DTD, no entities, no network, libxml2's size limits; see
:mod:`cbam.formats.qreport.validate`) and streamed: :class:`QReportReader` gives the header,
then the imported goods one by one, dropping each from memory once converted. For files this
library wrote, writing what was read gives the same bytes (``write(read(x)) == x``).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import types
import typing
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, Union

from lxml import etree
from pydantic import ValidationError

from cbam.errors import InputError
from cbam.formats.qreport.model import (
    NAMESPACE,
    ImportedGood,
    QModel,
    QReport,
    QReportHeader,
)
from cbam.formats.qreport.validate import MAX_BYTES, SAFE_PARSER_OPTIONS, check_prolog

_NS = f"{{{NAMESPACE}}}"


# --- what each element holds -----------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(leaf type or model class, repeated?) of a field annotation."""
    repeated = False
    current = annotation
    while True:
        origin = typing.get_origin(current)
        if origin is typing.Annotated:
            current = typing.get_args(current)[0]
        elif origin in (Union, types.UnionType):
            current = next(a for a in typing.get_args(current) if a is not type(None))
        elif origin is list:
            repeated = True
            current = typing.get_args(current)[0]
        else:
            return current, repeated


@cache
def _fields(model: type[QModel]) -> dict[str, tuple[str, Any, bool]]:
    """Element name -> (field name, kind, repeated) for one model class."""
    out = {}
    for name, info in model.model_fields.items():
        kind, repeated = _unwrap(info.annotation)
        out[info.alias or name] = (name, kind, repeated)
    return out


def _local(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    if tag.startswith(_NS):
        return tag[len(_NS) :]
    return tag


def _path(element: Any) -> str:
    names = []
    node = element
    while node is not None:
        names.append(_local(node))
        node = node.getparent()
    return "/" + "/".join(reversed(names))


def _leaf(kind: Any, text: str) -> Any:
    if kind is str:
        return text
    value = text.strip()
    if kind is bool:
        if value in ("true", "1"):
            return True
        if value in ("false", "0"):
            return False
        raise ValueError(f"{value!r} is not a boolean (true/false)")
    if kind is int:
        return int(value)
    if kind is Decimal:
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{value!r} is not a decimal number") from None
    if kind is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if kind is dt.date:
        return dt.date.fromisoformat(value)
    if kind is bytes:
        try:
            return base64.b64decode("".join(value.split()), validate=True)
        except binascii.Error:
            raise ValueError("not base64") from None
    raise TypeError(f"no reader for {kind!r}")


def _convert(model: type[QModel], element: Any, source: str) -> Any:
    """The model of one element (recursively); errors name the line and element path."""
    fields = _fields(model)
    data: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue  # comments and processing instructions carry no data
        name = _local(child)
        found = fields.get(name)
        if found is None or not child.tag.startswith(_NS):
            raise InputError(
                f"unexpected element {name!r} in {_local(element)}",
                source=source,
                location=f"line {child.sourceline}, {_path(child)}",
                field=name,
            )
        field, kind, repeated = found
        if isinstance(kind, type) and issubclass(kind, QModel):
            value = _convert(kind, child, source)
        else:
            if len(child):
                raise InputError(
                    "a value element must not contain elements",
                    source=source,
                    location=f"line {child.sourceline}, {_path(child)}",
                    field=name,
                )
            try:
                value = _leaf(kind, child.text or "")
            except ValueError as exc:
                raise InputError(
                    str(exc),
                    source=source,
                    location=f"line {child.sourceline}, {_path(child)}",
                    field=name,
                ) from None
        if repeated:
            data.setdefault(field, []).append(value)
        elif field in data:
            raise InputError(
                f"element {name!r} appears more than once",
                source=source,
                location=f"line {child.sourceline}, {_path(child)}",
                field=name,
            )
        else:
            data[field] = value
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = "/".join(_element_path(model, first["loc"]))
        raise InputError(
            first["msg"],
            source=source,
            location=f"line {element.sourceline}, {_path(element)}",
            field=where or None,
        ) from None


def _element_path(model: type[QModel], loc: tuple[int | str, ...]) -> list[str]:
    names: list[str] = []
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            names[-1] += f"[{step + 1}]"
            continue
        info = current.model_fields.get(step) if current is not None else None
        names.append(info.alias or step if info is not None else str(step))
        kind = _unwrap(info.annotation)[0] if info is not None else None
        current = kind if isinstance(kind, type) and issubclass(kind, QModel) else None
    return names


# --- reading ---------------------------------------------------------------------------------


class QReportReader:
    """A QReport XML file read as a stream: :attr:`header`, then :meth:`goods`.

    >>> reader = QReportReader("report.xml")  # doctest: +SKIP
    >>> reader.header.reporting_period, sum(1 for _ in reader.goods())  # doctest: +SKIP
    """

    def __init__(self, path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path)
        self.source = str(self.path)
        if not self.path.is_file():
            raise InputError("the report file does not exist", source=self.source)
        refused = check_prolog(self.path, max_bytes=max_bytes)
        if refused is not None:
            line, reason = refused
            raise InputError(reason, source=self.source, location=f"line {line}" if line else None)
        self._events = etree.iterparse(self.source, events=("start", "end"), **SAFE_PARSER_OPTIONS)
        self._header: QReportHeader | None = None
        self._pending: QModel | None = None
        self._started = False

    def _next(self) -> tuple[str, Any] | None:
        try:
            return next(self._events)  # type: ignore[no-any-return]
        except StopIteration:
            return None
        except etree.XMLSyntaxError as exc:
            line = exc.position[0] if exc.position else None
            raise InputError(
                f"not well-formed XML: {exc.msg}",
                source=self.source,
                location=f"line {line}" if line else None,
            ) from None

    def _root_check(self, element: Any) -> None:
        if element.tag != f"{_NS}QReport":
            raise InputError(
                f"the root element is {element.tag!r}, not QReport of namespace {NAMESPACE}",
                source=self.source,
                location=f"line {element.sourceline}",
            )

    @property
    def header(self) -> QReportHeader:
        """The report's data before its goods (reads up to the first good)."""
        if self._header is None:
            root = None
            while True:
                item = self._next()
                if item is None:
                    break
                event, element = item
                if root is None:
                    self._root_check(element)
                    root = element
                    continue
                if event == "start" and element.tag == f"{_NS}ImportedGood":
                    self._started = True
                    break
            if root is None:
                raise InputError("the file holds no XML element", source=self.source)
            holder = etree.Element(root.tag)  # the header elements seen so far, not the good
            for child in root:
                if child.tag == f"{_NS}ImportedGood":
                    break
                holder.append(_copy(child))
            self._header = _convert(QReportHeader, holder, self.source)
        return self._header

    def goods(self) -> Iterator[ImportedGood]:
        """The imported goods in file order, each dropped from memory after conversion."""
        _ = self.header
        tag = f"{_NS}ImportedGood"
        if not self._started:
            return
        while True:
            item = self._next()
            if item is None:
                return
            event, element = item
            if event != "end" or element.tag != tag:
                continue
            good = _convert(ImportedGood, element, self.source)
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
            yield good


def _copy(element: Any) -> Any:
    """A detached deep copy keeping source lines (for error messages)."""
    import copy

    return copy.deepcopy(element)


def read_qreport(path: str | os.PathLike[str], *, max_bytes: int = MAX_BYTES) -> QReport:
    """Read a whole QReport XML file into a :class:`QReport` (goods held in memory).

    For very large reports use :class:`QReportReader` to stream the goods.

    Parameters
    ----------
    path : str or PathLike
        The QReport v23.00 XML file.
    max_bytes : int
        Files larger than this many bytes are refused without being parsed.

    Returns
    -------
    QReport
        The header and every imported good; quantities in t (MWh), emissions in t CO2e.

    Raises
    ------
    InputError
        Naming file, line and element path, for hostile (DTD, too large), malformed or invalid
        input.
    Examples
    --------
    >>> import tempfile, pathlib
    >>> from decimal import Decimal
    >>> import cbam
    >>> line = cbam.ImportLine(row=2, cn="72081000", country="TR", net_mass=Decimal("12.5"),
    ...                        year=2025, quarter=4)
    >>> built = cbam.build_qreport([line], "2025Q4", cbam.load_declarant("samples/declarant.json"))
    >>> path = cbam.write_qreport(built.report, pathlib.Path(tempfile.mkdtemp()) / "q.xml").path
    >>> good = cbam.read_qreport(path).imported_good[0]
    >>> good.commodity_code.cn_code, good.measure_imported.net_mass
    ('72081000', Decimal('12.5'))
    """
    reader = QReportReader(path, max_bytes=max_bytes)
    header = reader.header
    goods = list(reader.goods())
    data = {name: getattr(header, name) for name in QReportHeader.model_fields}
    try:
        return QReport.model_validate({**data, "imported_good": goods})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            first["msg"], source=str(path), field=".".join(str(p) for p in first["loc"])
        ) from None
