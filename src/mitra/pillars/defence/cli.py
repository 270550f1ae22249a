"""``mitra defence ...``: import SIPRI, export the exercise calendar, search the registry, rank matches."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra.console import (
    AgencyOption,
    console,
    fail,
    open_node,
    operator,
    print_report,
    read_input_text,
    require_usable,
    tlp_option,
)
from mitra.foundation.errors import MitraError
from mitra.node import Node
from mitra.pillars.defence import service
from mitra.pillars.defence.calendar import calendar_bytes, year_only
from mitra.pillars.defence.sipri import SipriFormatError, parse_sipri
from mitra.pillars.defence.vocabulary import CAPABILITIES, PLATFORMS
from mitra.policy import Actor

defence_app = typer.Typer(help="Defence industry registry, opportunities and joint exercises.", no_args_is_help=True)


@contextmanager
def _operating(agency: str | None) -> Iterator[tuple[Node, Actor]]:
    """The node, opened for one command and closed after it, and the operator acting on it."""
    node = open_node()
    try:
        yield node, operator(node, agency)
    finally:
        node.close()


@defence_app.command("import-sipri")
def import_sipri(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="A SIPRI trade register CSV.")],
    tlp: Annotated[str, tlp_option("TLP of the imported deals (public data: clear).")] = "clear",
    releasable_to: Annotated[
        list[str] | None, typer.Option("--releasable-to", help="Nations the deals may go to (repeatable).")
    ] = None,
    agency: AgencyOption = None,
) -> None:
    """Import SIPRI arms transfers; re-importing changes nothing.

    Bad rows are listed by line and the good ones imported (exit 0); a file with no good row imports
    nothing and stops with one line (exit 1), as does an empty, binary or non-SIPRI file.
    """
    text = read_input_text(file)
    try:
        parsed = parse_sipri(text)
    except SipriFormatError as exc:
        fail(f"{file}: {exc}")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with (
            _operating(agency) as (node, actor),
            Progress(*columns, console=console, transient=not sys.stdout.isatty()) as progress,
            node.db.write() as session,
        ):
            task = progress.add_task(f"importing {file.name}", total=len(parsed.rows))
            report = service.import_sipri(
                session,
                store=node.store,
                parsed=parsed,
                actor=actor,
                tlp=tlp,
                releasable_to=tuple(n.upper() for n in releasable_to or ()),
                where=str(file),
                on_progress=lambda n: progress.advance(task, n),
            )
            require_usable(report)
    except MitraError as exc:
        fail(f"{file}: {exc} (nothing was imported)")
    print_report(report, f"SIPRI import of {file.name}")


@defence_app.command("calendar")
def calendar(
    ics: Annotated[Path, typer.Option("--ics", dir_okay=False, help="Write the exercise calendar here (.ics).")],
    agency: AgencyOption = None,
) -> None:
    """Export every joint exercise edition as iCalendar."""
    with _operating(agency) as (node, actor), node.db.read() as session:
        exercises = service.list_exercises(session, store=node.store, actor=actor)
    try:
        ics.write_bytes(calendar_bytes(exercises))
    except OSError as exc:
        fail(f"{ics}: cannot write ({exc.strerror})")
    editions = sum(len(x.editions) for x in exercises)
    undated = year_only(exercises)
    console.print(f"wrote {editions - len(undated)} dated editions of {len(exercises)} exercises to {ics}")
    if undated:
        console.print(
            f"{len(undated)} editions known only by year are not calendar events (named in the calendar's"
            f" description): {', '.join(undated)}"
        )


@defence_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find, e.g. 'Su-30 MRO'.")],
    agency: AgencyOption = None,
) -> None:
    """Find organisations by name, alias, capability or platform."""
    with _operating(agency) as (node, actor), node.db.read() as session:
        hits = service.search_organisations(session, store=node.store, actor=actor, query=query)
    table = Table("organisation", "country", "matched", "id")
    for hit in hits:
        table.add_row(
            hit.organisation.name, hit.organisation.country or "-", "; ".join(hit.matched), hit.organisation.id
        )
    console.print(table)
    if not hits:
        console.print(f"no organisation matches every word of {query!r}")


@defence_app.command("match")
def match(
    opportunity_id: Annotated[str, typer.Argument(help="An x-mitra-opportunity id.")],
    agency: AgencyOption = None,
) -> None:
    """Rank organisations on the other side for an opportunity, with the reasons."""
    try:
        with _operating(agency) as (node, actor), node.db.write() as session:
            matches = service.match_opportunity(session, store=node.store, actor=actor, opportunity_id=opportunity_id)
    except MitraError as exc:
        fail(str(exc))
    table = Table("#", "organisation", "score", "reasons")
    for rank, found in enumerate(matches, start=1):
        reasons = "\n".join(f"{r.factor} +{r.points:.1f}: {r.text}" for r in found.reasons)
        table.add_row(str(rank), found.organisation.name, f"{found.score:.1f}", reasons)
    console.print(table)


@defence_app.command("vocabulary")
def vocabulary() -> None:
    """List the capability vocabulary and the known platform families."""
    table = Table("capability id", "label", "description", title="Capabilities")
    for capability in CAPABILITIES:
        table.add_row(capability.id, capability.label, capability.description)
    console.print(table)
    platforms = Table("platform id", "label", "variants", title="Platform families")
    for platform in PLATFORMS:
        platforms.add_row(platform.id, platform.label, ", ".join(platform.variants))
    console.print(platforms)
