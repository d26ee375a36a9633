"""The ``cbam`` command line: argument parsing and printing only.

Exit codes (interfaces.md section 2): 0 success, 1 invalid input (the message names file,
row or cell, field and reason), 2 usage error. ``--json`` prints exactly one JSON document on
stdout. Calculation lives in the library; this module only calls it and shows the result.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cbam import __version__
from cbam.errors import CbamError, InputError, clip
from cbam.files import refuse_overwrite, supplier_files
from cbam.jsonout import decimal_text, dumps

if TYPE_CHECKING:
    from cbam.declaration.model import Assessment, DeMinimis
    from cbam.job import ImportersRun

Handler = Callable[[argparse.Namespace], "Output"]


class Output:
    """What a command produced: a JSON document and the readable text shown without --json."""

    def __init__(self, document: Any, text: str, code: int = 0) -> None:
        self.document = document
        self.text = text
        self.code = code


# --- printing helpers -----------------------------------------------------------------------


class Fixed(str):
    """A number already formatted for display (kept right-aligned in tables)."""

    __slots__ = ()


def fixed(value: Decimal, places: int) -> Fixed:
    """``value`` rounded half-up to ``places`` decimals with thousands separators."""
    from cbam.declaration.certificates import round_half_up

    return Fixed(f"{round_half_up(value, places):,.{places}f}")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain aligned text table (numbers right-aligned)."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [
        all(isinstance(row[i], int | Decimal | Fixed) or row[i] is None for row in rows)
        and bool(rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def key_values(pairs: Sequence[tuple[str, Any]]) -> str:
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{k.ljust(width)}  {_cell(v)}" for k, v in pairs)


# --- progress ----------------------------------------------------------------------------------


class Progress:
    """Stage messages on stderr for long work, only when stderr is a terminal (interfaces.md §2).

    Scripts and CI, whose stderr is a file or a pipe, see nothing; stdout stays the one document.
    """

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._clock()
        self.enabled = sys.stderr.isatty()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = self._clock() - self._start
            print(f"[{elapsed:6.1f} s] {message}", file=sys.stderr, flush=True)


# --- commands -------------------------------------------------------------------------------


def cmd_defaults(args: argparse.Namespace) -> Output:
    from cbam.declaration.valuation import choose_default
    from cbam.reference import load_defaults_workbook

    table_ = load_defaults_workbook(args.defaults_workbook) if args.defaults_workbook else None
    value, choice = choose_default(
        args.cn, args.country, args.year, route=args.route, defaults_table=table_
    )
    document = value.summary(args.year)
    document.update(
        {"benchmark_route": choice.route, "route_basis": choice.basis, "route_note": choice.note}
    )
    text = key_values([(k, v) for k, v in document.items() if k != "dataset_sha256"])
    return Output(document, text)


class BadOptionValue(CbamError):
    """An option's value is invalid input (exit 1 naming the option), not a usage error."""


class _Parser(argparse.ArgumentParser):
    """argparse, with a bad option *value* reported as invalid input naming the option."""

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except BadOptionValue as exc:
            option = max(action.option_strings, key=len, default=action.dest)
            raise exc.located(field=option) from None


def _years(text: str) -> list[int]:
    """``2026`` or a range ``2026-2034``, checked (2026-2100) before any list is made."""
    from cbam.values import FIRST_YEAR, LAST_YEAR

    first, _, last = text.partition("-")
    digits = re.compile(r"[0-9]{1,12}")
    if not digits.fullmatch(first) or (last and not digits.fullmatch(last)):
        raise BadOptionValue(f"a year is Y or a range Y1-Y2, got {clip(text, 40)!r}")
    start = int(first)
    end = int(last) if last else start
    if not FIRST_YEAR <= start <= end <= LAST_YEAR:
        raise BadOptionValue(
            f"{text!r}: the years are {FIRST_YEAR}-{LAST_YEAR}, a range from the first to the last"
        )
    return list(range(start, end + 1))


def _decimal(text: str) -> Decimal:
    """A figure in plain decimal notation within the library's range (:mod:`cbam.values`)."""
    from cbam.values import parse_figure

    try:
        value = parse_figure(text, "value", required=True, negative=True)
    except CbamError as exc:
        raise BadOptionValue(exc.reason) from None
    assert value is not None
    return value


def _installation_value(args: argparse.Namespace, year: int) -> Any:
    """The --installation file's values for the line (its process making --cn), or None."""
    if args.installation is None:
        if args.process is not None:
            raise InputError("--process needs --installation", field="process")
        return None
    if args.see_direct is not None or args.see_indirect is not None:
        raise InputError(
            "give the actual values either with --installation or with --see-direct, not both",
            field="installation",
        )
    from cbam.codes import validate_cn
    from cbam.formats.installation_files import installation_value

    return installation_value(args.installation, validate_cn(args.cn), year, process=args.process)


