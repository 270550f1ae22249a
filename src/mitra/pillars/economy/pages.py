"""HTML pages under ``/economy``: the bilateral trade dashboard, the minerals overview, one page per material,
and CSV export of every table. Thin over :mod:`mitra.pillars.economy.service`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from mitra.foundation.errors import InvalidInput, NotFound
from mitra.pillars.economy import charts
from mitra.pillars.economy.materials import MATERIALS, material
from mitra.pillars.economy.models import Table
from mitra.pillars.economy.seed import store_of
from mitra.pillars.economy.service import EconomyService
from mitra.pillars.economy.tables import DEFAULT_YEAR, TableParams, build_table, column_words, is_year_column
from mitra.policy import Action
from mitra.web import i18n
from mitra.web.auth import node_of
from mitra.web.i18n import _, say
from mitra.web.rendering import TEMPLATES, SignedIn, language_of, permit, render

router = APIRouter(prefix="/economy", include_in_schema=False)
# How the pillar's tables read on a page (``economy/_table.html``); the CSV keeps the machine names.
TEMPLATES.env.globals["column_label"] = lambda name: say(column_words(name))  # in the page's language
TEMPLATES.env.globals["is_year_column"] = is_year_column
YearQuery = Annotated[int, Query(ge=1900, le=2100)]
FISCAL_HIGHLIGHTS = ("2016-17", "2022-23")


def _service(request: Request) -> EconomyService:
    return EconomyService(store_of(node_of(request)), node_of(request).partnership)


def _csv_url(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"/economy/tables/{name}.csv" + (f"?{query}" if query else "")


def _sources(table: Table) -> str:
    return "; ".join(table.sources) or _("no data imported")


@dataclass(frozen=True)
class HeadlineCard:
    """One headline figure: the latest year held that has data, and which year it is."""

    kind: str  # fiscal | flows
    period: str
    label: str
    total: float
    basis: str
    source: str


def headline_cards(fiscal: Table, flows: Table) -> list[HeadlineCard]:
    """The latest fiscal year with a total (and the latest final one, if the latest is provisional), and the
    latest calendar year of BACI flows with a figure: never a year fixed in the code. Worded in the language being
    spoken (the caller sets it)."""
    cards: list[HeadlineCard] = []
    held = [r for r in fiscal.rows if r[3] is not None]
    basis = _("India's fiscal year runs April to March.")
    if held:
        latest = held[-1]
        provisional = latest[6] != "final"
        label = (
            _("Latest fiscal year held: {year} (provisional)") if provisional else _("Latest fiscal year held: {year}")
        ).format(year=latest[0])
        cards.append(HeadlineCard("fiscal", str(latest[0]), label, float(latest[3]), basis, _sources(fiscal)))
        final = [r for r in held if r[6] == "final"]
        if provisional and final:
            label = _("Latest final fiscal year: {year}").format(year=final[-1][0])
            cards.append(HeadlineCard("fiscal", str(final[-1][0]), label, float(final[-1][3]), basis, _sources(fiscal)))
    years = [r for r in flows.rows if r[3] is not None]
    if years:
        year, total = years[-1][0], float(years[-1][3])
        label = _("Critical-raw-material trade, latest calendar year held: {year}").format(year=year)
        basis = _("Both directions, the 74 HS codes of the BACI extract.")
        cards.append(HeadlineCard("flows", str(year), label, total, basis, _sources(flows)))
    return cards


def _chapter_years(flows: Table) -> list[int]:
    return [int(r[0]) for r in flows.rows if r[3] is not None]


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: SignedIn, year: YearQuery | None = None) -> Response:
    permit(request, user, Action.READ_DATA)
    service = _service(request)
    with service.store.session():
        fiscal = service.fiscal_trade()
        calendar = service.calendar_trade()
        flows = service.bilateral_flows()
        chapter_years = _chapter_years(flows)
        chapter_year = year or (chapter_years[-1] if chapter_years else DEFAULT_YEAR)
        chapters = service.chapters(chapter_year)
        reference = {r[0]: r[3] for r in fiscal.rows if r[0] in FISCAL_HIGHLIGHTS and r[3] is not None}
        final = [r[0] for r in fiscal.rows if r[3] is not None and r[6] == "final"]
        growth = None
        if FISCAL_HIGHLIGHTS[0] in reference and final and final[-1] != FISCAL_HIGHLIGHTS[0]:
            rate = service.fiscal_cagr(FISCAL_HIGHLIGHTS[0], final[-1])
            growth = {"first": FISCAL_HIGHLIGHTS[0], "last": final[-1], "rate": rate} if rate is not None else None
    with i18n.speaking(language_of(request, user)):  # the charts' and cards' words in the person's language
        fiscal_chart = charts.bar_chart(
            _("India's trade with Malaysia by fiscal year (USD million)"),
            [str(r[0]) for r in fiscal.rows],
            [r[3] for r in fiscal.rows],
            _("USD million"),
            _sources(fiscal),
        )
        directions: dict[str, Sequence[float | None]] = {
            _("India → Malaysia"): [r[1] for r in flows.rows],
            _("Malaysia → India"): [r[2] for r in flows.rows],
        }
        flow_chart = charts.line_chart(
            _("Critical-raw-material trade between India and Malaysia (BACI, USD million)"),
            [str(r[0]) for r in flows.rows],
            directions,
            _("USD million"),
            _sources(flows),
        )
        cards = headline_cards(fiscal, flows)
    return render(
        request,
        "economy/dashboard.html",
        user,
        fiscal=fiscal,
        calendar=calendar,
        flows=flows,
        chapters=chapters,
        cards=cards,
        growth=growth,
        reference=reference,
        chapter_year=chapter_year,
        chapter_years=chapter_years,
        fiscal_chart=fiscal_chart,
        flow_chart=flow_chart,
        fiscal_source=_sources(fiscal),
        csv={
            "fiscal": _csv_url("fiscal-trade"),
            "calendar": _csv_url("calendar-trade"),
            "flows": _csv_url("bilateral-flows"),
            "chapters": _csv_url("chapters", year=chapter_year),
        },
    )


@router.get("/minerals", response_class=HTMLResponse)
def minerals(request: Request, user: SignedIn, year: YearQuery = DEFAULT_YEAR) -> Response:
    permit(request, user, Action.READ_DATA)
    service = _service(request)
    overview = build_table(service, "overview", TableParams(year=year))
    columns = overview.columns
    points = []
    for row in overview.rows:
        values = dict(zip(columns, row, strict=True))
        for partner in service.partnership:
            reliance, risk = values[f"{partner}_import_reliance_pct"], values[f"{partner}_eu_supply_risk"]
            if reliance is not None and risk is not None:
                points.append((f"{values['material']} ({partner})", float(reliance), float(risk)))
    with i18n.speaking(language_of(request, user)):  # the chart's words in the person's language
        matrix = charts.risk_matrix(
            _("Risk matrix {year}: import reliance vs EU supply risk").format(year=year),
            points,
            _("net import reliance (%)"),
            _("EU supply risk (SR)"),
            100,
            max([5.0, *(p[2] for p in points)]),
            _sources(overview),
        )
    return render(
        request,
        "economy/minerals.html",
        user,
        overview=overview,
        matrix=matrix,
        year=year,
        materials=MATERIALS,
        csv=_csv_url("overview", year=year),
    )


@router.get("/minerals/{key}", response_class=HTMLResponse)
def material_page(
    request: Request,
    user: SignedIn,
    key: str,
    year: YearQuery = DEFAULT_YEAR,
    supplier: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CHN",
) -> Response:
    permit(request, user, Action.READ_DATA)
    m = material(key)
    service = _service(request)
    sections: list[dict[str, Any]] = []
    with service.store.session():
        for source in ("usgs", "wmd"):
            try:
                dataset = service.resolve_dataset(key, source, year)
                table = service.production(key, dataset, year)
                hhi = service.production_concentration(key, dataset, year)
            except NotFound as exc:
                sections.append({"missing": str(exc)})
                continue
            sections.append(
                {"table": table, "hhi": hhi, "csv": _csv_url("production", material=key, year=year, source=source)}
            )
        compare = service.compare_sources(key, year)
        supplier_sections: list[dict[str, Any]] = []
        for importer in service.partnership:
            table, by_value, by_quantity = service.suppliers(key, importer, year)
            chart = charts.share_chart(
                table.title + " — share by value",
                [(str(r[0]), float(r[4])) for r in table.rows[:12] if r[4] is not None],
                _sources(table),
            )
            supplier_sections.append(
                {
                    "table": table,
                    "by_value": by_value,
                    "by_quantity": by_quantity,
                    "chart": chart,
                    "csv": _csv_url("suppliers", material=key, year=year, importer=importer),
                }
            )
        try:
            risk = service.risk_table(key, year)
        except (NotFound, InvalidInput) as exc:
            risk = None
            risk_missing = str(exc)
        else:
            risk_missing = ""
        whatif = service.whatif(key, supplier, year)
        names = service.country_names()
    choices = sorted({str(r[1]) for s in supplier_sections for r in s["table"].rows} | {supplier})
    return render(
        request,
        "economy/material.html",
        user,
        m=m,
        year=year,
        sections=sections,
        compare=compare,
        compare_csv=_csv_url("compare", material=key, year=year),
        suppliers=supplier_sections,
        risk=risk,
        risk_missing=risk_missing,
        risk_csv=_csv_url("risk", material=key, year=year),
        whatif=whatif,
        whatif_csv=_csv_url("whatif", material=key, year=year, supplier=supplier),
        supplier=supplier,
        supplier_name=names.get(supplier, supplier),
        whatif_rows=[dict(zip(whatif.columns, row, strict=True)) for row in whatif.rows],
        names=names,
        choices=[(c, names.get(c, c)) for c in choices],
    )


@router.get("/tables/{name}.csv")
def table_csv(
    request: Request,
    user: SignedIn,
    name: str,
    material: Annotated[str, Query(pattern=r"^[a-z-]{2,20}$")] = "rare-earths",
    year: YearQuery = DEFAULT_YEAR,
    importer: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "IND",
    supplier: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "CHN",
    source: Annotated[str, Query(pattern=r"^(usgs|wmd)$")] = "usgs",
) -> Response:
    """Any table as CSV, with its sources as trailing comment lines."""
    permit(request, user, Action.READ_DATA)
    service = _service(request)
    table = build_table(service, name, TableParams(material, year, importer, supplier, source))
    return PlainTextResponse(
        table.as_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{year}.csv"'},
    )
