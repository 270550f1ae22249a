"""Concentration and supply-risk formulas: pure functions over plain numbers, no I/O.

Shares are in percent for HHI (0..10,000) and fractions elsewhere; each function says which.
"""

from __future__ import annotations

from collections.abc import Mapping

from mitra.foundation.errors import InvalidInput


def shares_percent(amounts: Mapping[str, float]) -> dict[str, float]:
    """Each holder's share of the total, in percent. Negative amounts are refused; an empty total is an error."""
    if any(a < 0 for a in amounts.values()):
        raise InvalidInput("shares need non-negative amounts")
    total = sum(amounts.values())
    if total <= 0:
        raise InvalidInput("shares need a positive total")
    return {k: 100 * a / total for k, a in amounts.items()}


def hhi(amounts: Mapping[str, float], *, denominator: float | None = None) -> float:
    """Herfindahl-Hirschman index, sum of squared percent shares (0..10,000).

    ``denominator`` lets a remainder that is not one holder (USGS "Other countries") count in the total
    without counting as a single supplier.
    """
    total = sum(amounts.values()) if denominator is None else denominator
    if total <= 0 or any(a < 0 for a in amounts.values()):
        raise InvalidInput("HHI needs non-negative amounts and a positive total")
    return sum((100 * a / total) ** 2 for a in amounts.values())


def hhi_governance_weighted(
    amounts: Mapping[str, float], scaled_governance: Mapping[str, float], *, denominator: float | None = None
) -> float:
    """EU 2017 HHI_WGI: sum of squared fractional shares times scaled governance (0 best .. 10 worst)."""
    total = sum(amounts.values()) if denominator is None else denominator
    if total <= 0:
        raise InvalidInput("HHI_WGI needs a positive total")
    return sum((a / total) ** 2 * scaled_governance[k] for k, a in amounts.items())


def import_reliance(production: float, imports: float, exports: float) -> float | None:
    """Net import reliance (M - X) / (P + M - X) in 0..1: 0 for a net exporter, None when there are no figures."""
    if production < 0 or imports < 0 or exports < 0:
        raise InvalidInput("production, imports and exports must be non-negative")
    if production + imports + exports == 0:
        return None
    net = imports - exports
    if net <= 0:
        return 0.0
    return min(1.0, net / (production + net))


def eu_supply_risk(
    *,
    hhi_wgi_global: float,
    hhi_wgi_sourcing: float,
    import_reliance: float,
    eol_rir: float,
    substitution_index: float = 1.0,
) -> float:
    """EU 2017 methodology: SR = [HHI_WGI,GS x IR/2 + HHI_WGI,sourcing x (1 - IR/2)] x (1 - EoL-RIR) x SI_SR."""
    for name, value in (("import reliance", import_reliance), ("EoL-RIR", eol_rir)):
        if not 0 <= value <= 1:
            raise InvalidInput(f"{name} must be between 0 and 1, not {value}")
    if not 0 <= substitution_index <= 1:
        raise InvalidInput(f"substitution index must be between 0 and 1, not {substitution_index}")
    blended = hhi_wgi_global * import_reliance / 2 + hhi_wgi_sourcing * (1 - import_reliance / 2)
    return blended * (1 - eol_rir) * substitution_index


def geopolrisk_score(
    *,
    production_hhi: float,
    imports: Mapping[str, float],
    normalized_governance: Mapping[str, float],
    domestic_production: float,
) -> float:
    """GeoPolRisk-style: HHI (as 0..1) x sum_i g_i x m_i / (M + P), g 0 best .. 1 worst."""
    total = sum(imports.values()) + domestic_production
    if total <= 0:
        raise InvalidInput("GeoPolRisk needs imports or domestic production")
    weighted = sum(normalized_governance[k] * m / total for k, m in imports.items())
    return production_hhi / 10_000 * weighted


def shortfall(imports: Mapping[str, float], stopped: str) -> float:
    """Fraction of an importer's supply lost if ``stopped`` exports nothing (no re-routing assumed)."""
    total = sum(imports.values())
    if total <= 0:
        return 0.0
    return imports.get(stopped, 0.0) / total


def growth(previous: float | None, current: float | None) -> float | None:
    """Growth in percent, or None when either figure is missing or the base is zero."""
    if previous is None or current is None or previous == 0:
        return None
    return 100 * (current / previous - 1)


def cagr(first: float, last: float, years: float) -> float | None:
    """Compound annual growth rate in percent over ``years``."""
    if first <= 0 or last <= 0 or years <= 0:
        return None
    return 100 * (float((last / first) ** (1 / years)) - 1)