def cmd_cost(args: argparse.Namespace) -> Output:
    from cbam.declaration.cost import cost_line
    from cbam.reference import PriceTable, load_defaults_workbook

    table_ = load_defaults_workbook(args.defaults_workbook) if args.defaults_workbook else None
    prices = PriceTable.from_csv(Path(args.prices)) if args.prices else None
    results = [
        cost_line(
            args.cn,
            args.country,
            args.mass,
            year,
            route=args.route,
            price=args.price,
            prices=prices,
            see_direct=args.see_direct,
            see_indirect=args.see_indirect,
            benchmark_a=args.benchmark_a,
            cscf=args.cscf,
            carbon_price_deduction=args.carbon_price_deduction,
            defaults_table=table_,
            supplier=_installation_value(args, year),
            clinker_content=args.clinker_content,
            nitrogen_content=args.nitrogen_content,
        )
        for year in args.year
    ]
    summaries = [r.summary() for r in results]
    rows = [
        (
            r.year,
            r.basis,
            r.see_used,
            r.embedded_emissions,
            r.free_allocation,
            r.certificates,
            r.price,
            s["cost_eur"],
        )
        for r, s in zip(results, summaries, strict=True)
    ]
    headers = ["year", "basis", "SEE used", "embedded", "free alloc.", "certificates", "price"]
    text = table([*headers, "cost EUR"], rows)
    notes = sorted({step.note for r in results for step in r.audit if step.note})
    notes += sorted({f"price basis {r.year}: {r.price_basis}" for r in results if r.price_basis})
    if notes:
        text += "\n\nnotes:\n" + "\n".join(f"- {n}" for n in notes)
    document: Any = summaries[0] if len(summaries) == 1 else {"years": summaries}
    return Output(document, text)


#: How the goods table of ``cbam assess`` marks what a customs procedure made of a good.
_RULE_TAGS = {
    "returned goods": "returned, zero",
    "inward processing": "{basis}, IP",
    "outward processing": "{basis}, OP",
}


def _basis_text(basis: str, rule: str) -> str:
    """``default``, ``actual``, ``default, IP`` (inward processing), ``returned, zero`` ..."""
    return _RULE_TAGS.get(rule, "{basis}").format(basis=basis)


def cmd_assess(args: argparse.Namespace) -> Output:
    from cbam.formats.imports import export_format
    from cbam.job import ImportersRun, YearOptions, run_assess

    export = export_format(args.columns, args.mass_unit, True if args.decimal_comma else None)
    options = YearOptions(
        price=args.price,
        purchase_plan=args.purchase_plan,
        price_basis=args.price_basis,
        previous_surrender=args.previous_surrender,
        exchange_rates=args.exchange_rates,
        default_carbon_prices=args.default_carbon_prices,
        carbon_prices_paid=args.carbon_prices_paid,
    )

    run = run_assess(
        args.imports,
        args.year,
        args.out,
        suppliers=args.suppliers,
        declarant=args.declarant,
        prices=args.prices,
        cscf=args.cscf,
        scenario_prices=args.scenario_price or (),
        defaults_workbook=args.defaults_workbook,
        progress=Progress(),
        accept_unverified=args.accept_unverified,
        sheet=args.sheet,
        export=export,
        options=options,
    )
    if isinstance(run, ImportersRun):
        return Output(run.summary(), _importers_text(run))
    text = _assessment_text(run.assessment)
    text += "\n\nwrote: " + ", ".join(str(p) for p in run.outputs)
    return Output(run.summary(), text)


def _assessment_text(assessment: Assessment) -> str:
    """The screen of one assessment: a row per good, the totals, counts, de minimis, notes."""
    from cbam.goods import is_electricity

    totals = assessment.totals
    rows: list[tuple[Any, ...]] = []
    for g in assessment.goods:
        mass = fixed(g.net_mass, 3)
        electricity = is_electricity(g.cn)
        rows.append(
            (
                g.cn,
                g.country,
                g.installation_id or "-",
                _basis_text(g.basis, g.procedure_rule),
                None if electricity else mass,
                mass if electricity else None,
                fixed(g.embedded_emissions, 0),
                fixed(g.free_allocation, 0),
                fixed(g.certificates, 2),
                fixed(g.cost_eur, 2),
            )
        )
    rows.append(
        (
            "TOTAL",
            "",
            "",
            "",
            fixed(totals.net_mass, 3),
            fixed(totals.electricity_mwh, 3),
            fixed(totals.embedded_emissions, 0),
            fixed(totals.free_allocation, 0),
            fixed(totals.certificates, 2),
            fixed(totals.cost_eur, 2),
        )
    )
    text = table(
        [
            "CN",
            "origin",
            "installation",
            "basis",
            "net mass t",
            "electricity MWh",
            "embedded t",
            "free alloc. t",
            "certificates",
            "cost EUR",
        ],
        rows,
    )
    if assessment.estimate:
        text = (
            "ESTIMATE: actual values without a satisfactory verification or of another "
            "reporting period were used (--accept-unverified); not for the declaration\n\n" + text
        )
    text += "\n\nroute_basis (lines): " + ", ".join(
        f"{k} {v}" for k, v in assessment.route_bases.items()
    )
    text += "\nbasis_reason (lines): " + ", ".join(
        f"{k} {v}" for k, v in assessment.basis_reasons.items()
    )
    text += "\n\nde minimis: " + _de_minimis_text(assessment.de_minimis)
    if assessment.price_basis:
        text += "\nprice basis: " + assessment.price_basis
    if assessment.notes:
        text += "\n\nnotes:\n" + "\n".join(f"- {n}" for n in assessment.notes)
    return text


