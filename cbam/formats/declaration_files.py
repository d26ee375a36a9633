"""The annual declaration as files: ``declaration.json`` and ``declaration.xml``.

Both hold a whole :class:`~cbam.declaration.model.Assessment`, each figure rounded half up by
its rule (:mod:`cbam.declaration.rounding`: emissions over the period in whole tonnes, IR
2025/2547 Annex II A.1(6); SEE to at most 5 decimals, A.1(8); money to the cent; every other
figure to at most 6 decimals), written as plain decimals (no binary floating point on the way);
the audit trail's steps and ``lines.csv`` keep the exact figures. Their layout is the library's own,
documented in ``docs/declaration-format.md``. Neither is the CBAM Registry's format: the
Commission has published no schema for the annual declaration (Reg. (EU) 2023/956 Art. 6), and
both files say so in their first lines.

* JSON: the Assessment's fields under a small envelope (``format``, ``format_version``,
  ``registry_format: false``, ``notice``), written by :func:`cbam.jsonout.write_json`; read
  back by :func:`read_declaration_json` (which returns the rounded figures:
  :func:`cbam.declaration.rounding.rounded` of the assessment written).
* XML: namespace ``urn:cbam-py:declaration:2.0``, schema ``schemas/cbam-declaration-2.0.xsd``
  (shipped in the package). The file is written piece by piece into a temporary file (the
  goods and valuations as text, the rest as small lxml trees; both escaped by lxml), validated
  against the schema while streaming through it, and only then renamed into place: an invalid
  document is never left behind. :func:`read_declaration_xml` reads it back.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import IO, Any, cast
from xml.sax.saxutils import quoteattr

from lxml import etree
from pydantic import BaseModel, ConfigDict, ValidationError

from cbam.declaration import rounding
from cbam.declaration.audit import AuditStep
from cbam.declaration.model import Assessment, GoodResult, ValuationTrail
from cbam.errors import InputError
from cbam.files import atomic_path, atomic_text
from cbam.formats.xml_stream import StreamCheck, first_problem
from cbam.jsonout import decimal_text, write_json

NAMESPACE = "urn:cbam-py:declaration:2.0"
FORMAT = "cbam-py-declaration"
FORMAT_VERSION = "2.0"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "cbam-declaration-2.0.xsd"
NOTICE = (
    "Annual CBAM assessment written by the cbam Python library in its own documented format "
    f"({FORMAT} {FORMAT_VERSION}). This is NOT the CBAM Registry's declaration format: the "
    "European Commission has published no schema for the annual CBAM declaration. Figures are "
    "rounded half up: emissions over the period to whole tonnes (IR 2025/2547 Annex II A.1(6)), "
    "specific embedded emissions to at most 5 decimals (A.1(8)), money to the cent, other "
    "figures to at most 6 decimals; lines.csv and the audit trail keep the exact figures. "
    "Units: t (electricity in MWh, never added to tonnes), t CO2e, EUR."
)
_ENVELOPE = ("format", "format_version", "registry_format", "notice", "generator")


def _generator() -> str:
    from cbam import __version__  # late: cbam/__init__ may one day re-export this module

    return f"cbam {__version__}"


# -- JSON --------------------------------------------------------------------------------------


def write_declaration_json(assessment: Assessment, path: str | os.PathLike[str]) -> Path:
    """Write ``assessment`` as ``declaration.json`` (rounded figures, atomic); returns the path.

    Each figure is rounded by its rule (:mod:`cbam.declaration.rounding`); audit steps stay
    exact. The goods are rounded and written one at a time (:func:`cbam.jsonout.write_json`): a
    declaration of 100,000 goods is never held in memory as text.
    """
    target = Path(path)
    document: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "registry_format": False,
        "notice": NOTICE,
        "generator": _generator(),
    }
    document.update({name: getattr(assessment, name) for name in type(assessment).model_fields})
    if assessment.importer is None:  # the lines name no importer: the file of before
        del document["importer"]
    document.update(
        cscf=rounding.CSCF(assessment.cscf),
        totals=rounding.rounded_fields(assessment.totals, rounding.TOTALS),
        de_minimis=rounding.rounded_fields(assessment.de_minimis, rounding.DE_MINIMIS),
        goods=(rounding.rounded_fields(good, rounding.GOOD) for good in assessment.goods),
        quarters=[rounding.rounded_fields(q, rounding.QUARTER) for q in assessment.quarters],
        trajectory=[rounding.rounded_fields(y, rounding.YEAR) for y in assessment.trajectory],
        scenarios={k: rounding.SCENARIO_COST(v) for k, v in assessment.scenarios.items()},
        procedures={
            rule: rounding.rounded_fields(count, rounding.PROCEDURE)
            for rule, count in assessment.procedures.items()
        },
        carbon_price_reference=rounding.optional(
            rounding.REFERENCE_PRICE, assessment.carbon_price_reference
        ),
    )
    with atomic_text(target) as handle:
        write_json(document, handle)
        handle.write("\n")
    return target


def read_declaration_json(path: str | os.PathLike[str]) -> Assessment:
    """Read a ``declaration.json`` written by :func:`write_declaration_json`.

    The file holds rounded figures, and so does the Assessment returned
    (:func:`cbam.declaration.rounding.rounded` of the one written). Numbers are read as Decimals
    (never through float). A file of another format, broken JSON or a field that does not fit
    the model is an :class:`~cbam.errors.InputError` naming the file and the JSON path.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the declaration: {exc.strerror}", source=source) from None
    try:
        raw = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"not valid JSON: {exc.msg}", source=source, location=f"line {exc.lineno}"
        ) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise InputError(
            f"not a declaration of this library: the key 'format' must be {FORMAT!r}",
            source=source,
            field="format",
        )
    if str(raw.get("format_version")) != FORMAT_VERSION:
        raise InputError(
            f"format version {raw.get('format_version')!r} is not supported "
            f"(this library reads {FORMAT_VERSION})",
            source=source,
            field="format_version",
        )
    body = {k: v for k, v in raw.items() if k not in _ENVELOPE}
    return _validate(body, source)


