"""The docs are tested: every setting and every CLI command appears in them."""

from __future__ import annotations

from pathlib import Path

import typer.main

from mitra.cli import app
from mitra.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    missing = [f"MITRA_{name.upper()}" for name in Settings.model_fields if f"`MITRA_{name.upper()}`" not in text]
    assert missing == []


def _commands(group: typer.main.TyperGroup, prefix: str = "mitra") -> list[str]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, typer.main.TyperGroup):
            found.extend(_commands(command, f"{prefix} {name}"))
        else:
            found.append(f"{prefix} {name}")
    return found


def test_every_cli_command_is_documented() -> None:
    text = "\n".join(page.read_text() for page in sorted(DOCS.rglob("*.md")))  # cli.md and each pillar's page
    group = typer.main.get_command(app)
    assert isinstance(group, typer.main.TyperGroup)
    missing = [c for c in _commands(group) if f"`{c}" not in text]
    assert missing == []


def test_every_screenshot_a_page_shows_is_there_and_every_one_there_is_shown() -> None:
    import re

    pages = [DOCS.parent / "README.md", *sorted(DOCS.rglob("*.md"))]
    shown = set()
    for page in pages:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", page.read_text()):
            path = (page.parent / target).resolve()
            assert path.exists(), f"{page.name} shows {target}, which is not there"
            shown.add(path)
    kept = {p.resolve() for p in (DOCS / "images").glob("*.png")}
    assert kept - shown == set(), f"screenshots no page shows: {sorted(p.name for p in kept - shown)}"