def _de_minimis_text(dm: DeMinimis) -> str:
    counted, threshold = fixed(dm.net_mass_counted, 3), fixed(dm.threshold_t, 0)
    return f"{counted} t counted against {threshold} t -> " + (
        "EXEMPT (hydrogen and electricity stay in scope)" if dm.exempt else "in scope"
    )


def _importers_text(run: ImportersRun) -> str:
    """The screen of a file of several importers: each importer's screen, then a table of the
    importers with their totals and de minimis status and the totals over all."""
    document = run.summary()
    parts = []
    for one in run.importers:
        assessment = one.assessment
        folder = one.outputs[0].parent
        parts.append(
            f"== importer {assessment.importer} ({assessment.lines} lines) -> {folder}\n\n"
            + _assessment_text(assessment)
        )
    rows: list[tuple[Any, ...]] = []
    for one in run.importers:
        t, dm = one.assessment.totals, one.assessment.de_minimis
        rows.append(
            (
                one.assessment.importer,
                one.assessment.lines,
                fixed(t.net_mass, 3),
                fixed(t.electricity_mwh, 3),
                fixed(t.certificates, 2),
                fixed(t.cost_eur, 2),
                "EXEMPT" if dm.exempt else "in scope",
            )
        )
    t = document["totals"]
    rows.append(
        (
            "TOTAL",
            document["lines"],
            fixed(t["net_mass"], 3),
            fixed(t["electricity_mwh"], 3),
            fixed(t["certificates"], 2),
            fixed(t["cost_eur"], 2),
            "",
        )
    )
    headers = ["importer", "lines", "net mass t", "electricity MWh", "certificates", "cost EUR"]
    summary = table([*headers, "de minimis"], rows)
    parts.append(
        f"== {len(run.importers)} importers (the de minimis threshold applies to each, "
        "Reg. (EU) 2023/956 Art. 2a(1))\n\n" + summary
    )
    folders = ", ".join(f"{one.outputs[0].parent}/" for one in run.importers)
    return "\n\n".join(parts) + f"\n\nwrote the four files of each importer into: {folders}"


def cmd_qreport(args: argparse.Namespace) -> Output:
    from cbam.formats.qreport import qreport_command

    refuse_overwrite(
        [Path(args.output)],
        [
            args.imports,
            args.declarant,
            args.xsd,
            args.installations,
            *supplier_files(args.suppliers),
        ],
    )
    document = qreport_command(
        args.imports,
        args.period,
        args.declarant,
        args.output,
        suppliers=args.suppliers,
        xsd=args.xsd,
        installations=args.installations,
    )
    notes = document.get("notes") or []
    text = key_values([(k, v) for k, v in document.items() if k != "notes"])
    if isinstance(notes, list) and notes:
        text += "\n\nnotes:\n" + "\n".join(f"- {n}" for n in notes)
    return Output(document, text)


def cmd_validate(args: argparse.Namespace) -> Output:
    from cbam.formats.validate import validate_file

    result = validate_file(args.report, xsd=args.xsd)
    against = f" against the {result.schema} schema ({result.xsd})" if result.schema else ""
    if args.xsd is not None:
        against = f" against the XSD {args.xsd}"
    if result.valid:
        text = f"{args.report}: valid{against}"
    else:
        lines = [f"{args.report}: INVALID{against}"]
        for e in result.errors:
            where = f"line {e['line']}: " if e["line"] is not None else ""
            lines.append(f"  {where}{e['path']}: {e['message']}")
        more = result.error_count - len(result.errors)
        if more > 0:
            lines.append(
                f"  ... and {more} more errors (the first {len(result.errors)} are listed)"
            )
        text = "\n".join(lines)
    return Output(result.summary(), text, 0 if result.valid else 1)


def _data_import(args: argparse.Namespace) -> Output:
    from cbam.reference import convert

    out_dir = Path(args.out) if args.out else None
    infos = convert.run_import(args.kind, Path(args.source), out_dir)
    rows = [(i.id, i.label, ", ".join(i.files), i.sha256[:16]) for i in infos]
    document = {"datasets": [i.model_dump(mode="json") for i in infos]}
    return Output(document, table(["dataset", "version", "files", "source sha256"], rows))


def cmd_data_info(args: argparse.Namespace) -> Output:
    from cbam.reference.manifest import load_manifest

    infos = list(load_manifest().values())
    rows = [(i.id, i.label, i.source_file, i.sha256[:16]) for i in infos]
    document = {"datasets": [i.model_dump(mode="json") for i in infos]}
    return Output(document, table(["dataset", "version", "source file", "sha256"], rows))


