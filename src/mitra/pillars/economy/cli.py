"""``mitra economy ...``: import trade and mineral files, and ask for concentration and what-ifs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from mitra.console import check_input_file, console, fail, open_node, operator, read_input_text, require_usable
from mitra.foundation.errors import MitraError
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.pillars.economy.importers import IMPORTERS
from mitra.pillars.economy.models import Table
from mitra.pillars.economy.seed import load_shipped, shipped_data_dir, store_of
from mitra.pillars.economy.service import EconomyService
from mitra.pillars.economy.tables import DEFAULT_YEAR, TableParams, build_table
from mitra.policy import Action, authorize

economy_app = typer.Typer(help="Trade flows and critical minerals (the DuckDB analytics store).", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The CSV file.")]
AgencyOpt = Annotated[str | None, typer.Option(help="Acting agency (default: the first of MITRA_AGENCIES).")]
YearOpt = Annotated[int, typer.Option(help="Calendar year.")]


@contextmanager
def _node_for(action: Action, agency: str | None) -> Iterator[Node]:
    node = open_node()
    try:
        decision = authorize(operator(node, agency), action, node_nation=node.nation)
        if not decision.allowed:
            fail(decision.reason)
        yield node
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()


def _print_report(report: ImportReport) -> None:
    first, *rest = report.lines()
    console.print(first, highlight=False)
    for line in rest:
        console.print(line, highlight=False, markup=False)


def _line_count(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _run_import(path: Path, agency: str | None, kind: str) -> None:
    """Import one file; bad lines are listed and the rest kept (exit 0), a file with no usable line fails (exit 1)."""
    check_input_file(path)
    with _node_for(Action.INGEST, agency) as node:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress:
            task = progress.add_task(f"importing {path.name}", total=_line_count(path))
            try:
                reports = IMPORTERS[kind](store_of(node), path, lambda: progress.advance(task))
            except UnicodeDecodeError:  # an importer that reads its header itself; say where, as the others do
                read_input_text(path)
                raise
        *tables, report = reports
        for table in tables:  # BACI's country and product tables, read first
            _print_report(table)
        try:
            require_usable(report)
        except MitraError as exc:
            fail(f"{path}: {exc} (nothing was imported)")
        _print_report(report)


@economy_app.command("import-baci")
def import_baci(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import a BACI file (t,i,j,k,v,q); BACI's country/product tables beside it are imported first."""
    _run_import(file, agency, "baci")