def _validate(body: dict[str, Any], source: str) -> Assessment:
    try:
        return Assessment.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"])
        raise InputError(
            first["msg"], source=source, location=location.lstrip(".") or None
        ) from None


# -- XML: writing ------------------------------------------------------------------------------


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _element(name: str, **attributes: str) -> etree._Element:
    """A stand-alone element, built in memory and written by :func:`_piece`.

    Elements are built without a namespace: their text is written inside the root, whose
    default namespace they take (no declaration repeated on every good).
    """
    return etree.Element(name, attributes)


def _figure(value: Decimal) -> str:
    return decimal_text(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _leaf(parent: etree._Element, name: str, text: str | None) -> None:
    """Add ``<name>text</name>``; an absent (None) value adds nothing (minOccurs 0)."""
    if text is None:
        return
    etree.SubElement(parent, name).text = text


_Plan = tuple[tuple[str, str, "rounding.Rule | None"], ...]


def _plan(mapping: dict[str, str], rules: dict[str, rounding.Rule]) -> _Plan:
    """(element name, field, rounding rule or None) for each entry of ``mapping``."""
    return tuple((name, field, rules.get(field)) for name, field in mapping.items())


def _leaf_text(item: Any, rule: rounding.Rule | None) -> str:
    """The text of a present field: a figure rounded by its ``rule``, a flag, a count or a text."""
    if rule is not None:
        return decimal_text(rule(item))
    if item is True or item is False:
        return _flag(item)
    return item if type(item) is str else str(item)


def _leaves(parent: etree._Element, value: Any, plan: _Plan) -> None:
    """One child per entry of ``plan``, figures rounded by their rule; absent values omitted."""
    sub = etree.SubElement
    for name, field, rule in plan:
        item = getattr(value, field)
        if item is not None:
            sub(parent, name).text = _leaf_text(item, rule)


# -- XML: the goods and valuations as text -------------------------------------------------------
# They are nearly the whole file (100,000 goods: 150 MB), so they are written as text in the
# layout lxml gives the rest of the document (indented by two spaces a level), not built as
# trees: about twice as fast. Texts other than plain printable ASCII go through lxml, which
# escapes them -- or refuses them (control characters) -- exactly as for every other element.

#: Printable ASCII other than ``"``, ``&``, ``<`` and ``>``: lxml writes it as it is.
_PLAIN = re.compile(r"[ !#-%'-;=?-~]*")


def _xml_text(text: str) -> str:
    """``text`` as element content, escaped as lxml escapes it."""
    if _PLAIN.fullmatch(text):
        return text
    element = etree.Element("x")
    element.text = text
    return etree.tostring(element, encoding="unicode")[len("<x>") : -len("</x>")]


def _xml_attribute(text: str) -> str:
    """``text`` as a double-quoted attribute value, escaped as lxml escapes it."""
    if _PLAIN.fullmatch(text):
        return text
    written = etree.tostring(etree.Element("x", a=text), encoding="unicode")
    return written[len('<x a="') : -len('"/>')]


def _leaf_lines(pieces: list[str], value: Any, plan: _Plan, indent: str) -> None:
    """Append ``<Name>text</Name>`` at ``indent`` for each present field of ``plan``."""
    for name, field, rule in plan:
        item = getattr(value, field)
        if item is None:
            continue
        text = _leaf_text(item, rule)
        # A figure's text is digits, a sign and a point: nothing to escape.
        pieces.append(f"{indent}<{name}>{_xml_text(text) if rule is None else text}</{name}>")


def _step_lines(pieces: list[str], step: AuditStep, indent: str) -> None:
    """Append one audit step (``<Step>`` and its children) at ``indent``; figures exact."""
    inner = indent + "  "
    pieces.append(f"{indent}<Step>{inner}<Quantity>{_xml_text(step.quantity)}</Quantity>")
    if isinstance(step.value, Decimal):
        pieces.append(f"{inner}<Number>{_figure(step.value)}</Number>")
    elif step.value is not None:
        pieces.append(f"{inner}<Text>{_xml_text(step.value)}</Text>")
    for name, text in (("Rule", step.rule), ("Source", step.source), ("Note", step.note)):
        if text is not None:
            pieces.append(f"{inner}<{name}>{_xml_text(text)}</{name}>")
    pieces.append(f"{indent}</Step>")


def _steps_element(
    pieces: list[str], name: str, attributes: str, steps: Iterable[AuditStep], indent: str
) -> None:
    """Append element ``name`` (``attributes``: their text, with its leading space) holding
    ``steps``; without steps, ``<name/>`` as lxml writes an empty element."""
    inner: list[str] = []
    for step in steps:
        _step_lines(inner, step, indent + "  ")
    if inner:
        pieces += [f"{indent}<{name}{attributes}>", *inner, f"{indent}</{name}>"]
    else:
        pieces.append(f"{indent}<{name}{attributes}/>")


def _good_text(good: GoodResult) -> str:
    """One ``<Good>`` at depth 2: its figures rounded by their rule, its audit steps exact."""
    pieces = [f'\n    <Good key="{_xml_attribute(good.key)}">']
    _leaf_lines(pieces, good, _GOOD_PLAN, "\n      ")
    _steps_element(pieces, "Audit", "", good.audit, "\n      ")
    pieces.append("\n    </Good>")
    return "".join(pieces)


def _valuations_text(trails: Iterable[ValuationTrail]) -> str:
    """``<Valuations>`` at depth 1: each shared valuation's audit steps, exact."""
    pieces: list[str] = []
    for trail in trails:
        attributes = f' id="{_xml_attribute(trail.id)}"'
        _steps_element(pieces, "Valuation", attributes, trail.audit, "\n    ")
    if not pieces:
        return "\n  <Valuations/>"
    return "\n  <Valuations>" + "".join(pieces) + "\n  </Valuations>"


def _head_elements(assessment: Assessment) -> Iterator[etree._Element]:
    """Everything before ``Goods``, one small subtree at a time."""
    notice = _element("Notice")
    notice.text = NOTICE
    yield notice
    year = _element("ReportingYear")
    year.text = str(assessment.year)
    yield year
    declarant = _element("Declarant")
    for key, value in assessment.declarant.items():
        etree.SubElement(declarant, "Entry", key=key).text = value
    yield declarant
    if assessment.importer is not None:
        importer = _element("Importer")
        importer.text = assessment.importer
        yield importer
    cscf = _element("CSCF")
    cscf.text = _figure(rounding.CSCF(assessment.cscf))
    yield cscf
    count = _element("LineCount")
    count.text = str(assessment.lines)
    yield count

    totals = _element("Totals")
    _leaves(totals, assessment.totals, _plan(_TOTAL_FIELDS, rounding.TOTALS))
    yield totals
    de_minimis = _element("DeMinimis")
    _leaves(de_minimis, assessment.de_minimis, _plan(_DE_MINIMIS_FIELDS, rounding.DE_MINIMIS))
    yield de_minimis
    holding = _element("QuarterlyHolding")
    for q in assessment.quarters:
        quarter = etree.SubElement(holding, "Quarter", quarter=q.quarter)
        _leaves(quarter, q, _plan(_QUARTER_FIELDS, rounding.QUARTER))
    yield holding


def _tail_elements(assessment: Assessment) -> Iterator[etree._Element]:
    """Everything after ``Goods`` and ``Valuations``."""
    by_year = _element("CostByYear")
    rules = rounding.YEAR
    for y in assessment.trajectory:
        year = etree.SubElement(by_year, "Year", year=str(y.year))
        _leaves(year, y, _plan(_YEAR_FIGURES, rules))
        price = etree.SubElement(year, "Price", assumption=_flag(y.price_is_assumption))
        price.text = _leaf_text(y.price, rules["price"])
        _leaf(year, "CostEUR", _leaf_text(y.cost_eur, rules["cost_eur"]))
        _leaf(year, "PriceBasis", y.price_basis)
    yield by_year
    scenarios = _element("Scenarios")
    for price_text, cost in assessment.scenarios.items():
        etree.SubElement(scenarios, "Scenario", price=price_text).text = _figure(
            rounding.SCENARIO_COST(cost)
        )
    yield scenarios
    datasets = _element("Datasets")
    for key, label in assessment.datasets.items():
        etree.SubElement(datasets, "Dataset", key=key).text = label
    yield datasets
    notes = _element("Notes")
    for note in assessment.notes:
        etree.SubElement(notes, "Note").text = note
    yield notes
    for name, counts in (
        ("RouteBases", assessment.route_bases),
        ("BasisReasons", assessment.basis_reasons),
    ):
        element = _element(name)
        for key, count in counts.items():
            etree.SubElement(element, _q("Count"), key=key).text = str(count)
        yield element
    estimate = _element("Estimate")
    estimate.text = _flag(assessment.estimate)
    yield estimate
    yield from _obligation_elements(assessment)


def _obligation_elements(assessment: Assessment) -> Iterator[etree._Element]:
    """The price basis, the lines per customs-procedure rule, the carbon price reference."""
    basis = _element("PriceBasis")
    basis.text = assessment.price_basis
    yield basis
    procedures = _element("Procedures")
    for rule, count in assessment.procedures.items():
        procedure = etree.SubElement(procedures, "Procedure", rule=rule)
        _leaf(procedure, "Lines", str(count.lines))
        _leaf(procedure, "NetMass", _figure(rounding.PROCEDURE["net_mass"](count.net_mass)))
    yield procedures
    if assessment.carbon_price_reference is not None:
        reference = _element("CarbonPriceReference")
        reference.text = _figure(rounding.REFERENCE_PRICE(assessment.carbon_price_reference))
        yield reference


def _piece(element: etree._Element, depth: int) -> str:
    """The text of one subtree, indented for its ``depth`` in the document."""
    etree.indent(element, space="  ", level=depth)
    return "\n" + "  " * depth + etree.tostring(element, encoding="unicode")


def _write_xml_to(assessment: Assessment, out: IO[str]) -> None:
    """The document, one subtree at a time: a good's tree is built, written and dropped."""
    out.write("<?xml version='1.0' encoding='utf-8'?>\n")
    out.write(
        f"<Declaration xmlns={quoteattr(NAMESPACE)} formatVersion={quoteattr(FORMAT_VERSION)} "
        f'registryFormat="false" generator={quoteattr(_generator())}>'
    )
    comment = etree.Comment(" " + NOTICE.replace("--", "- -") + " ")
    out.write("\n  " + etree.tostring(comment, encoding="unicode"))
    for element in _head_elements(assessment):
        out.write(_piece(element, 1))
    out.write("\n  <Goods>")
    for good in assessment.goods:
        out.write(_good_text(good))
    out.write("\n  </Goods>")
    out.write(_valuations_text(assessment.valuations))
    for element in _tail_elements(assessment):
        out.write(_piece(element, 1))
    out.write("\n</Declaration>\n")


def write_declaration_xml(
    assessment: Assessment, path: str | os.PathLike[str], *, check: bool = True
) -> Path:
    """Write ``assessment`` as ``declaration.xml`` in the library's own schema; returns the path.

    The document is validated against ``cbam-declaration-2.0.xsd`` before it is renamed into
    place; when it does not validate (e.g. a country code the schema does not allow) nothing is
    written and an :class:`~cbam.errors.InputError` names the offending line and element.
    ``check=False`` leaves the check to the caller (:func:`check_declaration_xml`), who
    must not hand the file on before it has passed: the main job checks it in a second
    process while it writes the report, in a folder that is put in place only afterwards.
    """
    target = Path(path)
    with atomic_path(target) as tmp:
        try:
            with tmp.open("w", encoding="utf-8", newline="\n") as out:
                _write_xml_to(assessment, out)
        except ValueError as exc:  # lxml refuses control characters and the like
            raise InputError(
                f"a text of the assessment cannot be written as XML: {exc}", source=str(target)
            ) from None
        if check:
            check_declaration_xml(tmp, source=target)
    return target


def check_declaration_xml(
    path: str | os.PathLike[str], *, source: str | os.PathLike[str] | None = None
) -> None:
    """Raise :class:`~cbam.errors.InputError` naming the first schema problem of a declaration
    XML file (``source``: the name to give it in the message; default ``path``)."""
    problems = validate_declaration_xml(path)
    if problems:
        raise _schema_error(problems, source if source is not None else path)


def _schema_error(problems: list[XmlProblem], source: str | os.PathLike[str]) -> InputError:
    first = problems[0]
    # A check streaming through a large file learns of a problem only at the end: no line
    # (0), and the message names the element and the value.
    where = ([f"line {first.line}"] if first.line else []) + ([first.path] if first.path else [])
    return InputError(
        f"the declaration does not fit schema {SCHEMA_PATH.name}: {first.message}"
        + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""),
        source=str(source),
        location=", ".join(where) or None,
    )


