"""``mitra dialogue ...``: status table, annual report (HTML/PDF), document intake, OCDS export."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from mitra.console import console, fail, open_node, operator, read_input_bytes, where_not_utf8
from mitra.foundation.errors import InvalidInput, MitraError
from mitra.foundation.timestamps import parse_date
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.intake import SENTENCE_WORDS, count_sentences, propose
from mitra.pillars.dialogue.models import session_line
from mitra.pillars.dialogue.reports import draft_agenda, ocds_package, report_for, report_pdf

dialogue_app = typer.Typer(
    help="The Security Dialogue: sessions, commitments, progress, reports.", no_args_is_help=True
)


def _register(node: Node, today: date) -> service.Register:
    """The register as the node's operator (its first agency) may see it."""
    with node.db.read() as session:
        return service.load_register(session, node, operator(node, None), today=today)


def _parse_today(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return parse_date(value, where="--today")
    except InvalidInput as exc:
        fail(str(exc))


@dialogue_app.command("status")
def status(today: Annotated[str | None, typer.Option(help="Judge deadlines as of this date.")] = None) -> None:
    """A table of every commitment by area and status; flags an overdue session."""
    node = open_node()
    try:
        register = _register(node, _parse_today(today))
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    for s in register.sessions:
        console.print(session_line(s), highlight=False)
    nxt = register.next_session
    if nxt:
        flag = f"[bold red]OVERDUE by {nxt.days_overdue} days[/]" if nxt.overdue else "on time"
        console.print(f"next: session {nxt.number}, due by {nxt.due.isoformat()}, host {nxt.host_nation}: {flag}")
    table = Table(title="Commitments")
    for column in ("Area", "Commitment", "Strength", "Status", "Milestones", "Updates"):
        table.add_column(column)
    for state in register.commitments:
        c = state.commitment
        milestones = ", ".join(f"{m.key}:{m.status}" for m in state.milestones) or "-"
        table.add_row(state.area_name, c.text, c.strength, state.status, milestones, str(len(state.updates)))
    console.print(table)


@dialogue_app.command("report")
def report(
    year: Annotated[int, typer.Option(help="The year the report covers.")],
    pdf: Annotated[Path | None, typer.Option(help="Write the report and draft agenda as PDF here.")] = None,
    today: Annotated[str | None, typer.Option(help="Judge deadlines as of this date.")] = None,
) -> None:
    """The annual progress report and the next session's draft agenda.

    A year the register holds nothing for stops with one line naming the years it does (exit 1), and no
    file is written.
    """
    node = open_node()
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console) as bar:
            task = bar.add_task("reading the register", total=None)
            register = _register(node, _parse_today(today))
            bar.update(task, description="building the report")
            annual = report_for(register, year=year)  # a year with nothing in it stops here: no file written
            agenda = draft_agenda(register)
            if pdf is not None:
                bar.update(task, description=f"drawing {pdf}")
                pdf.write_bytes(report_pdf(annual, agenda))
    except MitraError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"--pdf {pdf}: {exc.strerror}")
    finally:
        node.close()
    overall = ", ".join(f"{n} {'-' if v is None else f'{v:.0f}%'}" for n, v in annual.overall.items())
    console.print(f"{year}: {len(annual.sessions)} session(s), {len(annual.updates)} update(s); compliance {overall}")
    if pdf is not None:
        console.print(f"wrote {pdf}")


@dialogue_app.command("intake")
def intake(
    file: Annotated[Path, typer.Argument(help="A readout, joint statement or article (UTF-8 text).")],
) -> None:
    """Propose session facts, areas and commitments found in FILE; flag conflicts with the register.

    An empty or binary file, or a text without one sentence to read, stops with one line (exit 1). A text
    that is read but names no session fact, area or commitment says so in one line and exits 0: the
    document holds nothing for the register, which is an answer, not a fault of the file.
    """
    data = read_input_bytes(file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # a readout saved as Windows-1252: read it, and say what was replaced
        text = data.decode("utf-8-sig", errors="replace")
        note = f"note: {file} is not all UTF-8 ({where_not_utf8(data, exc)}); each such byte reads as U+FFFD"
        console.print(note, highlight=False, markup=False)
    sentences = count_sentences(text)
    if not sentences:
        fail(f"{file}: no sentence to read (every line is blank, a heading or under {SENTENCE_WORDS} words)")
    node = open_node()
    try:
        register = _register(node, date.today())
    except MitraError as exc:
        fail(str(exc))
    finally:
        node.close()
    result = propose(text, register.facts())
    s = result.session
    if not (result.commitments or result.areas or result.conflicts or s.number or s.venue or s.date or s.co_chairs):
        console.print(
            f"{file}: nothing to propose: {sentences:,} sentence(s) read, no session fact, cooperation area "
            "or commitment found",
            highlight=False,
        )
        return
    console.print(f"{file}: {result.characters} characters, sha256 {result.sha256}", highlight=False)
    console.print(
        f"session: number {s.number or '?'}, venue {s.venue or '?'}, date {s.date.describe() if s.date else '?'}, "
        f"co-chairs {', '.join(f'{p.title} {p.name}' for p in s.co_chairs) or '?'}",
        highlight=False,
    )
    console.print("areas: " + ", ".join(f"{a.name} ({a.count})" for a in result.areas), highlight=False)
    table = Table(title="Proposed commitments")
    for column in ("Strength", "Area", "Sentence"):
        table.add_column(column)
    for c in result.commitments:
        table.add_row(c.strength, c.area or "?", c.sentence)
    console.print(table)
    for k in result.conflicts:
        console.print(
            f"[bold red]conflict[/] {k.subject}: the document says {k.source_says}, the register {k.register_says}",
            highlight=False,
        )
    console.print("accept or edit these on the intake page: /dialogue/intake")


@dialogue_app.command("ocds")
def ocds(
    out: Annotated[Path, typer.Argument(help="Where to write the OCDS release package (JSON).")],
) -> None:
    """Export the commitments as an OCDS 1.1 release package."""
    node = open_node()
    try:
        register = _register(node, date.today())
        package = ocds_package(register, uri=out.resolve().as_uri(), publisher=f"Mitra node {node.nation}")
        out.write_text(json.dumps(package, indent=2, ensure_ascii=False))
    except MitraError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{out}: {exc.strerror}")
    finally:
        node.close()
    console.print(f"wrote {len(package['releases'])} releases to {out}")