@economy_app.command("import-comtrade")
def import_comtrade(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import a UN Comtrade API CSV (needs BACI's country table, imported with import-baci or import-countries)."""
    _run_import(file, agency, "comtrade")


@economy_app.command("import-countries")
def import_countries(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import BACI's country code table (code, name, ISO3)."""
    _run_import(file, agency, "countries")


@economy_app.command("import-fiscal")
def import_fiscal(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import fiscal-year totals (India's DGCI&S layout: fiscal_year_india, india_exports_to_malaysia_usd_mn, ...)."""
    _run_import(file, agency, "fiscal")


@economy_app.command("import-usgs")
def import_usgs(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import a USGS MCS world production file (mcsYYYY-<commodity>_world.csv)."""
    _run_import(file, agency, "usgs")


@economy_app.command("import-wmd")
def import_wmd(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import World Mining Data production (long format)."""
    _run_import(file, agency, "wmd")


@economy_app.command("import-wgi")
def import_wgi(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import WGI governance estimates (Political Stability, PV)."""
    _run_import(file, agency, "wgi")


@economy_app.command("import-hsmap")
def import_hsmap(file: FileArg, agency: AgencyOpt = None) -> None:
    """Import the material -> HS code / EoL-RIR map."""
    _run_import(file, agency, "hsmap")


@economy_app.command("import-shipped")
def import_shipped(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="The economy data folder (default ../shared/data/economy).")
    ] = None,
    agency: AgencyOpt = None,
) -> None:
    """Import every shipped economy file (BACI, fiscal totals, USGS, WMD, WGI, HS map); idempotent."""
    folder = directory or shipped_data_dir()
    if not folder.is_dir():
        fail(f"{folder}: no such folder (give --dir)")
    with _node_for(Action.INGEST, agency) as node:
        with console.status(f"importing {folder}"):
            reports = load_shipped(node, folder)
        if not reports:
            fail(f"{folder}: no economy file to import (baci_*.csv, *_fy_usd_mn.csv, usgs_mcs/mcs*_world.csv, ...)")
        for report in reports:
            _print_report(report)


def _show(table: Table) -> None:
    rich = RichTable(title=table.title)
    for column in table.columns:
        rich.add_column(column)
    for row in table.rows:
        rich.add_row(*("" if v is None else str(v) for v in row))
    console.print(rich)
    for source in table.sources:
        console.print(f"source: {source}", highlight=False, markup=False)
    for note in table.notes:
        console.print(f"note: {note}", highlight=False, markup=False)


@economy_app.command("hhi")
def hhi(
    material: Annotated[str, typer.Argument(help="rare-earths, tin, lithium, nickel, cobalt or graphite.")],
    source: Annotated[
        str, typer.Option(help="usgs or wmd (production), or imports (the importer's suppliers, BACI).")
    ] = "usgs",
    year: YearOpt = DEFAULT_YEAR,
    importer: Annotated[str, typer.Option(help="Importer for --source imports (ISO3).")] = "IND",
    agency: AgencyOpt = None,
) -> None:
    """Concentration (HHI) of a material's production or of an importer's suppliers, with its basis."""
    with _node_for(Action.READ_DATA, agency) as node:
        service = EconomyService(store_of(node), node.partnership)
        with service.store.session():
            if source == "imports":
                table, by_value, by_quantity = service.suppliers(material, importer.upper(), year)
                for found in (by_value, by_quantity):
                    if found is not None:
                        console.print(found.describe(), highlight=False)
                _show(table)
                return
            dataset = service.resolve_dataset(material, source, year)
            concentration = service.production_concentration(material, dataset, year)
            console.print(concentration.describe(), highlight=False)
            for excluded in concentration.excluded:
                console.print(f"  excluded: {excluded}", highlight=False, markup=False)
            for line in concentration.sources:
                console.print(f"source: {line}", highlight=False, markup=False)


@economy_app.command("whatif")
def whatif(
    material: Annotated[str, typer.Argument(help="rare-earths, tin, lithium, nickel, cobalt or graphite.")],
    supplier: Annotated[str, typer.Option(help="The supplier that stops exporting (ISO3, e.g. CHN).")],
    year: YearOpt = DEFAULT_YEAR,
    agency: AgencyOpt = None,
) -> None:
    """Each partner's shortfall if one supplier stops exporting the material."""
    with _node_for(Action.READ_DATA, agency) as node:
        service = EconomyService(store_of(node), node.partnership)
        params = TableParams(material=material, supplier=supplier.upper(), year=year)
        _show(build_table(service, "whatif", params))


@economy_app.command("risk")
def risk(
    material: Annotated[str, typer.Argument(help="rare-earths, tin, lithium, nickel, cobalt or graphite.")],
    year: YearOpt = DEFAULT_YEAR,
    source: Annotated[str, typer.Option(help="Production source: usgs or wmd.")] = "usgs",
    substitution_index: Annotated[float, typer.Option("--si", help="Substitution index SI_SR (0..1).")] = 1.0,
    agency: AgencyOpt = None,
) -> None:
    """EU-2017 supply risk and GeoPolRisk-style score of a material for India and Malaysia."""
    with _node_for(Action.READ_DATA, agency) as node:
        service = EconomyService(store_of(node), node.partnership)
        params = TableParams(material=material, year=year, source=source, substitution_index=substitution_index)
        _show(build_table(service, "risk", params))
