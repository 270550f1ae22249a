"""``mitra intel ...``: import STIX bundles, MISP events and indicator lists; export MISP; warninglists."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra.console import (
    AgencyOption,
    TlpOption,
    console,
    fail,
    open_node,
    operator,
    print_report,
    read_input_text,
    require_usable,
)
from mitra.foundation.errors import MitraError
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.pillars.intel import india_malaysia, service
from mitra.pillars.intel.matching import cli as matching_cli
from mitra.pillars.intel.warninglists import node_warninglists
from mitra.policy import Actor

intel_app = typer.Typer(help="Intelligence: imports, MISP export, warninglists, matching.", no_args_is_help=True)
intel_app.add_typer(matching_cli.app, name="match")

_SHARED = Path(__file__).resolve().parents[5] / "shared" / "data" / "intel" / "attack"


def _read_json(file: Path) -> Any:
    try:
        return json.loads(read_input_text(file))
    except json.JSONDecodeError as exc:
        fail(f"{file}: not valid JSON ({exc})")


def _print_outcome(outcome: ImportReport, title: str) -> None:
    print_report(outcome, title)
    if not outcome.changed:
        console.print("  nothing new: everything in the file was held already")


def _run(
    file: Path,
    agency: str | None,
    total: int,
    work: Callable[[Any, Node, Actor, Callable[[int], None]], ImportReport],
) -> None:
    node = open_node()
    actor = operator(node, agency)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress:
            # Each object is counted when validated and when stored; an unknown count (0) pulses and counts up.
            task = progress.add_task(f"validating and storing {file.name}", total=total * 2 if total else None)
            with node.db.write() as session:
                outcome = require_usable(work(session, node, actor, lambda n: progress.advance(task, n)))
    except MitraError as exc:
        fail(f"{exc} (nothing was imported)")
    finally:
        node.close()
    _print_outcome(outcome, f"import of {file.name}")


FileArgument = Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The file to import.")]


@intel_app.command("import-stix")
def import_stix(file: FileArgument, tlp: TlpOption = None, agency: AgencyOption = None) -> None:
    """Import a STIX 2.1 bundle (e.g. ATT&CK Enterprise): all or nothing, with a report."""
    document = _read_json(file)
    objects = document.get("objects", []) if isinstance(document, dict) else document
    total = len(objects) if isinstance(objects, list) else 0
    _run(
        file,
        agency,
        total,
        lambda session, node, actor, advance: service.import_stix(
            session, node, actor=actor, document=document, where=str(file), tlp=tlp, on_progress=advance
        ),
    )


@intel_app.command("import-misp")
def import_misp(file: FileArgument, agency: AgencyOption = None) -> None:
    """Import a MISP event (MISP JSON): report, indicators and galaxy objects, versioned by MISP uuids."""
    document = _read_json(file)
    _run(
        file,
        agency,
        0,  # objects are known only once the event is converted
        lambda session, node, actor, advance: service.import_misp(
            session, node, actor=actor, document=document, where=str(file), on_progress=advance
        ),
    )


@intel_app.command("import-csv")
def import_csv(
    file: FileArgument,
    tlp: TlpOption = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Skip bad lines (listed) instead of refusing.")] = False,
    agency: AgencyOption = None,
) -> None:
    """Import a CSV (type,value[,name,description,labels]) or a plain list of indicator values.

    A bad line refuses the whole file (exit 1, each bad line named); with --skip-bad the good lines are
    imported and the bad ones listed (exit 0), unless no line is good (exit 1, nothing imported).
    """
    text = read_input_text(file)
    _run(
        file,
        agency,
        text.count("\n") + 1,
        lambda session, node, actor, advance: service.import_csv(
            session, node, actor=actor, text=text, where=str(file), tlp=tlp, skip_bad=skip_bad, on_progress=advance
        ),
    )


@intel_app.command("import-india-malaysia")
def import_india_malaysia(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="india-malaysia-actors.derived.json")] = _SHARED
    / "india-malaysia-actors.derived.json",
    attack: Annotated[
        Path | None, typer.Option(help="ATT&CK Enterprise bundle to take the exact objects from.")
    ] = None,
    agency: AgencyOption = None,
) -> None:
    """Import the actors and campaigns that target India or Malaysia, for the India-Malaysia view."""
    if not file.is_file():
        fail(f"{file}: no such file")
    document = _read_json(file)
    _run(
        file,
        agency,
        0,  # objects are known only once the entries are matched to ATT&CK
        lambda session, node, actor, advance: india_malaysia.import_targets(
            session, node, actor=actor, document=document, where=str(file), attack_path=attack, on_progress=advance
        ),
    )


@intel_app.command("export-misp")
def export_misp(
    report_id: Annotated[str, typer.Argument(help="The report to export, e.g. report--...")],
    out: Annotated[Path | None, typer.Option(help="Write here instead of standard output.")] = None,
    agency: AgencyOption = None,
) -> None:
    """Export a report and the objects it names as a MISP event (TLP and PAP as MISP tags)."""
    node = open_node()
    actor = operator(node, agency)
    try:
        with node.db.write() as session:
            event = service.export_misp_event(session, node, actor=actor, report_id=report_id)
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    text = json.dumps(event, indent=2, ensure_ascii=False)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {out}")


@intel_app.command("warninglists")
def warninglists(
    values: Annotated[list[str] | None, typer.Argument(help="Values to check (none: list the lists).")] = None,
) -> None:
    """List the loaded MISP warninglists, or check values against them."""
    node = open_node()
    try:
        index = node_warninglists(node.settings.data_dir)
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    if not values:
        table = Table(title="warninglists")
        for column in ("file", "name", "type", "entries"):
            table.add_column(column)
        for item in index.lists:
            table.add_row(item.file, item.name, item.type, str(item.size))
        console.print(table)
        return
    for value in values:
        hits = index.check(value)
        if not hits:
            console.print(f"{value}: on no warninglist")
        for hit in hits:
            console.print(f"{value}: on {hit.list_name} ({hit.list_file}, entry {hit.entry})")