def cmd_see(args: argparse.Namespace) -> Output:
    from cbam.formats.installation_files import see_report

    document = see_report(Path(args.installation), year=args.year)

    from cbam.declaration.certificates import round_half_up

    def see(value: Decimal) -> Decimal:
        # IR 2025/2547 Annex II A.1(8): SEE with at most 5 decimals when reported.
        return round_half_up(value, 5).normalize()

    rows = [
        (
            p["id"],
            p["good"],
            p["activity_level"],
            see(p["see_direct"]),
            see(p["see_indirect"]),
            see(p["see_total"]),
        )
        for p in document["processes"]
    ]
    text = table(
        ["process", "good", "activity level", "SEE direct", "SEE indirect", "SEE total"], rows
    )
    for note in document.get("differences", []):
        text += f"\nDIFFERS FROM WORKBOOK: {note}"
    return Output(document, text)


def cmd_template_read(args: argparse.Namespace) -> Output:
    from cbam.declaration.certificates import round_see
    from cbam.formats.template import read_template

    def see(value: Decimal | None) -> Decimal | None:
        # IR 2025/2547 Annex II A.1(8): SEE with at most 5 decimals when reported.
        return None if value is None else round_see(value).normalize()

    book = read_template(Path(args.workbook))
    document = book.to_json_dict()
    if book.blank:
        return Output(document, _blank_text(book.version, book.request))
    if not book.calculated:
        raise InputError(
            "the workbook's own results were never calculated (a template written by `cbam "
            "template fill`, or by another program, and not yet opened and saved in a "
            "spreadsheet program), so it has no SEE to read: open it in Excel or LibreOffice and "
            "save it, or recalculate it with `soffice --headless --convert-to xlsx --outdir "
            f"DIR {args.workbook}`; `cbam see {args.workbook}` computes the SEE from its inputs",
            source=str(args.workbook),
        )
    rows = [
        (s["cn"], see(s["see_direct"]), see(s["see_indirect"]))
        for s in document["workbook_summary"]
    ]
    return Output(document, table(["CN", "SEE direct", "SEE indirect"], rows))


def _blank_text(version: str, request: dict[str, Any] | None) -> str:
    """What ``cbam template read`` says of a template without any production process."""
    text = f"blank communication template (version {version}): no production process is filled in"
    if request is None:
        return text + "; nothing to read yet"
    text += "\naddressed to a supplier by cbam suppliers request (sheet CBAM_Request):\n"
    goods = ", ".join(
        f"{g['cn']} {g['country'] or ''} {decimal_text(g['net_mass']) if g['net_mass'] else '?'} t"
        for g in request.get("goods", [])
    )
    pairs = [
        ("reference", request.get("reference")),
        ("requested by", request.get("requested_by")),
        ("EORI", request.get("eori")),
        ("contact", request.get("contact")),
        ("reporting period", f"{request.get('period_start')} to {request.get('period_end')}"),
        ("reply by", request.get("reply_by")),
        ("origin", request.get("origin")),
        ("goods", goods or None),
    ]
    return text + key_values([(k, v) for k, v in pairs if v is not None])


def cmd_template_fill(args: argparse.Namespace) -> Output:
    from cbam.formats.template import fill_template
    from cbam.installation import load_installation

    refuse_overwrite([Path(args.output)], [args.installation, args.template])
    installation = load_installation(Path(args.installation))
    notes = fill_template(installation, Path(args.template), Path(args.output))
    text = f"wrote {args.output} (Excel and LibreOffice calculate its formulas when they open it)"
    if notes:
        text += "\n\nleft for you to choose in the workbook:\n" + "\n".join(f"- {n}" for n in notes)
    return Output({"path": str(args.output), "notes": notes}, text)


def _plan_text(found: Any) -> str:
    """The ranked suppliers as a table, with the totals and the rules behind the figures."""
    from cbam.formats.supplier_files import PLAN_COLUMNS, plan_row

    headers = ["#", "supplier", "kind", "origin", "CN codes", "lines", "net mass t"]
    headers += ["cert. default", "cost default EUR", "cert. now", "cost now EUR"]
    headers += ["saving at BM cert.", "saving at BM EUR", "break-even SEE"]
    assert len(headers) == len(PLAN_COLUMNS)
    rows = []
    for row in found.suppliers:
        values = plan_row(row)
        for col in (6, 7, 9, 11):
            values[col] = None if values[col] is None else fixed(values[col], 3)
        for col in (8, 10, 12):
            values[col] = None if values[col] is None else fixed(values[col], 2)
        if values[13] is None and len(row.goods) > 1:
            values[13] = "per good (--json)"
        rows.append(values)
    totals = found.totals()
    rows.append(
        ["", "TOTAL", "", "", "", sum(r.lines for r in found.suppliers),
         fixed(totals["net_mass"], 3), fixed(totals["certificates_default"], 3),
         fixed(totals["cost_default_eur"], 2), fixed(totals["certificates_now"], 3),
         fixed(totals["cost_now_eur"], 2), None, fixed(totals["saving_at_benchmark_eur"], 2),
         None]
    )  # fmt: skip
    text = table(headers, rows)
    return text + "\n\nnotes:\n" + "\n".join(f"- {n}" for n in found.notes)