# -- XML: validation ---------------------------------------------------------------------------


class XmlProblem(BaseModel):
    """One schema violation of a declaration XML."""

    model_config = ConfigDict(frozen=True)

    line: int
    path: str | None
    message: str


@cache
def declaration_schema() -> etree.XMLSchema:
    """The packaged ``cbam-declaration-2.0.xsd``, parsed once."""
    try:
        return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise InputError(
            f"the declaration schema cannot be loaded: {exc}", source=str(SCHEMA_PATH)
        ) from None


#: Above this size a declaration's schema problems are found while streaming through the file
#: (the first one only) instead of in a tree built in memory (all of them, with readable paths).
STREAM_VALIDATION_BYTES = 16_000_000


def validate_declaration_xml(path: str | os.PathLike[str]) -> list[XmlProblem]:
    """Schema problems of a declaration XML file (empty when valid).

    The file is checked while it streams through the parser, element by element, so memory
    stays small whatever the number of goods. When it is invalid and small enough, it is
    checked again as a tree to list every problem with a readable path; a large invalid file
    reports its first problem. A file that is not well-formed XML is one problem at its line.
    """
    try:
        first = _stream_validate(path)
    except OSError as exc:
        raise InputError(f"cannot read the declaration: {exc}", source=str(path)) from None
    if first is None:
        return []
    if os.path.getsize(path) > STREAM_VALIDATION_BYTES:
        return [first]
    return _tree_validate(path) or [first]


