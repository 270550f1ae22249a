"""Every table the pillar shows, by name: the one registry behind pages, CSV export, REST and CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mitra.foundation.errors import InvalidInput, NotFound
from mitra.pillars.economy.countries import PARTNER_NAMES
from mitra.pillars.economy.models import Table
from mitra.pillars.economy.service import EconomyService

DEFAULT_YEAR = 2023


@dataclass(frozen=True)
class TableParams:
    material: str = "rare-earths"
    year: int = DEFAULT_YEAR
    importer: str = "IND"
    supplier: str = "CHN"
    source: str = "usgs"
    substitution_index: float = 1.0


def _suppliers(s: EconomyService, p: TableParams) -> Table:
    return s.suppliers(p.material, p.importer, p.year)[0]


def _production(s: EconomyService, p: TableParams) -> Table:
    return s.production(p.material, s.resolve_dataset(p.material, p.source, p.year), p.year)


BUILDERS: dict[str, tuple[str, Callable[[EconomyService, TableParams], Table]]] = {
    "fiscal-trade": ("India-side fiscal-year totals with Malaysia", lambda s, p: s.fiscal_trade()),
    "calendar-trade": ("Malaysia-side calendar-year totals with India", lambda s, p: s.calendar_trade()),
    "bilateral-flows": ("BACI flows between the partners by year", lambda s, p: s.bilateral_flows()),
    "chapters": ("BACI flows between the partners by HS chapter (year)", lambda s, p: s.chapters(p.year)),
    "overview": ("Critical minerals overview (year)", lambda s, p: s.overview(p.year)),
    "production": ("Production by country (material, year, source)", _production),
    "compare": ("USGS vs World Mining Data (material, year)", lambda s, p: s.compare_sources(p.material, p.year)),
    "suppliers": ("Import suppliers (material, importer, year)", _suppliers),
    "risk": (
        "Supply risk (material, year, source, substitution_index)",
        lambda s, p: s.risk_table(
            p.material, p.year, production_source=p.source, substitution_index=p.substitution_index
        ),
    ),
    "whatif": (
        "Shortfall if a supplier stops (material, supplier, year)",
        lambda s, p: s.whatif(p.material, p.supplier, p.year),
    ),
}


def build_table(service: EconomyService, name: str, params: TableParams) -> Table:
    if name not in BUILDERS:
        raise NotFound(f"table {name!r}: known tables are {', '.join(BUILDERS)}")
    if len(params.importer) != 3 or len(params.supplier) != 3:
        raise InvalidInput("importer and supplier are ISO3 codes such as IND, MYS, CHN")
    with service.store.session():
        return BUILDERS[name][1](service, params)


# ----- how a column reads on a page (the CSV keeps the machine names) --------------------------------------

COLUMN_LABELS: dict[str, str] = {
    "fiscal_year": "Fiscal year",
    "hs_chapter": "HS chapter",
    "iso3": "ISO code",
    "row": "Row",
    "cell": "Cell",
    "usgs_cell": "USGS cell",
    "wmd_cell": "WMD cell",
    "key": "Key",
    "eol_rir": "End-of-life recycling input rate",
    "eu_supply_risk": "EU supply risk",
    "geopolrisk_score": "GeoPolRisk score",
    "production_hhi": "Production HHI",
    "hhi_wgi_global": "HHI × WGI, world production",
    "hhi_wgi_sourcing": "HHI × WGI, import sourcing",
    "usgs_mine_hhi_qty": "Mine HHI, USGS (quantity)",
    "wmd_mine_hhi_qty": "Mine HHI, WMD (quantity)",
    "wmd_over_usgs": "WMD ÷ USGS",
    "sources_disagree": "Sources disagree",
    "substitution_index": "Substitution index",
    "total_growth_pct": "Growth of the total (%)",
    "line": "Line in the file",
    "import_hhi_value": "import HHI (value)",
    "import_hhi_qty": "import HHI (quantity)",
    "share_quantity_pct": "Share by quantity (%)",
    "share_value_pct": "Share by value (%)",
    "shortfall_value_pct": "Shortfall by value (%)",
    "shortfall_quantity_pct": "Shortfall by quantity (%)",
}
_UNITS = (("_usd_mn", "USD million"), ("_pct", "%"), ("_t", "tonnes"))
_CODE = re.compile(r"^(?P<a>[A-Z]{3})_to_(?P<b>[A-Z]{3})_(?P<rest>.+)$")
_PREFIXED = re.compile(r"^(?P<p>[A-Z]{3})_(?P<rest>.+)$")


def column_label(name: str) -> str:
    """A table's column as a person reads it: "IND_to_MYS_usd_mn" → "India → Malaysia (USD million)"."""
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    if found := _CODE.match(name):
        a, b = (PARTNER_NAMES.get(found[c], found[c]) for c in ("a", "b"))
        return f"{a} → {b}{_unit_of(found['rest'])}"
    if (found := _PREFIXED.match(name)) and found["p"] in PARTNER_NAMES:
        rest = column_label(found["rest"])
        rest = rest if rest[:2].isupper() else rest[:1].lower() + rest[1:]  # "EU supply risk" keeps its capitals
        return f"{PARTNER_NAMES[found['p']]}: {rest}"
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return f"{column_label(stem)} ({unit})"
    return human(name)


_WORDS = {"hhi": "HHI", "qty": "(quantity)", "usgs": "USGS", "wmd": "WMD", "wgi": "WGI", "eu": "EU", "hs": "HS"}


def human(name: str) -> str:
    """Snake case in words, initialisms kept: "import_hhi_qty" → "Import HHI (quantity)"."""
    words = [_WORDS.get(w.lower(), w) for w in name.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _unit_of(rest: str) -> str:
    for suffix, unit in _UNITS:
        if rest == suffix.lstrip("_"):
            return f" ({unit})"
    return f" ({human(rest)})"


def is_year_column(name: str) -> bool:
    """A column of years (shown "2012", never "2,012")."""
    return name == "year" or (name.endswith("_year") and name != "fiscal_year")