def cmd_suppliers_plan(args: argparse.Namespace) -> Output:
    from cbam.suppliers import plan

    found = plan(
        args.imports, args.year, suppliers=args.suppliers, prices=args.prices, sheet=args.sheet
    )
    document = found.summary()
    text = _plan_text(found)
    if args.xlsx:
        from cbam.formats.supplier_files import write_plan_xlsx

        refuse_overwrite([Path(args.xlsx)], [args.imports, *supplier_files(args.suppliers)])
        write_plan_xlsx(found, args.xlsx)
        document["outputs"] = [str(args.xlsx)]
        text += f"\n\nwrote: {args.xlsx}"
    return Output(document, text)


def cmd_suppliers_request(args: argparse.Namespace) -> Output:
    from cbam.suppliers import request

    run = request(
        args.imports,
        args.year,
        template=args.template,
        declarant=args.declarant,
        out=args.out,
        top=args.top,
        reply_by=args.reply_by,
        suppliers=args.suppliers,
        prices=args.prices,
        sheet=args.sheet,
        progress=Progress(),
    )
    rows = [
        (r.rank, r.reference, ", ".join(sorted({g.cn for g in r.goods})), fixed(r.net_mass, 3),
         fixed(r.cost_default_eur, 2), r.reply_by.isoformat(), template)
        for r, template, _ in run.requests
    ]  # fmt: skip
    text = table(
        ["#", "supplier", "CN codes", "net mass t", "cost default EUR", "reply by", "template"],
        rows,
    )
    if run.skipped:
        text += "\n\nnot requested:\n" + "\n".join(f"- {k}: {v}" for k, v in run.skipped.items())
    text += f"\n\nwrote {len(run.outputs)} files into {args.out} (tracker.xlsx lists every request)"
    return Output(run.summary(), text)


def cmd_suppliers_status(args: argparse.Namespace) -> Output:
    from cbam.formats.supplier_files import status_rows
    from cbam.suppliers import status

    found = status(args.imports, args.year, args.suppliers, prices=args.prices, sheet=args.sheet)
    document = found.summary()
    rows = []
    for values in status_rows(found):
        rank, key, state, files, lines, covered, answered, mass, mass_cov = values[:9]
        rows.append((rank, key, state, files, f"{covered}/{answered}/{lines}", fixed(mass_cov, 3),
                     fixed(mass, 3), fixed(values[12], 3), fixed(values[13], 2)))  # fmt: skip
    text = table(
        ["#", "supplier", "state", "files", "lines usable/answered/all", "net mass usable t",
         "net mass t", "cert. saved", "EUR saved"],
        rows,
    )  # fmt: skip
    c = found.coverage
    text += (
        f"\n\ncoverage by usable actual data: net mass {fixed(c.net_mass_covered, 3)} of "
        f"{fixed(c.net_mass, 3)} t ({fixed(c.net_mass_share * 100, 1)} %), embedded emissions "
        f"{fixed(c.embedded_emissions_covered, 0)} of {fixed(c.embedded_emissions, 0)} t CO2e "
        f"({fixed(c.embedded_emissions_share * 100, 1)} %)\nanswered (usable or not): net mass "
        f"{fixed(c.net_mass_answered, 3)} t ({fixed(c.net_mass_answered_share * 100, 1)} %)"
        "\nsaved so far: "
        f"{fixed(c.certificates_saved, 3)} certificates, EUR {fixed(c.cost_saved_eur, 2)}; "
        f"{c.suppliers_answered} of {c.suppliers} named suppliers answered, "
        f"{c.suppliers_covered} fully covered"
    )
    missing = [f"- {r.key}: {m}" for r in found.suppliers for m in r.missing]
    if missing:
        text += "\n\nstill missing:\n" + "\n".join(missing)
    if args.xlsx:
        from cbam.formats.supplier_files import write_status_xlsx

        refuse_overwrite([Path(args.xlsx)], [args.imports, *supplier_files(args.suppliers)])
        write_status_xlsx(found, args.xlsx)
        document["outputs"] = [str(args.xlsx)]
        text += f"\n\nwrote: {args.xlsx}"
    return Output(document, text)


# --- parser ---------------------------------------------------------------------------------


