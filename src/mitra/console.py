"""What every command shares: the Rich consoles, one-line errors, settings, opening the node and the TLP option."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.policy import TLP_LEVELS, Actor
from mitra.settings import Settings, SettingsError, load_settings

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(f"bad setting: {exc}", 2)


# How a node is composed; the root command (``mitra.cli``) names it, since nothing at this layer knows the pillars.
_compose: list[Callable[[Settings], Node]] = []


def compose_nodes_with(factory: Callable[[Settings], Node]) -> None:
    """Name how commands open a node (the composition root calls this once)."""
    _compose[:] = [factory]


def open_node(current: Settings | None = None) -> Node:
    """The node of these settings (default: the environment's), composed as the root command said."""
    if not _compose:
        raise RuntimeError("no node composition: run commands through mitra.cli, which names it")
    return _compose[0](current or settings())


AgencyOption = Annotated[str | None, typer.Option(help="Acting agency (default: the first of MITRA_AGENCIES).")]


def operator(node: Node, agency: str | None) -> Actor:
    """Whoever runs the CLI on the node's machine acts as its operator for the given agency."""
    try:
        return node.operator(username=f"cli:{getpass.getuser()}", agency=agency)
    except InvalidInput as exc:
        fail(f"--{exc}")


def print_report(report: ImportReport, title: str) -> None:
    """One import's report as every command prints it: the counts, then each reason with its positions."""
    table = Table(title=title)
    columns = ("read", "added", "updated", "unchanged", "duplicates", "rejected")
    for column in columns:
        table.add_column(column, justify="right")
    values = (report.read, report.added, report.updated, report.unchanged, report.duplicate_count)
    table.add_row(*(f"{v:,}" for v in (*values, report.rejected_count)))
    console.print(table)
    for line in report.lines()[1:]:
        console.print(line, highlight=False, markup=False)
    for name, count in sorted(report.tallies.items()):
        console.print(f"  {name}: {count:,}", highlight=False, markup=False)
    if report.report_id:
        console.print(f"  report: {report.report_id}", highlight=False)


def parse_tlp(value: str, option: str = "--tlp") -> str:
    """A TLP 2.0 level by name, in any case; an unknown name stops the command with the valid ones (exit 2)."""
    level = value.strip().lower()
    if level not in TLP_LEVELS:
        fail(f"{option} {value!r} is not a TLP 2.0 level; use one of {', '.join(TLP_LEVELS)} (any case)", 2)
    return level


def _checked_tlp(param: typer.CallbackParam, value: str | None) -> str | None:
    return None if value is None else parse_tlp(value, param.opts[0] if param.opts else "--tlp")


def tlp_option(help_text: str, *names: str) -> Any:
    """A TLP option whose value is checked while the command line is read, before anything is opened or stored."""
    levels = ", ".join(TLP_LEVELS)
    return typer.Option(*names, help=f"{help_text} One of {levels}.", metavar="TLP", callback=_checked_tlp)


TlpOption = Annotated[str | None, tlp_option("TLP for objects that carry none (default MITRA_DEFAULT_TLP).")]
