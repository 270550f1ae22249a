"""``mitra intel match ...``: match observation files against the node's indicators."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra.console import console, fail, open_node, operator
from mitra.core.access import permit
from mitra.foundation.errors import MitraError
from mitra.pillars.intel.matching.correlation import correlate
from mitra.pillars.intel.matching.engine import IndicatorMatcher
from mitra.pillars.intel.matching.observations import FORMATS, ObservationFormat, guess_format, read_observations
from mitra.pillars.intel.matching.sightings import record_sightings
from mitra.policy import Action

app = typer.Typer(
    help="Match observations (JSON lines, CSV, Zeek logs) against active indicators.", no_args_is_help=True
)
PART = 50_000


@app.command("run")
def run(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Observations to match.")],
    format: Annotated[
        str | None, typer.Option("--format", help=f"One of {', '.join(FORMATS)} (default: from the file name).")
    ] = None,
    record_sightings_: Annotated[
        bool, typer.Option("--record-sightings", help="Record a sighting per matched indicator.")
    ] = False,
    agency: Annotated[str | None, typer.Option(help="Your agency (default: the first of MITRA_AGENCIES).")] = None,
) -> None:
    """Match a file of observations against every active indicator; optionally record sightings."""
    chosen = format or guess_format(file.name)
    if chosen not in FORMATS:
        fail(f"--format {chosen!r} is not one of {', '.join(FORMATS)}")
    fmt: ObservationFormat = chosen
    node = open_node()
    try:
        actor = operator(node, agency)
        try:
            batch = read_observations(file.read_bytes(), fmt)
        except MitraError as exc:
            fail(f"{file}: {exc}")
        with node.db.read() as session:
            matcher = IndicatorMatcher.for_actor(session, store=node.store, actor=actor)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress:
            task = progress.add_task(f"matching {file.name}", total=len(batch))
            matches = matcher.match_in_parts(batch, PART, lambda n: progress.advance(task, n))
        sightings = []
        if record_sightings_:
            permit(actor, Action.CREATE, nation=node.nation)  # a refusal ends in fail() below
            with node.db.write() as session:
                sightings = record_sightings(
                    session,
                    store=node.store,
                    actor=actor,
                    matcher=matcher,
                    batch=batch,
                    matches=matches,
                    source=file.name,
                )
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    summary = Table(title=f"matching {file.name}")
    for column in ("observations", "indicators", "by stix2-matcher", "matches", "indicators hit", "sightings"):
        summary.add_column(column, justify="right")
    summary.add_row(
        str(len(batch)),
        str(len(matcher.indicators)),
        str(matcher.complex_count),
        str(len(matches.pairs)),
        str(len(matches.by_indicator())),
        str(len(sightings)),
    )
    console.print(summary)
    if matches.pairs:
        hits = Table(title="indicators hit")
        for column in ("indicator", "originator", "observations", "first line"):
            hits.add_column(column)
        for number, observations in sorted(matches.by_indicator().items()):
            indicator = matcher.indicators[number]
            hits.add_row(
                indicator.name or indicator.id,
                indicator.originator_nation,
                str(len(observations)),
                str(batch.lines[observations[0]]),
            )
        console.print(hits)
    for sighting in sightings:
        console.print(f"sighting {sighting.id} of {sighting.indicator_id}: {sighting.reason}")
    if matches.errors:
        console.print(f"[yellow]{matches.errors} indicator/observation pairs stix2-matcher could not evaluate[/]")


@app.command("correlate")
def correlate_command(
    agency: Annotated[str | None, typer.Option(help="Your agency (default: the first of MITRA_AGENCIES).")] = None,
) -> None:
    """List observable values seen by both nations or across incidents."""
    node = open_node()
    try:
        actor = operator(node, agency)
        with node.db.read() as session:
            groups = correlate(session, store=node.store, actor=actor)
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    if not groups:
        console.print("no value is shared across nations or incidents")
        return
    table = Table(title="correlations")
    for column in ("observable", "nations", "objects", "incidents"):
        table.add_column(column)
    for group in groups:
        table.add_row(
            group.observable,
            ", ".join(group.nations),
            "\n".join(f"{o.type} {o.label} ({o.originator_nation})" for o in group.objects),
            "\n".join(i.label for i in group.incidents) or "-",
        )
    console.print(table)