def _add_obligation_options(p: argparse.ArgumentParser) -> None:
    """The options of prices, last year's surrender and carbon prices paid (``cbam assess``)."""
    group = p.add_argument_group(
        "prices and obligations",
        "2026 is priced at the quarter of importation (Art. 21(1a)); from 2027 the certificates "
        "cost what they cost when bought: give a price, a purchase plan or a price path",
    )
    group.add_argument("--price", type=_decimal, help="flat certificate price, EUR (2027 on)")
    group.add_argument("--purchase-plan", help="CSV date,certificates[,price_eur]: purchases")
    group.add_argument(
        "--price-basis",
        choices=("path", "import-week"),
        help="path: mean of --prices over the purchase window; import-week: the weekly price "
        "of each line's import week (an approximation)",
    )
    group.add_argument(
        "--previous-surrender",
        help="CSV year,cn_code,country,certificates,net_mass: certificates surrendered for the "
        "year two years back (quarterly holding basis (b), Art. 22(2)(b))",
    )
    group.add_argument(
        "--exchange-rates", help="CSV currency,year,per_eur: yearly average rates (Art. 9(5))"
    )
    group.add_argument(
        "--default-carbon-prices",
        help="CSV country,year,price_eur: the Commission's default carbon prices (Art. 9(4))",
    )
    group.add_argument(
        "--carbon-prices-paid",
        help="CSV installation_id,cn_code,paid_per_t,currency,year,rebate_per_t,evidence,"
        "certifier: carbon prices paid per installation (Art. 9)",
    )


def _year(text: str) -> int:
    from cbam.values import parse_year

    try:
        return parse_year(text)
    except CbamError as exc:
        raise BadOptionValue(exc.reason) from None


