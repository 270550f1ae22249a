"""``mitra maritime ...``: import incidents from CSV (NGA ASAM, IMB, ReCAAP ISC, a mapping), statistics, areas."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra.console import (
    AgencyOption,
    check_input_file,
    console,
    fail,
    open_node,
    operator,
    print_report,
    require_usable,
    settings,
    tlp_option,
)
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import MitraError
from mitra.node import Node
from mitra.pillars.maritime.areas import parse_area_geojson
from mitra.pillars.maritime.asam import ASAM
from mitra.pillars.maritime.incident_csv import IncidentFormat, import_incidents
from mitra.pillars.maritime.incident_formats import PRESETS, load_mapping, preset
from mitra.pillars.maritime.service import incident_stats, save_areas
from mitra.policy import Actor

maritime_app = typer.Typer(help="Maritime incidents and areas of interest.", no_args_is_help=True)
incidents_app = typer.Typer(help="Maritime incident reports.", no_args_is_help=True)
areas_app = typer.Typer(help="Areas of interest.", no_args_is_help=True)
maritime_app.add_typer(incidents_app, name="incidents")
maritime_app.add_typer(areas_app, name="areas")

TlpOption = Annotated[str, tlp_option("TLP 2.0 level of what is imported.")]
# A mapping file may bring any data: without --tlp it gets the node's default, not the public sources' CLEAR.
MappedTlpOption = Annotated[
    str | None,
    tlp_option("TLP of what is imported (default: clear for a preset's public source, else MITRA_DEFAULT_TLP)."),
]
ReleasableOption = Annotated[
    list[str] | None, typer.Option("--releasable-to", help="A nation (alpha-3) it may go to; repeatable.")
]


def _handling(node: Node, actor: Actor, tlp: str, releasable_to: list[str] | None) -> HandlingInput:
    return HandlingInput(
        tlp=tlp.lower(),
        originator_nation=node.nation,
        originator_agency=actor.agency or "",
        releasable_to=tuple(n.upper() for n in releasable_to or ()),
        orcon=tlp.lower() != "clear",
    )


@incidents_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CSV of incident records.")],
    preset_name: Annotated[
        str | None, typer.Option("--preset", help=f"A known export's columns: {', '.join(PRESETS)}.")
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="A JSON or TOML file saying what each column means."),
    ] = None,
    tlp: MappedTlpOption = None,
    releasable_to: ReleasableOption = None,
    agency: AgencyOption = None,
) -> None:
    """Import incident records from a CSV (idempotent): a preset's columns or a mapping's.

    Bad rows are listed by line and the good ones imported (exit 0); a file with no good row imports nothing
    and stops with one line (exit 1), as does an empty or binary file, a bad mapping or a header it cannot read.
    """
    if (preset_name is None) == (mapping is None):
        fail(f"give --preset {'|'.join(PRESETS)} or --mapping FILE (one of them)")
    check_input_file(file)
    if mapping is not None:
        check_input_file(mapping)
    try:
        fmt: IncidentFormat = load_mapping(mapping) if mapping is not None else preset(preset_name or "")
    except MitraError as exc:
        fail(str(exc))
    if tlp is None:
        tlp = "clear" if mapping is None else settings().default_tlp
    _import(file, fmt, tlp=tlp, releasable_to=releasable_to, agency=agency)


@incidents_app.command("import-asam")
def import_asam_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An NGA ASAM CSV export.")],
    tlp: TlpOption = "clear",
    releasable_to: ReleasableOption = None,
    agency: AgencyOption = None,
) -> None:
    """Import NGA ASAM records as incident reports (idempotent): ``import FILE --preset asam``."""
    check_input_file(file)
    _import(file, ASAM, tlp=tlp, releasable_to=releasable_to, agency=agency)


def _import(file: Path, fmt: IncidentFormat, *, tlp: str, releasable_to: list[str] | None, agency: str | None) -> None:
    """Import ``file`` read by ``fmt`` with a progress bar; the report: counts, reasons by line, tallies."""
    node = open_node()
    actor = operator(node, agency)
    try:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress:
            task = progress.add_task(f"importing {file.name}", total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, total=total, advance=done)

            report = import_incidents(
                node,
                path=file,
                fmt=fmt,
                actor=actor,
                handling=_handling(node, actor, tlp, releasable_to),
                on_progress=advance,
                on_finish=require_usable,  # an import that kept no record fails, its last batch rolled back
            )
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    print_report(report, f"{fmt.title} import of {file.name}")


@incidents_app.command("stats")
def stats_command(
    year: Annotated[int | None, typer.Option(help="Only this year.")] = None,
    agency: AgencyOption = None,
) -> None:
    """Incidents per named area and year, and per NGA ASAM subregion."""
    node = open_node()
    actor = operator(node, agency)
    try:
        stats = incident_stats(node, actor, year=year)
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    years = stats.years if year is None else [year]
    for title, groups in (("area", stats.by_area), ("ASAM subregion", stats.by_subregion)):
        table = Table(title=f"incidents per {title} and year ({stats.total} incidents)")
        table.add_column(title)
        for y in years:
            table.add_column(str(y), justify="right")
        table.add_column("total", justify="right")
        for name in sorted(groups):
            counts = groups[name]
            table.add_row(name, *(str(counts.get(y, 0)) for y in years), str(sum(counts[y] for y in years)))
        console.print(table)


@areas_app.command("import")
def areas_import_command(
    geojson: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="GeoJSON with named polygons.")],
    name: Annotated[str | None, typer.Option(help="Name for a single unnamed polygon.")] = None,
    tlp: TlpOption = "green",
    releasable_to: ReleasableOption = None,
    agency: AgencyOption = None,
) -> None:
    """Create or update areas of interest from a GeoJSON file (one area per feature)."""
    node = open_node()
    actor = operator(node, agency)
    try:
        text = geojson.read_text(encoding="utf-8")
        areas = parse_area_geojson(text, where=str(geojson), name=name)
        with node.db.write() as session:
            rows = save_areas(
                session, node=node, actor=actor, areas=areas, handling=_handling(node, actor, tlp, releasable_to)
            )
            stored = [(row.id, json.loads(row.body)["name"]) for row in rows]
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{geojson}: cannot read ({exc})")
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    for object_id, area_name in stored:
        console.print(f"stored area {area_name!r}: {object_id}")
