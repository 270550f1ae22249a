"""The pillar's logic over the analytics store: trade tables, concentration, supply risk and what-ifs.

Every result is a :class:`Table` (or carries one) that names its sources, so pages, CSV, REST and CLI show
the same figures with the same provenance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mitra.foundation.errors import InvalidInput, NotFound
from mitra.foundation.words import N_, Said
from mitra.pillars.economy import indicators
from mitra.pillars.economy.countries import PARTNER_NAMES, partner_said
from mitra.pillars.economy.materials import MATERIALS, Material, material
from mitra.pillars.economy.models import Concentration, RiskResult, Table
from mitra.pillars.economy.store import BACI, WMD, EconomyStore


def _titled(message: str, **values: str | Said) -> dict[str, Any]:
    """A table's title as words to be said in the reader's language, and its English (``Table.title``)."""
    said = Said(message, values)
    return {"title": said.english(), "said": said}


PARTNERS = ("IND", "MYS")
GOVERNANCE_ALIASES = {"S19": "TWN"}  # BACI's 'Other Asia, nes' is Taiwan; WGI calls it TWN
GOVERNANCE_DEFAULT = 0.5  # normalized PV used for a supplier without a WGI figure (listed on the page)
CHAPTERS = {
    "25": "Salt, sulphur, earths and stone",
    "26": "Ores, slag and ash",
    "27": "Mineral fuels and oils",
    "28": "Inorganic chemicals, rare-earth compounds",
    "71": "Precious metals",
    "72": "Iron and steel",
    "76": "Aluminium",
    "81": "Other base metals",
}


@dataclass(frozen=True)
class _RiskBasis:
    """The inputs of the risk indicators that do not depend on the importer: computed once per comparison."""

    concentration: Concentration
    production: dict[str, float]
    production_total: float
    governance: dict[str, float]
    eol_rir: tuple[float, str]


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


class EconomyService:
    """Queries and indicators over one node's economy store."""

    def __init__(self, store: EconomyStore, partnership: tuple[str, ...] = PARTNERS) -> None:
        self.store = store
        self.partnership = partnership  # the two nations, a column each in the comparison tables

    # --- names --------------------------------------------------------------------------------------

    def country_names(self) -> dict[str, str]:
        names = {str(iso3): str(name) for iso3, name in self.store.query("select iso3, name from countries")}
        return names | {"WLD": "World", **PARTNER_NAMES}

    # --- trade ------------------------------------------------------------------------------------------

    def fiscal_trade(self, reporter: str = "IND", partner: str = "MYS") -> Table:
        """The reporter's fiscal-year totals with partner, with year-on-year growth of the total."""
        rows = self.store.query(
            "select period, start_year, exports_usd_mn, imports_usd_mn, total_usd_mn, balance_usd_mn, status,"
            " publisher, source_file from fiscal_trade where reporter = ? and partner = ? order by start_year",
            [reporter, partner],
        )
        out: list[tuple[Any, ...]] = []
        previous: tuple[int, float | None] | None = None
        for period, start, exports, imports, total, balance, status, _pub, _file in rows:
            yoy = indicators.growth(previous[1], total) if previous and previous[0] == start - 1 else None
            out.append((period, exports, imports, total, balance, _round(yoy), status))
            previous = (start, total)
        sources = tuple(
            sorted({f"{f} — {p}; basis: {reporter} fiscal year (April–March), USD million" for *_, p, f in rows})
        )
        return Table(
            name="fiscal-trade",
            **_titled(
                N_("%(reporter)s-side trade with %(partner)s, fiscal years (USD million)"),
                reporter=partner_said(reporter),
                partner=partner_said(partner),
            ),
            columns=(
                "fiscal_year",
                "exports_usd_mn",
                "imports_usd_mn",
                "total_usd_mn",
                "balance_usd_mn",
                "total_growth_pct",
                "status",
            ),
            rows=out,
            sources=sources,
            notes=("Growth is year on year, shown only where the previous fiscal year is in the file.",),
        )

    def fiscal_total(self, period: str, reporter: str = "IND", partner: str = "MYS") -> float:
        rows = self.store.query(
            "select total_usd_mn from fiscal_trade where reporter = ? and partner = ? and period = ?",
            [reporter, partner, period],
        )
        if not rows or rows[0][0] is None:
            raise NotFound(f"no {reporter}-side fiscal-year total with {partner} for {period}")
        return float(rows[0][0])

    def fiscal_cagr(self, first: str, last: str, reporter: str = "IND", partner: str = "MYS") -> float | None:
        a, b = self.fiscal_total(first, reporter, partner), self.fiscal_total(last, reporter, partner)
        years = int(last[:4]) - int(first[:4])
        return indicators.cagr(a, b, years)

    def calendar_trade(self, reporter: str = "MYS", partner: str = "IND") -> Table:
        """Totals (HS 'TOTAL') as the reporter's own statistics give them, calendar years (from Comtrade files)."""
        rows = self.store.query(
            "select year,"
            " sum(value_usd) filter (where exporter = ?) / 1e6, sum(value_usd) filter (where importer = ?) / 1e6,"
            " string_agg(distinct source_file, '; '), string_agg(distinct publisher, '; ')"
            " from trade_flows where reported_by = ? and hs = 'TOTAL'"
            " and ((exporter = ? and importer = ?) or (exporter = ? and importer = ?))"
            " group by year order by year",
            [reporter, reporter, reporter, reporter, partner, partner, reporter],
        )
        out = [
            (y, _round(x), _round(m), _round((x or 0) + (m or 0)), _round((x or 0) - (m or 0))) for y, x, m, *_ in rows
        ]
        sources = tuple(sorted({f"{f} — {p}; basis: calendar year, USD million" for *_, f, p in rows}))
        name = PARTNER_NAMES.get(reporter, reporter)
        return Table(
            name="calendar-trade",
            **_titled(
                N_("%(reporter)s-side trade with %(partner)s, calendar years (USD million)"),
                reporter=partner_said(reporter) if reporter in PARTNER_NAMES else name,
                partner=partner_said(partner),
            ),
            columns=("year", "exports_usd_mn", "imports_usd_mn", "total_usd_mn", "balance_usd_mn"),
            rows=out,
            sources=sources,
            notes=()
            if out
            else (
                f"No {name}-side totals are imported. Import a UN Comtrade file with reporter {name} and "
                "commodity TOTAL (`mitra economy import-comtrade FILE`); none is shipped with Mitra.",
            ),
        )

    def bilateral_flows(self, a: str = "IND", b: str = "MYS") -> Table:
        """BACI flows between the partners for the critical-raw-material HS codes, by calendar year."""
        rows = self.store.query(
            "select year, sum(value_usd) filter (where exporter = ?) / 1e6, sum(value_usd) filter (where exporter = ?)"
            " / 1e6, string_agg(distinct source_file, '; '), string_agg(distinct publisher, '; ') from trade_flows"
            " where dataset = ? and ((exporter = ? and importer = ?) or (exporter = ? and importer = ?))"
            " group by year order by year",
            [a, b, BACI, a, b, b, a],
        )
        out: list[tuple[Any, ...]] = []
        previous: tuple[int, float] | None = None
        for year, ab, ba, *_ in rows:
            total = (ab or 0) + (ba or 0)
            yoy = indicators.growth(previous[1], total) if previous and previous[0] == year - 1 else None
            out.append((year, _round(ab), _round(ba), _round(total), _round(yoy)))
            previous = (year, total)
        sources = tuple(
            sorted({f"{f} — {p}; basis: calendar year, USD million (CEPII-reconciled)" for *_, f, p in rows})
        )
        return Table(
            name="bilateral-flows",
            **_titled(
                N_("%(a)s–%(b)s trade in critical-raw-material HS codes (BACI), USD million"),
                a=partner_said(a),
                b=partner_said(b),
            ),
            columns=("year", f"{a}_to_{b}_usd_mn", f"{b}_to_{a}_usd_mn", "total_usd_mn", "total_growth_pct"),
            rows=out,
            sources=sources,
            notes=("Covers only the 74 HS92 codes of the BACI extract, not all trade.",),
        )

    def chapters(self, year: int | None = None, a: str = "IND", b: str = "MYS") -> Table:
        """Composition of BACI flows between the partners by HS chapter, in one year."""
        if year is None:
            latest = self.store.query("select max(year) from trade_flows where dataset = ?", [BACI])
            year = int(latest[0][0]) if latest and latest[0][0] is not None else 0
        rows = self.store.query(
            "select substr(hs, 1, 2) as chapter, sum(value_usd) filter (where exporter = ?) / 1e6,"
            " sum(value_usd) filter (where exporter = ?) / 1e6, string_agg(distinct source_file, '; '),"
            " string_agg(distinct publisher, '; ') from trade_flows where dataset = ? and year = ?"
            " and ((exporter = ? and importer = ?) or (exporter = ? and importer = ?))"
            " group by chapter order by chapter",
            [a, b, BACI, year, a, b, b, a],
        )
        grand = sum((x or 0) + (y or 0) for _, x, y, *_ in rows)
        out = [
            (
                ch,
                CHAPTERS.get(ch, ""),
                _round(x),
                _round(y),
                _round(100 * ((x or 0) + (y or 0)) / grand if grand else None),
            )
            for ch, x, y, *_ in rows
        ]
        sources = tuple(sorted({f"{f} — {p}; basis: calendar year {year}, USD million" for *_, f, p in rows}))
        return Table(
            name="chapters",
            **_titled(N_("Composition by HS chapter, %(year)s (BACI, critical-raw-material codes)"), year=str(year)),
            columns=("hs_chapter", "description", f"{a}_to_{b}_usd_mn", f"{b}_to_{a}_usd_mn", "share_pct"),
            rows=out,
            sources=sources,
        )

    # --- production ---------------------------------------------------------------------------------

    def usgs_dataset(self, key: str, year: int) -> str:
        """The newest USGS edition that reports ``year`` for the material."""
        rows = self.store.query(
            "select max(dataset) from production where material = ? and year = ? and dataset like 'USGS %'",
            [key, year],
        )
        if not rows or rows[0][0] is None:
            raise NotFound(f"no USGS production of {key} for {year}; import mcs{year + 1}-..._world.csv")
        return str(rows[0][0])

    def resolve_dataset(self, key: str, source: str, year: int) -> str:
        if source == "usgs":
            return self.usgs_dataset(key, year)
        if source == "wmd":
            return WMD
        if source.startswith("USGS MCS") or source == WMD:
            return source
        raise InvalidInput(f"source {source!r}: use usgs, wmd, 'USGS MCS2024' or 'World Mining Data'")

    def production(self, key: str, dataset: str, year: int) -> Table:
        m = material(key)
        rows = self.store.query(
            "select country, iso3, row_role, quantity, cell_kind, estimated, unit, stage, source_file, publisher, line"
            " from production where material = ? and dataset = ? and year = ?"
            " order by row_role = 'world-total', quantity desc nulls last, country",
            [key, dataset, year],
        )
        if not rows:
            raise NotFound(f"no {dataset} production of {m.name} for {year}")
        counted = sum(q for _, _, role, q, *_ in rows if role != "world-total" and q is not None)
        out = [
            (
                c,
                iso or "",
                role,
                q,
                kind,
                "yes" if est else "",
                _round(100 * q / counted) if q is not None and role != "world-total" and counted else None,
                line,
            )
            for c, iso, role, q, kind, est, _u, _s, _f, _p, line in rows
        ]
        unit, stage, file, publisher = rows[0][6], rows[0][7], rows[0][8], rows[0][9]
        return Table(
            name="production",
            **_titled(
                N_("%(material)s: %(stage)s production %(year)s, %(dataset)s (%(unit)s)"),
                material=m.name,
                stage=str(stage),
                year=str(year),
                dataset=str(dataset),
                unit=str(unit),
            ),
            columns=("country", "iso3", "row", "tonnes", "cell", "estimated", "share_pct", "line"),
            rows=out,
            sources=(f"{file} — {publisher}; basis: quantity, {stage} stage, calendar year {year}",),
            notes=("Shares are of the sum of country and 'Other countries' rows; 'World total' rows are not counted.",),
        )

    def production_concentration(self, key: str, dataset: str, year: int) -> Concentration:
        """HHI of production by quantity. World-total rows are excluded; an 'Other countries' remainder counts in
        the total but not as one producer; withheld (W) and missing cells are excluded and listed."""
        rows = self.store.query(
            "select country, row_role, quantity, cell_kind, stage, source_file, publisher from production"
            " where material = ? and dataset = ? and year = ?",
            [key, dataset, year],
        )
        if not rows:
            raise NotFound(f"no {dataset} production of {material(key).name} for {year}")
        amounts = {c: float(q) for c, role, q, *_ in rows if role == "country" and q is not None}
        remainder = sum(float(q) for _, role, q, *_ in rows if role == "other" and q is not None)
        excluded = tuple(
            f"{c} ({kind})" for c, role, q, kind, *_ in rows if role != "world-total" and q is None
        ) + tuple(f"{c} (world total)" for c, role, *_ in rows if role == "world-total")
        value = indicators.hhi(amounts, denominator=sum(amounts.values()) + remainder)
        return Concentration(
            value=value,
            basis="quantity",
            stage=f"{rows[0][4]} production",
            dataset=dataset,
            year=year,
            holders=len(amounts),
            excluded=excluded,
            sources=tuple(sorted({f"{f} — {p}" for *_, f, p in rows})),
        )

    def production_amounts(self, key: str, dataset: str, year: int) -> tuple[dict[str, float], float]:
        """Country production by ISO3 (country rows only) and the total including any remainder."""
        rows = self.store.query(
            "select iso3, country, row_role, quantity from production where material = ? and dataset = ? and year = ?"
            " and quantity is not null and row_role != 'world-total'",
            [key, dataset, year],
        )
        amounts: dict[str, float] = {}
        total = 0.0
        for iso3, country, role, q in rows:
            total += float(q)
            if role == "country":
                holder = str(iso3 or country)
                amounts[holder] = amounts.get(holder, 0.0) + float(q)
        return amounts, total

    def compare_sources(self, key: str, year: int) -> Table:
        """USGS and World Mining Data side by side for one year; disagreements flagged, both kept."""
        m = material(key)
        try:
            usgs = self.usgs_dataset(key, year)
        except NotFound:
            usgs = ""
        rows = self.store.query(
            "with u as (select coalesce(iso3, country) k, country, quantity, cell_kind, source_file from production"
            "  where material = ? and dataset = ? and year = ? and row_role = 'country'),"
            " w as (select coalesce(iso3, country) k, country, quantity, cell_kind, source_file from production"
            "  where material = ? and dataset = ? and year = ? and row_role = 'country')"
            " select coalesce(u.k, w.k), coalesce(w.country, u.country), u.quantity, u.cell_kind, w.quantity,"
            " w.cell_kind, u.source_file, w.source_file from u full outer join w on u.k = w.k"
            " order by greatest(coalesce(u.quantity, 0), coalesce(w.quantity, 0)) desc",
            [key, usgs, year, key, WMD, year],
        )
        out = []
        files: set[str] = set()
        for k, country, uq, uk, wq, wk, uf, wf in rows:
            files |= {f for f in (uf, wf) if f}
            ratio = wq / uq if uq and wq is not None else None
            differ = ratio is not None and not 0.8 <= ratio <= 1.25
            out.append((country, k, uq, uk or "absent", wq, wk or "absent", _round(ratio), "yes" if differ else ""))
        return Table(
            name="compare",
            **_titled(
                N_("%(material)s: mine production %(year)s, USGS (%(usgs)s) vs World Mining Data (tonnes)"),
                material=m.name,
                year=str(year),
                usgs=str(usgs) if usgs else Said(N_("not imported")),
            ),
            columns=(
                "country",
                "iso3",
                "usgs_t",
                "usgs_cell",
                "wmd_t",
                "wmd_cell",
                "wmd_over_usgs",
                "sources_disagree",
            ),
            rows=out,
            sources=tuple(sorted(files)),
            notes=("Both figures are kept; neither source overrides the other.",),
        )

    # --- trade in a material ---------------------------------------------------------------------------

    def _material_flows(
        self, m: Material, year: int, *, importer: str | None = None, exporter: str | None = None
    ) -> list[tuple[Any, ...]]:
        placeholders = ", ".join("?" for _ in m.hs_codes)
        where = ["dataset = ?", "year = ?", f"hs in ({placeholders})"]
        params: list[object] = [BACI, year, *m.hs_codes]
        if importer:
            where.append("importer = ?")
            params.append(importer)
        if exporter:
            where.append("exporter = ?")
            params.append(exporter)
        return self.store.query(
            "select exporter, importer, sum(value_usd), sum(quantity_t), count(*) - count(quantity_t),"  # noqa: S608 - fixed clauses
            " string_agg(distinct source_file, '; '), string_agg(distinct publisher, '; ')"
            f" from trade_flows where {' and '.join(where)} group by exporter, importer",
            params,
        )

    def suppliers(self, key: str, importer: str, year: int) -> tuple[Table, Concentration | None, Concentration | None]:
        """Who supplies ``importer`` with the material: shares and HHI by value and by quantity (BACI)."""
        m = material(key)
        flows = self._material_flows(m, year, importer=importer)
        names = self.country_names()
        values = {str(e): float(v) for e, _i, v, *_ in flows if v is not None}
        quantities = {str(e): float(q) for e, _i, _v, q, *_ in flows if q is not None}
        missing_q = sum(int(n) for *_, n, _f, _p in flows)
        share_v = indicators.shares_percent(values) if sum(values.values()) > 0 else {}
        share_q = indicators.shares_percent(quantities) if sum(quantities.values()) > 0 else {}
        rows = [
            (
                names.get(e, e),
                e,
                _round(v / 1e6, 3),
                _round(quantities.get(e), 1),
                _round(share_v.get(e)),
                _round(share_q.get(e)),
            )
            # largest first by the unrounded value, ties by code: the query's order is not fixed
            for e, v in sorted(values.items(), key=lambda item: (-item[1], item[0]))
        ]
        sources = tuple(sorted({f"{f} — {p}" for *_, f, p in flows}))
        hs = ", ".join(m.hs_codes)
        by_value = (
            Concentration(indicators.hhi(values), "value", "trade (imports)", BACI, year, len(values), (), sources)
            if share_v
            else None
        )
        by_quantity = (
            Concentration(
                indicators.hhi(quantities), "quantity", "trade (imports)", BACI, year, len(quantities), (), sources
            )
            if share_q
            else None
        )
        notes = [f"Sum over HS {hs} per exporter; shares in percent; HHI = sum of squared shares."]
        if missing_q:
            notes.append(f"{missing_q} flow row(s) have no quantity and count only in the value shares.")
        table = Table(
            name="suppliers",
            **_titled(
                N_("%(material)s: %(importer)s's imports %(year)s by supplier (HS %(hs)s)"),
                material=m.name,
                importer=partner_said(importer) if importer in PARTNER_NAMES else names.get(importer, importer),
                year=str(year),
                hs=str(hs),
            ),
            columns=("supplier", "iso3", "value_usd_mn", "quantity_t", "share_value_pct", "share_quantity_pct"),
            rows=rows,
            sources=tuple(f"{s}; basis: calendar year, value in USD, quantity in tonnes" for s in sources),
            notes=tuple(notes),
        )
        return table, by_value, by_quantity

    def _governance(self, year: int) -> dict[str, float]:
        """Normalized WGI PV (0 best, 1 worst) per ISO3: the given year, else the nearest earlier, else later."""
        rows = self.store.query(
            "select iso3, normalized from (select iso3, normalized, row_number() over (partition by iso3 order by"
            " (year > ?), abs(year - ?)) as n from governance where indicator = 'WGI PV' and normalized is not null)"
            " where n = 1",
            [year, year],
        )
        found = {str(iso3): float(value) for iso3, value in rows}
        for code, alias in GOVERNANCE_ALIASES.items():
            if alias in found:
                found.setdefault(code, found[alias])
        return found

    def _eol_rir(self, m: Material) -> tuple[float, str]:
        rows = self.store.query(
            "select eol_rir, source_file, reference from material_params where material = ?", [m.key]
        )
        if rows and rows[0][0] is not None:
            return float(rows[0][0]), f"{rows[0][1]} ({rows[0][2]})"
        return m.eol_rir_default, "built-in default (HS-code map not imported)"

    def _risk_basis(self, key: str, year: int, production_source: str) -> _RiskBasis:
        dataset = self.resolve_dataset(key, production_source, year)
        production, production_total = self.production_amounts(key, dataset, year)
        return _RiskBasis(
            self.production_concentration(key, dataset, year),
            production,
            production_total,
            self._governance(year),
            self._eol_rir(material(key)),
        )

    def risk(
        self,
        key: str,
        importer: str,
        year: int,
        *,
        production_source: str = "usgs",
        substitution_index: float = 1.0,
        basis: _RiskBasis | None = None,
    ) -> RiskResult:
        """EU-2017-style supply risk and a GeoPolRisk-style score for ``importer`` (see docs/economy.md).

        ``basis`` passes the importer-independent inputs when several importers are compared."""
        m = material(key)
        basis = basis or self._risk_basis(key, year, production_source)
        concentration, production, production_total = basis.concentration, basis.production, basis.production_total
        governance = basis.governance
        missing: set[str] = set()

        def scaled(codes: Sequence[str], factor: float) -> dict[str, float]:
            out = {}
            for code in codes:
                if code not in governance:
                    missing.add(code)
                out[code] = factor * governance.get(code, GOVERNANCE_DEFAULT)
            return out

        hhi_wgi_global = indicators.hhi_governance_weighted(
            production, scaled(list(production), 10), denominator=production_total
        )
        imports = {str(e): float(q) for e, _i, _v, q, *_ in self._material_flows(m, year, importer=importer) if q}
        exports = sum(float(q) for *_, q, _n, _f, _p in self._material_flows(m, year, exporter=importer) if q)
        domestic = production.get(importer, 0.0)
        sourcing = dict(imports)
        if domestic:
            sourcing[importer] = sourcing.get(importer, 0.0) + domestic
        hhi_wgi_sourcing = (
            indicators.hhi_governance_weighted(sourcing, scaled(list(sourcing), 10)) if sum(sourcing.values()) else 0.0
        )
        reliance = indicators.import_reliance(domestic, sum(imports.values()), exports)
        eol, eol_source = basis.eol_rir
        supply_risk = (
            indicators.eu_supply_risk(
                hhi_wgi_global=hhi_wgi_global,
                hhi_wgi_sourcing=hhi_wgi_sourcing,
                import_reliance=reliance,
                eol_rir=eol,
                substitution_index=substitution_index,
            )
            if reliance is not None
            else None
        )
        gpr = (
            indicators.geopolrisk_score(
                production_hhi=concentration.value,
                imports=imports,
                normalized_governance=scaled(list(imports), 1),
                domestic_production=domestic,
            )
            if imports or domestic
            else None
        )
        return RiskResult(
            material=key,
            importer=importer,
            year=year,
            production_hhi=concentration,
            hhi_wgi_global=hhi_wgi_global,
            hhi_wgi_sourcing=hhi_wgi_sourcing,
            import_reliance=reliance,
            eol_rir=eol,
            eol_source=eol_source,
            substitution_index=substitution_index,
            supply_risk=supply_risk,
            geopolrisk=gpr,
            governance_missing=tuple(sorted(missing)),
        )

    def risk_table(
        self, key: str, year: int, *, production_source: str = "usgs", substitution_index: float = 1.0
    ) -> Table:
        m = material(key)
        basis = self._risk_basis(key, year, production_source)
        results = [
            self.risk(key, p, year, substitution_index=substitution_index, basis=basis) for p in self.partnership
        ]
        rows = [
            (
                PARTNER_NAMES[r.importer],
                _round(r.production_hhi.value, 0),
                _round(r.hhi_wgi_global),
                _round(r.hhi_wgi_sourcing),
                _round(None if r.import_reliance is None else 100 * r.import_reliance, 1),
                r.eol_rir,
                r.substitution_index,
                _round(r.supply_risk),
                _round(r.geopolrisk, 4),
            )
            for r in results
        ]
        missing = sorted({c for r in results for c in r.governance_missing})
        notes = [
            "SR = [HHI_WGI,global x IR/2 + HHI_WGI,sourcing x (1 - IR/2)] x (1 - EoL-RIR) x SI (EU 2017).",
            "WGI: Political Stability (PV) only, scaled 0 (best) to 10 (worst); "
            "the EU uses the mean of six dimensions.",
            "IR and sourcing use tonnes of traded product (BACI) beside tonnes of mine output: indicative only.",
            f"Substitution index SI is a parameter ({results[0].substitution_index}); trade-restriction factor t = 1.",
        ]
        if missing:
            notes.append(f"No WGI figure for {', '.join(missing)}: {GOVERNANCE_DEFAULT} (normalized) used.")
        return Table(
            name="risk",
            **_titled(N_("%(material)s: supply risk %(year)s"), material=m.name, year=str(year)),
            columns=(
                "importer",
                "production_hhi",
                "hhi_wgi_global",
                "hhi_wgi_sourcing",
                "import_reliance_pct",
                "eol_rir",
                "substitution_index",
                "eu_supply_risk",
                "geopolrisk_score",
            ),
            rows=rows,
            sources=(
                *results[0].production_hhi.sources,
                f"EoL-RIR: {results[0].eol_source}",
                "wgi_political_stability_pv.csv — World Bank WGI (PV)",
                f"imports/exports: BACI HS {', '.join(m.hs_codes)}, calendar year {year}, tonnes",
            ),
            notes=tuple(notes),
        )

    def whatif(self, key: str, supplier: str, year: int) -> Table:
        """If ``supplier`` stops exporting the material: each partner's share of its imports lost."""
        m = material(key)
        names = self.country_names()
        if supplier not in names:
            raise InvalidInput(f"supplier: {supplier!r} is not a country code the trade data knows (ISO alpha-3)")
        rows = []
        files: set[str] = set()
        for importer in self.partnership:
            flows = self._material_flows(m, year, importer=importer)
            files |= {f"{f} — {p}" for *_, f, p in flows}
            values = {str(e): float(v or 0) for e, _i, v, *_ in flows}
            quantities = {str(e): float(q or 0) for e, _i, _v, q, *_ in flows}
            rows.append(
                (
                    names.get(importer, importer),
                    _round(sum(values.values()) / 1e6, 3),
                    _round(values.get(supplier, 0.0) / 1e6, 3),
                    _round(100 * indicators.shortfall(values, supplier), 1),
                    _round(sum(quantities.values()), 1),
                    _round(quantities.get(supplier, 0.0), 1),
                    _round(100 * indicators.shortfall(quantities, supplier), 1),
                )
            )
        return Table(
            name="whatif",
            **_titled(
                N_("%(material)s: if %(supplier)s stops exporting (%(year)s)"),
                material=m.name,
                supplier=partner_said(supplier) if supplier in PARTNER_NAMES else names.get(supplier, supplier),
                year=str(year),
            ),
            columns=(
                "importer",
                "imports_usd_mn",
                "from_supplier_usd_mn",
                "shortfall_value_pct",
                "imports_t",
                "from_supplier_t",
                "shortfall_quantity_pct",
            ),
            rows=rows,
            sources=tuple(sorted(files)),
            notes=(
                "Shortfall = share of the importer's imports of these HS codes that came from the supplier; "
                "no re-routing or stocks assumed.",
            ),
        )

    def overview(self, year: int) -> Table:
        """One row per material: concentration, partners' import concentration, reliance and risk."""
        rows = []
        sources: set[str] = set()
        for m in MATERIALS:
            try:
                basis: _RiskBasis | None = self._risk_basis(m.key, year, "usgs")
            except NotFound:
                basis = None
            usgs = basis.concentration if basis else None
            if usgs:
                sources |= set(usgs.sources)
            try:
                wmd = self.production_concentration(m.key, WMD, year)
                sources |= set(wmd.sources)
            except NotFound:
                wmd = None
            _, ind_v, ind_q = self.suppliers(m.key, "IND", year)
            risks: dict[str, RiskResult] = {}
            for p in self.partnership if basis else ():
                try:
                    risks[p] = self.risk(m.key, p, year, basis=basis)
                except (NotFound, InvalidInput):
                    continue
            rows.append(
                (
                    m.name,
                    m.key,
                    _round(usgs.value, 0) if usgs else None,
                    _round(wmd.value, 0) if wmd else None,
                    _round(ind_v.value, 0) if ind_v else None,
                    _round(ind_q.value, 0) if ind_q else None,
                    *(
                        _round(
                            None
                            if (r := risks.get(p)) is None or r.import_reliance is None
                            else 100 * r.import_reliance,
                            1,
                        )
                        for p in self.partnership
                    ),
                    *(_round(r.supply_risk) if (r := risks.get(p)) else None for p in self.partnership),
                )
            )
        return Table(
            name="overview",
            **_titled(N_("Critical minerals, %(year)s"), year=str(year)),
            columns=(
                "material",
                "key",
                "usgs_mine_hhi_qty",
                "wmd_mine_hhi_qty",
                "IND_import_hhi_value",
                "IND_import_hhi_qty",
                *(f"{p}_import_reliance_pct" for p in self.partnership),
                *(f"{p}_eu_supply_risk" for p in self.partnership),
            ),
            rows=rows,
            sources=(*sorted(sources), "baci_hs92_crm_flows_ind_mys_2012_2024.csv — CEPII BACI (imports)"),
            notes=(
                "Mine HHI: by quantity, mine stage, world-total rows excluded. Import HHI: BACI, by value and by "
                "quantity. Supply risk: EU 2017 formula with SI = 1, production from USGS.",
            ),
        )