def _cost_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``cbam cost`` options."""
    p = sub.add_parser("cost", parents=[common], help="certificates and cost of one import line")
    p.add_argument("--cn", required=True, help="CN code of the good")
    p.add_argument("--country", required=True, help="country of origin, ISO 3166-1 alpha-2")
    p.add_argument(
        "--mass", required=True, type=_decimal, help="net mass in t (MWh for electricity)"
    )
    p.add_argument("--year", required=True, type=_years, help="import year, or a range 2026-2034")
    p.add_argument("--route", help="production route letter (A)...(L) of the line")
    p.add_argument(
        "--price", type=_decimal, help="certificate price in EUR (else the known prices)"
    )
    p.add_argument("--prices", help="price table CSV (period,price_eur) extending the known prices")
    p.add_argument("--see-direct", type=_decimal, help="supplier's actual direct SEE, t CO2e/t")
    p.add_argument("--see-indirect", type=_decimal, help="supplier's actual indirect SEE, t CO2e/t")
    p.add_argument(
        "--benchmark-a", type=_decimal, help="benchmark for actual data (Column A+prec.)"
    )
    p.add_argument(
        "--installation",
        help="installation file or filled template: actual values, route and precursors of the "
        "process making --cn",
    )
    p.add_argument("--process", help="the process id in --installation (where several make --cn)")
    p.add_argument("--clinker-content", type=_decimal, help="clinker share 0-1 (cement)")
    p.add_argument("--nitrogen-content", type=_decimal, help="nitrogen share 0-1 (fertilisers)")
    p.add_argument("--cscf", type=_decimal, default=Decimal(1), help="cross-sectoral correction")
    p.add_argument(
        "--carbon-price-deduction",
        type=_decimal,
        default=Decimal(0),
        help="certificates deducted for a carbon price paid abroad (Art. 9), t CO2e",
    )
    p.add_argument("--defaults-workbook", help="a newer official default-value workbook")
    p.set_defaults(handler=cmd_cost)


def _assess_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """The ``cbam assess`` options."""
    p = sub.add_parser("assess", parents=[common], help="the main job: a year of customs lines")
    p.add_argument("imports", help="customs lines: CSV, XLSX or Parquet (see docs for the columns)")
    p.add_argument("--year", required=True, type=_year, help="the assessed (import) year")
    p.add_argument("--out", required=True, help="folder for the outputs")
    p.add_argument("--suppliers", help="folder of installation files / communication templates")
    p.add_argument("--declarant", help="declarant file (JSON/YAML)")
    p.add_argument("--prices", help="price table CSV (period,price_eur) extending the known prices")
    p.add_argument("--cscf", type=_decimal, default=Decimal(1), help="cross-sectoral correction")
    p.add_argument(
        "--scenario-price",
        type=_decimal,
        action="append",
        help="also cost the certificates at this price (EUR); repeatable",
    )
    p.add_argument("--defaults-workbook", help="a newer official default-value workbook")
    _add_obligation_options(p)
    p.add_argument(
        "--accept-unverified",
        action="store_true",
        help="use actual values without a satisfactory verification or of another reporting "
        "period; every output then says the figures are an ESTIMATE",
    )
    p.add_argument("--sheet", help="the sheet of an XLSX customs file (default: first visible)")
    p.add_argument(
        "--columns",
        metavar="MAP.json",
        help='the export\'s own headers: {"cn_code": "Warennummer", "net_mass": "Nettomasse '
        '(kg)", ...} (library column -> header); only the mapped columns are read',
    )
    p.add_argument(
        "--mass-unit",
        choices=("t", "kg"),
        help="unit of net_mass in the file (kg: divided by 1000 exactly); also read from a "
        "header such as 'Net mass (kg)'",
    )
    p.add_argument(
        "--decimal-comma",
        action="store_true",
        help="figures are written 1.234,56 (a ';' file whose figures all do so is detected)",
    )
    p.set_defaults(handler=cmd_assess)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="cbam",
        description="EU CBAM: default values, embedded emissions, certificates, declarant files.",
    )
    parser.add_argument("--version", action="version", version=f"cbam {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("defaults", parents=[common], help="look up a default value (IR 2025/2621)")
    p.add_argument(
        "--cn", required=True, help="CN code: 72081000, '7208 10 00', 7208.10.00 or TARIC"
    )
    p.add_argument("--country", required=True, help="country of origin, ISO 3166-1 alpha-2")
    p.add_argument("--year", type=_year, default=2026, help="import year (mark-up), default 2026")
    p.add_argument(
        "--route", help="production route indicator (A)...(L) where the code has several"
    )
    p.add_argument(
        "--defaults-workbook",
        help="a newer official default-value workbook to use instead of the packaged one",
    )
    p.set_defaults(handler=cmd_defaults)

    _cost_parser(sub, common)
    _assess_parser(sub, common)

    p = sub.add_parser("qreport", parents=[common], help="transitional quarterly report (XML)")
    p.add_argument("imports", help="customs lines of the quarter, CSV or XLSX")
    p.add_argument("--period", required=True, help="reporting quarter, 2023Q4 to 2025Q4")
    p.add_argument("--declarant", required=True, help="declarant file (JSON/YAML)")
    p.add_argument("-o", "--output", required=True, help="the report to write (XML)")
    p.add_argument("--suppliers", help="folder of installation files / communication templates")
    p.add_argument("--xsd", help="validate against this XSD instead of the shipped v23.00")
    p.add_argument(
        "--installations",
        help="JSON file of installation addresses and operators, keyed by installation id",
    )
    p.set_defaults(handler=cmd_qreport)

    _add_validate(sub, common)
    p = sub.add_parser("see", parents=[common], help="SEE of an installation file or template")
    p.add_argument("installation", help="installation file (JSON/YAML) or communication template")
    p.add_argument(
        "--year", type=_year, help="year whose default-value mark-up applies to precursors"
    )
    p.set_defaults(handler=cmd_see)

    p = sub.add_parser("data", help="packaged reference data")
    data_sub = p.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    for kind, source_help in (
        ("defaults", "the Commission's default-value workbook (IR 2025/2621 Annex I)"),
        ("benchmarks", "the Commission's benchmark workbook (IR 2025/2620)"),
        ("cn-codes", "the communication template (sheet Parameters_CNCodes)"),
        ("legal-annexes", "the text of IR 2025/2621 (Annexes II, III and IV)"),
    ):
        q = data_sub.add_parser(f"import-{kind}", parents=[common], help=f"convert {source_help}")
        q.add_argument("source", help=source_help)
        q.add_argument("--out", help="data folder to write (default: the packaged data folder)")
        q.set_defaults(handler=_data_import, kind=kind)
    q = data_sub.add_parser("info", parents=[common], help="list the packaged datasets")
    q.set_defaults(handler=cmd_data_info)

    _add_template(sub, common)
    _add_suppliers(sub, common)
    return parser


def _date(text: str) -> Any:
    from cbam.values import parse_date

    try:
        return parse_date(text, "reply_by")
    except CbamError as exc:
        raise BadOptionValue(exc.reason) from None


def _positive(text: str) -> int:
    if not re.fullmatch(r"[0-9]{1,6}", text) or int(text) < 1:
        raise BadOptionValue(f"a whole number of at least 1, got {clip(text, 40)!r}")
    return int(text)


def _add_suppliers(sub: Any, common: argparse.ArgumentParser) -> None:
    """``cbam suppliers plan|request|status``: supplier data requests."""
    p = sub.add_parser("suppliers", help="supplier data requests: plan, request, status")
    s_sub = p.add_subparsers(dest="suppliers_command", required=True, metavar="ACTION")
    shared = _Parser(add_help=False)
    shared.add_argument("imports", help="customs lines of the year, CSV or XLSX")
    shared.add_argument("--year", required=True, type=_year, help="the import year")
    shared.add_argument("--prices", help="price table CSV (period,price_eur)")
    shared.add_argument("--sheet", help="the sheet of an XLSX customs file")
    q = s_sub.add_parser(
        "plan", parents=[common, shared], help="suppliers ranked by cost at default values"
    )
    q.add_argument("--suppliers", help="folder of supplier files: certificates now")
    q.add_argument("--xlsx", help="also write the plan as a workbook")
    q.set_defaults(handler=cmd_suppliers_plan)
    q = s_sub.add_parser(
        "request", parents=[common, shared], help="a pre-filled template and letter per supplier"
    )
    q.add_argument("--template", required=True, help="the blank official template (.xlsx)")
    q.add_argument("--declarant", required=True, help="declarant file: who asks (JSON/YAML)")
    q.add_argument("--out", required=True, help="folder for the requests and the tracker")
    q.add_argument("--top", type=_positive, help="ask only the N suppliers that cost most")
    q.add_argument("--reply-by", type=_date, help="reply date (default 30 June of next year)")
    q.add_argument("--suppliers", help="folder of answers: covered suppliers are not asked")
    q.set_defaults(handler=cmd_suppliers_request)
    q = s_sub.add_parser(
        "status", parents=[common, shared], help="who answered; coverage by actual data"
    )
    q.add_argument("--suppliers", required=True, help="folder of supplier files (the answers)")
    q.add_argument("--xlsx", help="also write the status as a workbook")
    q.set_defaults(handler=cmd_suppliers_status)


def _add_validate(sub: Any, common: argparse.ArgumentParser) -> None:
    """``cbam validate``: the schema follows the file's root element."""
    p = sub.add_parser(
        "validate",
        parents=[common],
        help="validate a QReport or a declaration.xml against the schema its root names",
    )
    p.add_argument(
        "report",
        help="the XML file: a QReport (official XSD v23.00) or a declaration.xml of this "
        "library (its own schema cbam-declaration-2.0.xsd); the root element decides",
    )
    p.add_argument("--xsd", help="validate against this XSD instead, whatever the root element")
    p.set_defaults(handler=cmd_validate)


