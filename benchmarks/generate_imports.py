"""Generate a realistic customs-lines file (CSV) for samples and scale benchmarks.

The mix leans on what EU importers actually bring in: fasteners (CN 7318) from Taiwan, China,
India and Vietnam, hot-rolled and coated flat steel, aluminium sheet and foil, cement and
clinker from Türkiye and Egypt, urea and ammonia, and a little electricity. Masses are
drawn log-uniformly between a pallet and a ship's hold; dates spread over the year. The same
seed gives the same file.

Two more shapes test how the cost grows with goods rather than lines (issue 12):
``--goods N`` spreads the lines over N distinct (CN code, origin) goods drawn from the whole
catalogue (only goods the library can value, so that ``cbam assess`` runs on the file), and
``--installations`` gives every line an installation of its own (none with supplier data).

Usage::

    python benchmarks/generate_imports.py --lines 300 --year 2026 --out samples/imports-2026.csv
    python benchmarks/generate_imports.py --lines 200000 --goods 1400 --out many-goods.csv
    python benchmarks/generate_imports.py --lines 100000 --installations --out many-inst.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import sys
from collections.abc import Iterator
from pathlib import Path

#: (CN code, origins, route or "", typical tonnes per line (low, high), weight in the mix)
MIX: tuple[tuple[str, tuple[str, ...], str, tuple[float, float], int], ...] = (
    ("73181542", ("TW", "CN", "IN", "VN"), "", (0.5, 25.0), 30),
    ("73181535", ("TW", "CN"), "", (0.2, 8.0), 10),
    ("73181595", ("TW", "CN", "TR"), "", (0.5, 20.0), 8),
    ("73181639", ("CN", "TW"), "", (0.2, 10.0), 6),
    ("72081000", ("IN", "TR", "UA", "KR"), "", (20.0, 900.0), 8),
    ("72104900", ("KR", "VN", "IN"), "", (20.0, 400.0), 6),
    ("76061299", ("CN", "TR"), "", (2.0, 60.0), 6),
    ("76071119", ("CN",), "", (1.0, 30.0), 3),
    ("25232900", ("TR", "EG"), "", (200.0, 5000.0), 4),
    ("25231000", ("TR",), "A", (500.0, 8000.0), 2),
    ("31021090", ("EG", "DZ"), "", (100.0, 3000.0), 3),
    ("28141000", ("TT", "DZ"), "", (500.0, 6000.0), 2),
    ("27160000", ("RS", "BA", "UA"), "", (100.0, 5000.0), 1),
)

#: Installations with supplier data in samples/suppliers (installation id, CN code, origin).
SUPPLIED = {
    ("73181542", "TW"): "TW-FAST-001",
    ("73181535", "TW"): "TW-FAST-001",
    ("25232900", "TR"): "TR-CEM-001",
}


def _mass(rng: random.Random, low: float, high: float) -> str:
    """A mass drawn log-uniformly (test data: floats are fine here, written with 3 decimals)."""
    value = math.exp(rng.uniform(math.log(low), math.log(high)))
    return f"{value:.3f}"


def generate(
    lines: int, year: int, seed: int = 2026, supplied_share: float = 0.6
) -> Iterator[list[str]]:
    """Yield CSV rows (header first)."""
    rng = random.Random(seed)
    yield [
        "line_id",
        "cn_code",
        "country",
        "net_mass",
        "import_date",
        "installation_id",
        "route",
        "procedure",
    ]
    weights = [m[4] for m in MIX]
    start = dt.date(year, 1, 1)
    days = (dt.date(year, 12, 31) - start).days
    for number in range(1, lines + 1):
        cn, origins, route, (low, high), _ = rng.choices(MIX, weights=weights)[0]
        country = rng.choice(origins)
        installation = SUPPLIED.get((cn, country), "")
        if installation and rng.random() > supplied_share:
            installation = ""
        date = start + dt.timedelta(days=rng.randint(0, days))
        yield [
            f"L{number:07d}",
            f"{cn[:4]} {cn[4:6]} {cn[6:]}" if number % 3 == 0 else cn,
            country,
            _mass(rng, low, high),
            date.isoformat(),
            installation,
            route,
            "4000",
        ]


#: Origins for the many-goods shape: the largest exporters of CBAM goods to the EU and others.
ORIGINS = (
    "CN", "IN", "TR", "UA", "GB", "US", "KR", "TW", "VN", "EG", "DZ", "BR", "ZA", "RS", "BA",
    "MA", "ID", "TH", "MY", "JP", "SA", "AE", "RU", "MX", "AR", "KZ", "BY", "AU", "CA", "PK",
)  # fmt: skip

HEADER = ["line_id", "cn_code", "country", "net_mass", "import_date", "installation_id",
          "route", "procedure"]  # fmt: skip


def _goods(count: int, rng: random.Random, year: int = 2026) -> list[tuple[str, str]]:
    """``count`` distinct (CN code, origin) goods the library can value in ``year``.

    The pairs of catalogue codes and :data:`ORIGINS` are shuffled by ``rng`` and taken in that
    order, skipping a pair that :func:`cbam.declaration.valuation.value_good` -- the valuation
    every customs line goes through -- refuses (e.g. CN 3102 10 10, a code of earlier CN versions
    kept in the catalogue, which IR 2025/2621 gives no default value), so ``cbam assess`` runs
    on the file. The same seed gives the same goods.
    """
    # the benchmark may use the library it measures
    from cbam import goods
    from cbam.declaration.valuation import value_good
    from cbam.errors import CbamError

    codes = sorted(g.cn for g in goods.all_goods() if g.category.name != "Electricity")
    pairs = sorted({(cn, origin) for cn in codes for origin in ORIGINS})
    found: list[tuple[str, str]] = []
    for cn, origin in rng.sample(pairs, len(pairs)):
        try:
            value_good(cn, origin, year)
        except CbamError:
            continue
        found.append((cn, origin))
        if len(found) == count:
            return found
    raise ValueError(f"only {len(found)} goods can be valued in {year}, not {count}")


def generate_many_goods(
    lines: int, goods_count: int, year: int = 2026, seed: int = 2026
) -> Iterator[list[str]]:
    """Lines spread evenly over ``goods_count`` goods of the whole catalogue (header first).

    Every good has a valuation in ``year`` (:func:`_goods`), so the file can be assessed.
    """
    rng = random.Random(seed)
    pairs = _goods(goods_count, rng, year)
    yield HEADER
    start = dt.date(year, 1, 1)
    for number in range(1, lines + 1):
        cn, country = pairs[number % len(pairs)]
        date = start + dt.timedelta(days=rng.randint(0, 364))
        yield [f"L{number:07d}", cn, country, _mass(rng, 0.5, 100.0), date.isoformat(), "", "",
               "4000"]  # fmt: skip


def generate_many_installations(
    lines: int, year: int = 2026, seed: int = 2026
) -> Iterator[list[str]]:
    """Every line from an installation of its own, none with supplier data (header first)."""
    rng = random.Random(seed)
    goods = [("73181542", "CN"), ("72081000", "IN"), ("76061299", "TR"), ("25232900", "EG")]
    yield HEADER
    start = dt.date(year, 1, 1)
    for number in range(1, lines + 1):
        cn, country = rng.choice(goods)
        date = start + dt.timedelta(days=rng.randint(0, 364))
        yield [f"L{number:07d}", cn, country, _mass(rng, 0.5, 100.0), date.isoformat(),
               f"INST-{number:06d}", "", "4000"]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=None, help="output CSV (default: stdout)")
    parser.add_argument("--goods", type=int, help="spread the lines over this many goods")
    parser.add_argument(
        "--installations", action="store_true", help="an installation of its own on each line"
    )
    args = parser.parse_args(argv)
    if args.goods:
        rows = generate_many_goods(args.lines, args.goods, args.year, args.seed)
    elif args.installations:
        rows = generate_many_installations(args.lines, args.year, args.seed)
    else:
        rows = generate(args.lines, args.year, args.seed)
    handle = args.out.open("w", newline="", encoding="utf-8") if args.out else sys.stdout
    try:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerows(rows)
    finally:
        if args.out:
            handle.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
