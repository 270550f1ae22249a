"""What every command shares: the Rich consoles, one-line errors, settings, opening the node, the TLP option,
reading an input file (refusing an empty or binary one) and refusing an import that kept nothing."""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path
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

# How files that are not text begin, and what to call them.
_SIGNATURES = (
    (b"%PDF-", "a PDF document (convert it to text first)"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx, .xlsx or .odt, which are ZIP archives)"),
    (b"\x1f\x8b", "gzip-compressed data (decompress it first)"),
    (b"\xfd7zXZ\x00", "xz-compressed data (decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (.doc, .xls)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xff\xfe\x00\x00", "UTF-32 text (save it as UTF-8)"),
    (b"\xff\xfe", "UTF-16 text (save it as UTF-8)"),
    (b"\xfe\xff", "UTF-16 text (save it as UTF-8)"),
)
_SNIFFED = 64 * 1024  # bytes looked at to tell text from binary
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1b")  # control bytes text has (\x1b: terminal colours)
_UTF8_BOM = b"\xef\xbb\xbf"


def describe_binary(head: bytes) -> str | None:
    """What the first bytes of a file show it to be when it is not text (``None``: it may be text)."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    nul = head.find(b"\x00")
    if nul >= 0:
        return f"binary data (a NUL byte at byte {nul + 1:,})"
    controls = sum(1 for byte in head if (byte < 0x20 or byte == 0x7F) and byte not in _TEXT_CONTROLS)
    if head and controls / len(head) > 0.05:
        return f"binary data ({controls / len(head):.0%} control bytes)"
    return None


def _refuse_unusable(file: Path, head: bytes, *, whole: bool) -> None:
    if not head:
        fail(f"{file}: empty file (0 bytes)")
    if whole and not head.removeprefix(_UTF8_BOM).strip():
        fail(f"{file}: empty file (only whitespace, {len(head):,} bytes)")
    kind = describe_binary(head)
    if kind is not None:
        fail(f"{file}: not text but {kind}")


def check_input_file(file: Path) -> None:
    """Stop with one line if ``file`` cannot be read, is empty or is not text (a file its importer reads itself)."""
    try:
        with file.open("rb") as handle:
            head = handle.read(_SNIFFED)
            whole = not handle.read(1)
    except OSError as exc:
        fail(f"{file}: cannot be read ({exc.strerror or exc})")
    _refuse_unusable(file, head, whole=whole)


def read_input_bytes(file: Path) -> bytes:
    """The bytes of a text input, or one line (exit 1) saying why there are none to use: unreadable, empty, binary."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"{file}: cannot be read ({exc.strerror or exc})")
    _refuse_unusable(file, data[:_SNIFFED], whole=len(data) <= _SNIFFED)
    return data


def where_not_utf8(data: bytes, error: UnicodeDecodeError) -> str:
    """Where a text stops being UTF-8: the line and the byte."""
    line = data.count(b"\n", 0, error.start) + 1
    return f"line {line:,}, byte {error.start + 1:,} is 0x{data[error.start]:02X}"


def read_input_text(file: Path) -> str:
    """The UTF-8 text of an input (a byte-order mark dropped), or one line (exit 1) saying why there is none."""
    data = read_input_bytes(file)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail(f"{file}: not UTF-8 text ({where_not_utf8(data, exc)}); save it as UTF-8")


def require_usable(report: ImportReport) -> ImportReport:
    """Raise :class:`InvalidInput` (inside the import's transaction, so it rolls back) when no record was kept.

    An import that kept at least one record succeeds; its rejects are listed by the report. One that kept none
    (nothing read, or every record rejected) failed: the input held nothing usable.
    """
    if report.added or report.updated or report.unchanged:
        return report
    if not report.read:
        raise InvalidInput("the file holds no records to import")
    if not report.rejected:
        raise InvalidInput(f"nothing usable in {report.read:,} {report.unit}s read")
    # The reason of the first bad record, which is where a person fixing the file starts.
    reason, first = min(
        report.rejected.items(), key=lambda item: (item[1].positions[:1] or [report.read + 1], -item[1].count)
    )
    where = f" ({report.unit} {first.positions[0]:,})" if first.positions else ""
    more = f"; and {len(report.rejected) - 1} other reason(s)" if len(report.rejected) > 1 else ""
    which = f"its one {report.unit} was" if report.read == 1 else f"all {report.read:,} {report.unit}s were"
    raise InvalidInput(f"nothing usable: {which} rejected: {reason}{where}{more}")