def _add_template(sub: Any, common: argparse.ArgumentParser) -> None:
    """``cbam template read|fill``."""
    p = sub.add_parser("template", help="the Commission's communication template")
    t_sub = p.add_subparsers(dest="template_command", required=True, metavar="ACTION")
    q = t_sub.add_parser("read", parents=[common], help="read a filled template (v2.x)")
    q.add_argument(
        "workbook",
        help="a filled communication template (.xlsx, v2.x): prints the workbook's own SEE per "
        "CN code; --json gives the installation file and the workbook summary",
    )
    q.set_defaults(handler=cmd_template_read)
    q = t_sub.add_parser("fill", parents=[common], help="fill a blank template")
    q.add_argument(
        "installation",
        help="the installation file (JSON or YAML) whose data go into the template",
    )
    q.add_argument("--template", required=True, help="the blank official template (.xlsx)")
    q.add_argument("-o", "--output", required=True, help="the workbook to write")
    q.set_defaults(handler=cmd_template_fill)


class Stopped(BaseException):
    """SIGTERM arrived: unwind (temporary files and workers are cleaned up on the way)."""


def _stop(signum: int, _frame: Any) -> None:
    raise Stopped(signum)


def _os_error(exc: OSError) -> str:
    """An OSError as one line naming the path: permission, full disk, too long a name..."""
    where = exc.filename or ""
    words = exc.strerror or " ".join(str(exc).split())
    return f"{where}: {words}" if where else words


def _run(handler: Handler, args: argparse.Namespace) -> Output | int:
    """The command, or the exit code of its failure (the message printed as one line)."""
    try:
        return handler(args)
    except CbamError as exc:
        print(f"cbam: error: {exc.message}", file=sys.stderr)
    except FileNotFoundError as exc:
        print(f"cbam: error: {exc.filename}: file not found", file=sys.stderr)
    except IsADirectoryError as exc:
        print(f"cbam: error: {exc.filename}: is a folder, expected a file", file=sys.stderr)
    except PermissionError as exc:
        print(f"cbam: error: {exc.filename}: permission denied", file=sys.stderr)
    except OSError as exc:  # a full disk, too long a name, a read-only filesystem: not a bug
        print(f"cbam: error: {_os_error(exc)}", file=sys.stderr)
    except KeyboardInterrupt:
        print("cbam: interrupted (Ctrl-C); nothing half-written was left", file=sys.stderr)
        return 130
    except Stopped:
        print("cbam: stopped (SIGTERM); nothing half-written was left", file=sys.stderr)
        return 143
    except Exception as exc:  # a bug, not bad input: one line, traceback on request
        if os.environ.get("CBAM_DEBUG"):
            raise
        print(
            f"cbam: internal error: {type(exc).__name__}: {clip(' '.join(str(exc).split()))} "
            "(please report it; set CBAM_DEBUG=1 to see the traceback)",
            file=sys.stderr,
        )
        return 3
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cbam ARGV``; the exit code (0 done, 1 invalid input, 2 usage, 3 internal error).

    SIGTERM and Ctrl-C end the command cleanly: temporary files and worker processes are
    removed on the way out and one line is printed (exit 143 and 130).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except CbamError as exc:
        print(f"cbam: error: {exc.message}", file=sys.stderr)
        return 1
    handler: Handler = args.handler
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _stop) if main_thread else None
    try:
        output = _run(handler, args)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
    if isinstance(output, int):
        return output
    if getattr(args, "json", False):
        sys.stdout.write(dumps(output.document) + "\n")
    else:
        sys.stdout.write(output.text + "\n")
    return output.code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
