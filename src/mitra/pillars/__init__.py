"""The partnership's pillars. Each is a package with the same shape, declaring one ``PILLAR``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mitra.core.stix import CustomType

if TYPE_CHECKING:
    from pathlib import Path

    from mitra.core.node import Node
    from mitra.policy import Actor


@dataclass(frozen=True)
class Pillar:
    """What a pillar adds to a node: its object types, seed data, routers, pages and commands."""

    name: str
    title: str
    summary: str
    object_types: tuple[str, ...]
    custom_types: tuple[CustomType, ...] = ()
    seed: Callable[[Node], int] | None = None
    router: Any = None  # a FastAPI APIRouter under /api/v1/<name>/
    pages: Any = None  # a FastAPI APIRouter of HTML pages under /<name>/
    cli: Mapping[str, Any] = field(default_factory=dict)  # command group name -> typer.Typer, mounted on `mitra`
    home: str | None = None  # the pillar's own landing page; the navigation links there
    # The demo's extra public data (../shared/data): (node, shared data folder, operator) -> what was loaded.
    demo: Callable[[Node, Path, Actor], list[str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def home_url(self) -> str:
        return self.home or f"/objects?pillar={self.name}"


def all_pillars() -> list[Pillar]:
    """Every pillar, in the order the partnership lists them."""
    from mitra.pillars import defence, dialogue, economy, intel, maritime

    return [dialogue.PILLAR, intel.PILLAR, maritime.PILLAR, defence.PILLAR, economy.PILLAR]