#: The elements dropped once validated while streaming through a declaration.
_STREAMED = (_q("Good"), _q("Valuation"), _q("Year"))


def _stream_validate(path: str | os.PathLike[str]) -> XmlProblem | None:
    """The first schema problem met while streaming through the file, or None."""
    found = first_problem(path, declaration_schema(), _STREAMED)
    return None if found is None else XmlProblem(line=found[0], path=None, message=found[1])


class DeclarationCheck:
    """The schema check of a written declaration XML file in a process of its own.

    For a file written with ``check=False`` (:func:`write_declaration_xml`): started at once;
    :meth:`result` raises the :class:`~cbam.errors.InputError` :func:`check_declaration_xml`
    would (its first problem), :meth:`stop` ends the process if it still runs.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._check: StreamCheck | None
        try:
            self._check = StreamCheck(path, SCHEMA_PATH, _STREAMED)
        except OSError:  # no Python to start (an embedded interpreter): checked in result()
            self._check = None

    def result(self) -> None:
        """Wait for the check; raise its first problem."""
        if self._check is None:
            check_declaration_xml(self.path)
            return
        try:
            found = self._check.result()
        except OSError as exc:
            raise InputError(f"cannot read the declaration: {exc}", source=str(self.path)) from None
        if found is not None:
            raise _schema_error([XmlProblem(line=found[0], path=None, message=found[1])], self.path)

    def stop(self) -> None:
        """End the check now if it still runs."""
        if self._check is not None:
            self._check.stop()


def _tree_validate(path: str | os.PathLike[str]) -> list[XmlProblem]:
    try:
        document = etree.parse(str(path))
    except etree.XMLSyntaxError as exc:
        return [XmlProblem(line=exc.lineno or 0, path=None, message=str(exc.msg))]
    schema = declaration_schema()
    if schema.validate(document):
        return []
    # lxml-stubs declare the error log empty; at run time it iterates over _LogEntry objects.
    entries = cast(Iterable[Any], schema.error_log)
    return [
        XmlProblem(
            line=error.line, path=_readable_path(document, error.path), message=error.message
        )
        for error in entries
    ]


def _readable_path(document: etree._ElementTree, path: str | None) -> str | None:
    """``/*/*[9]/*/*[3]`` -> ``Declaration/Goods/Good[key=...]/Country`` for the messages."""
    if not path:
        return None
    found = document.xpath(path)
    if not isinstance(found, list) or not found or not isinstance(found[0], etree._Element):
        return path
    steps = []
    for element in [found[0], *found[0].iterancestors()]:
        key = element.get("key") or element.get("quarter") or element.get("year")
        name = etree.QName(element).localname
        steps.append(f"{name}[{key}]" if key else name)
    return "/".join(reversed(steps))


# -- XML: reading ------------------------------------------------------------------------------


def _children(element: etree._Element) -> Iterator[etree._Element]:
    for child in element:
        if isinstance(child.tag, str):
            yield child


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _texts(element: etree._Element) -> dict[str, str]:
    return {_local(child): child.text or "" for child in _children(element)}


def _find(element: etree._Element, name: str) -> etree._Element:
    found = element.find(_q(name))
    if found is None:  # the schema makes this impossible once validated
        raise InputError(
            f"element {name} is missing", location=element.getroottree().getpath(element)
        )
    return found


def _fields(element: etree._Element, mapping: dict[str, str]) -> dict[str, Any]:
    """Model fields from child elements: ``mapping`` is element name -> field name."""
    texts = _texts(element)
    # An absent optional element is None (the schema has made sure required ones are there).
    return {field: texts.get(name) for name, field in mapping.items()}


_GOOD_FIELDS = {
    "CN": "cn",
    "Category": "category",
    "Country": "country",
    "CountryUsed": "country_used",
    "InstallationId": "installation_id",
    "Route": "route",
    "Basis": "basis",
    "RouteBasis": "route_basis",
    "BasisReason": "basis_reason",
    "Estimate": "estimate",
    "Lines": "lines",
    "NetMass": "net_mass",
    "SEEDirect": "see_direct",
    "SEEIndirect": "see_indirect",
    "IndirectCounted": "indirect_counted",
    "MarkUp": "markup",
    "SEEUsed": "see_used",
    "EmbeddedEmissions": "embedded_emissions",
    "Benchmark": "benchmark",
    "BenchmarkColumn": "benchmark_column",
    "SEFA": "sefa",
    "FreeAllocation": "free_allocation",
    "CarbonPriceDeduction": "carbon_price_deduction",
    "Certificates": "certificates",
    "CertificatesDefault": "certificates_default",
    "CostEUR": "cost_eur",
    "ProcedureRule": "procedure_rule",
    "DeclaredCN": "declared_cn",
    "Valuation": "valuation",
}
_TOTAL_FIELDS = {
    "NetMass": "net_mass",
    "ElectricityMWh": "electricity_mwh",
    "EmbeddedEmissions": "embedded_emissions",
    "FreeAllocation": "free_allocation",
    "CarbonPriceDeduction": "carbon_price_deduction",
    "Certificates": "certificates",
    "CostEUR": "cost_eur",
}
_DE_MINIMIS_FIELDS = {
    "ThresholdT": "threshold_t",
    "NetMassCounted": "net_mass_counted",
    "NetMassAlwaysInScope": "net_mass_always_in_scope",
    "ElectricityMWh": "electricity_mwh",
    "Exempt": "exempt",
    "Rule": "rule",
    "ExceededIn": "exceeded_in",
    "HoldingDueBy": "holding_due_by",
}
_QUARTER_FIELDS = {
    "EmbeddedEmissionsWithoutMarkUpToDate": "embedded_emissions_without_markup_to_date",
    "FreeAllocationToDate": "free_allocation_to_date",
    "Share": "share",
    "CertificatesToHold": "certificates_to_hold",
    "Basis": "basis",
    "DueBy": "due_by",
}
_YEAR_FIELDS = {
    "CBAMFactor": "cbam_factor",
    "EmbeddedEmissions": "embedded_emissions",
    "FreeAllocation": "free_allocation",
    "Certificates": "certificates",
    "Price": "price",
    "CostEUR": "cost_eur",
    "PriceBasis": "price_basis",
}
#: The figures of a year before its Price (an element with an attribute) and CostEUR.
_YEAR_FIGURES = {
    k: v for k, v in _YEAR_FIELDS.items() if k not in ("Price", "CostEUR", "PriceBasis")
}
_GOOD_PLAN = _plan(_GOOD_FIELDS, rounding.GOOD)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise InputError(f"{text!r} is not a decimal number") from None


def _audit_step(element: etree._Element) -> dict[str, Any]:
    texts = _texts(element)
    value: Decimal | str | None = None
    if "Number" in texts:
        value = _decimal(texts["Number"])
    elif "Text" in texts:
        value = texts["Text"]
    return {
        "quantity": texts["Quantity"],
        "value": value,
        "rule": texts.get("Rule"),
        "source": texts.get("Source"),
        "note": texts.get("Note"),
    }


def _good(element: etree._Element) -> dict[str, Any]:
    data = _fields(element, _GOOD_FIELDS)
    data["key"] = element.get("key")
    data["audit"] = [_audit_step(step) for step in _children(_find(element, "Audit"))]
    return data


def _entries(element: etree._Element) -> dict[str, str]:
    return {str(child.get("key")): child.text or "" for child in _children(element)}


def _optional_text(root: etree._Element, name: str) -> str | None:
    found = root.find(_q(name))
    return None if found is None else found.text


def read_declaration_xml(path: str | os.PathLike[str]) -> Assessment:
    """Read a ``declaration.xml`` of this library back into an :class:`Assessment`.

    The file holds rounded figures, and so does the Assessment returned
    (:func:`cbam.declaration.rounding.rounded` of the one written).

    The file is validated against the schema first; problems are an
    :class:`~cbam.errors.InputError` naming the file and line.
    """
    source = str(path)
    problems = validate_declaration_xml(path)
    if problems:
        first = problems[0]
        raise InputError(
            f"not a valid {FORMAT} {FORMAT_VERSION} document: {first.message}",
            source=source,
            location=f"line {first.line}",
        )
    root = etree.parse(source).getroot()

    def each(name: str) -> Iterator[etree._Element]:
        return _children(_find(root, name))

    body: dict[str, Any] = {
        "year": _find(root, "ReportingYear").text,
        "declarant": _entries(_find(root, "Declarant")),
        "importer": _optional_text(root, "Importer"),
        "cscf": _find(root, "CSCF").text,
        "lines": _find(root, "LineCount").text,
        "totals": _fields(_find(root, "Totals"), _TOTAL_FIELDS),
        "de_minimis": _fields(_find(root, "DeMinimis"), _DE_MINIMIS_FIELDS),
        "quarters": [
            {"quarter": q.get("quarter"), **_fields(q, _QUARTER_FIELDS)}
            for q in each("QuarterlyHolding")
        ],
        "goods": [_good(g) for g in each("Goods")],
        "valuations": [
            {"id": v.get("id"), "audit": [_audit_step(step) for step in _children(v)]}
            for v in each("Valuations")
        ],
        "trajectory": [
            {
                "year": y.get("year"),
                "price_is_assumption": _find(y, "Price").get("assumption"),
                **_fields(y, _YEAR_FIELDS),
            }
            for y in each("CostByYear")
        ],
        "scenarios": {str(s.get("price")): s.text for s in each("Scenarios")},
        "datasets": _entries(_find(root, "Datasets")),
        "notes": [n.text or "" for n in each("Notes")],
    }
    for name, field in (("RouteBases", "route_bases"), ("BasisReasons", "basis_reasons")):
        found = root.find(_q(name))
        if found is not None:
            body[field] = _entries(found)
    flag = root.find(_q("Estimate"))
    if flag is not None:
        body["estimate"] = flag.text
    body.update(_obligations(root))
    return _validate(body, source)


def _obligations(root: etree._Element) -> dict[str, Any]:
    """The price basis, lines per procedure rule and carbon price reference, where present."""
    found: dict[str, Any] = {}
    basis = root.find(_q("PriceBasis"))
    if basis is not None:
        found["price_basis"] = basis.text or ""
    procedures = root.find(_q("Procedures"))
    if procedures is not None:
        found["procedures"] = {
            str(p.get("rule")): {
                "lines": _find(p, "Lines").text,
                "net_mass": _find(p, "NetMass").text,
            }
            for p in _children(procedures)
        }
    reference = root.find(_q("CarbonPriceReference"))
    if reference is not None:
        found["carbon_price_reference"] = reference.text
    return found
