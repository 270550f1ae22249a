"""Every table the pillar shows, by name: the one registry behind pages, CSV export, REST and CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mitra.foundation.errors import InvalidInput, NotFound
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
