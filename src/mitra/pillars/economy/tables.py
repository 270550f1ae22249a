"""Every table the pillar shows, by name: the one registry behind pages, CSV export, REST and CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mitra.foundation.errors import InvalidInput, NotFound
from mitra.foundation.words import N_, Said
from mitra.pillars.economy.countries import PARTNER_NAMES, partner_said
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
    "fiscal-trade": (N_("India-side fiscal-year totals with Malaysia"), lambda s, p: s.fiscal_trade()),
    "calendar-trade": (N_("Malaysia-side calendar-year totals with India"), lambda s, p: s.calendar_trade()),
    "bilateral-flows": (N_("BACI flows between the partners by year"), lambda s, p: s.bilateral_flows()),
    "chapters": (N_("BACI flows between the partners by HS chapter (year)"), lambda s, p: s.chapters(p.year)),
    "overview": (N_("Critical minerals overview (year)"), lambda s, p: s.overview(p.year)),
    "production": (N_("Production by country (material, year, source)"), _production),
    "compare": (N_("USGS vs World Mining Data (material, year)"), lambda s, p: s.compare_sources(p.material, p.year)),
    "suppliers": (N_("Import suppliers (material, importer, year)"), _suppliers),
    "risk": (
        N_("Supply risk (material, year, source, substitution_index)"),
        lambda s, p: s.risk_table(
            p.material, p.year, production_source=p.source, substitution_index=p.substitution_index
        ),
    ),
    "whatif": (
        N_("Shortfall if a supplier stops (material, supplier, year)"),
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
# The labels are msgids (marked ``N_``): ``column_words`` gives a label as words to be said in the reader's
# language, ``column_label`` its English (the CLI's and the tests').

COLUMN_LABELS: dict[str, str] = {
    "fiscal_year": N_("Fiscal year"),
    "year": N_("Year"),
    "hs_chapter": N_("HS chapter"),
    "iso3": N_("ISO code"),
    "row": N_("Row"),
    "cell": N_("Cell"),
    "usgs_cell": N_("USGS cell"),
    "wmd_cell": N_("WMD cell"),
    "key": N_("Key"),
    "eol_rir": N_("End-of-life recycling input rate"),
    "eu_supply_risk": N_("EU supply risk"),
    "geopolrisk_score": N_("GeoPolRisk score"),
    "production_hhi": N_("Production HHI"),
    "hhi_wgi_global": N_("HHI × WGI, world production"),
    "hhi_wgi_sourcing": N_("HHI × WGI, import sourcing"),
    "usgs_mine_hhi_qty": N_("Mine HHI, USGS (quantity)"),
    "wmd_mine_hhi_qty": N_("Mine HHI, WMD (quantity)"),
    "wmd_over_usgs": N_("WMD ÷ USGS"),
    "sources_disagree": N_("Sources disagree"),
    "substitution_index": N_("Substitution index"),
    "total_growth_pct": N_("Growth of the total (%)"),
    "line": N_("Line in the file"),
    "import_hhi_value": N_("import HHI (value)"),
    "import_hhi_qty": N_("import HHI (quantity)"),
    "share_quantity_pct": N_("Share by quantity (%)"),
    "share_value_pct": N_("Share by value (%)"),
    "shortfall_value_pct": N_("Shortfall by value (%)"),
    "shortfall_quantity_pct": N_("Shortfall by quantity (%)"),
    "import_reliance_pct": N_("Import reliance (%)"),
    "exports": N_("Exports"),
    "imports": N_("Imports"),
    "balance": N_("Balance"),
    "total": N_("Total"),
    "share": N_("Share"),
    "value": N_("Value"),
    "quantity": N_("Quantity"),
    "country": N_("Country"),
    "description": N_("Description"),
    "estimated": N_("Estimated"),
    "importer": N_("Importer"),
    "material": N_("Material"),
    "status": N_("Status"),
    "supplier": N_("Supplier"),
    "tonnes": N_("Tonnes"),
    "from_supplier": N_("From the supplier"),
    "usgs": N_("USGS"),
    "wmd": N_("WMD"),
}
_UNITS = (("_usd_mn", N_("USD million")), ("_pct", "%"), ("_t", N_("tonnes")))
_CODE = re.compile(r"^(?P<a>[A-Z]{3})_to_(?P<b>[A-Z]{3})_(?P<rest>.+)$")
_PREFIXED = re.compile(r"^(?P<p>[A-Z]{3})_(?P<rest>.+)$")
_FLOW = N_("%(a)s → %(b)s (%(unit)s)")
_OF_PARTNER = N_("%(partner)s: %(what)s")
_WITH_UNIT = N_("%(what)s (%(unit)s)")


def column_label(name: str) -> str:
    """A table's column as a person reads it, in English: "IND_to_MYS_usd_mn" → "India → Malaysia (USD million)"."""
    return column_words(name).english()


def column_words(name: str) -> Said:
    """A table's column as words to be said in the reader's language (``column_label`` is their English)."""
    if name in COLUMN_LABELS:
        return Said(COLUMN_LABELS[name])
    if found := _CODE.match(name):
        a, b = (partner_said(found[c]) for c in ("a", "b"))
        return Said(_FLOW, {"a": a, "b": b, "unit": _unit_of(found["rest"])})
    if (found := _PREFIXED.match(name)) and found["p"] in PARTNER_NAMES:
        return Said(_OF_PARTNER, {"partner": partner_said(found["p"]), "what": column_words(found["rest"])})
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return Said(_WITH_UNIT, {"what": column_words(name[: -len(suffix)]), "unit": Said(unit)})
    return Said(human(name))


_WORDS = {"hhi": "HHI", "qty": "(quantity)", "usgs": "USGS", "wmd": "WMD", "wgi": "WGI", "eu": "EU", "hs": "HS"}


def human(name: str) -> str:
    """Snake case in words, initialisms kept: "import_hhi_qty" → "Import HHI (quantity)"."""
    words = [_WORDS.get(w.lower(), w) for w in name.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _unit_of(rest: str) -> Said:
    for suffix, unit in _UNITS:
        if rest == suffix.lstrip("_"):
            return Said(unit)
    return Said(human(rest))


def is_year_column(name: str) -> bool:
    """A column of years (shown "2012", never "2,012")."""
    return name == "year" or (name.endswith("_year") and name != "fiscal_year")
