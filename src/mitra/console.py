"""What every command shares: the Rich consoles, one-line errors, settings and opening the node."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

from mitra.core.node import Node
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


def open_node() -> Node:
    return Node.open(settings())
