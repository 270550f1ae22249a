"""Every pillar has the same files for the same roles, and its package declares what its modules hold.

The checklist for a new type or pillar is docs/adding-an-object-type.md; this test fails when a pillar drifts.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from types import ModuleType

import pytest
import typer
from fastapi import APIRouter

from mitra.bootstrap import all_pillars
from mitra.core.stix import CustomType
from mitra.node import Pillar

PILLARS = Path(__file__).resolve().parent.parent / "src" / "mitra" / "pillars"
# The role of each file (docs/adding-an-object-type.md); ``service`` may be a package.
SHAPE = ("types", "models", "schemas", "service", "api", "pages", "cli", "seed", "demo")
PILLAR_NAMES = sorted(p.name for p in PILLARS.iterdir() if (p / "__init__.py").is_file())


def _module(pillar: str, role: str) -> ModuleType:
    return importlib.import_module(f"mitra.pillars.{pillar}.{role}")


def _declared(pillar: str) -> Pillar:
    return next(p for p in all_pillars() if p.name == pillar)


def test_every_pillar_package_is_composed() -> None:
    assert sorted(p.name for p in all_pillars()) == PILLAR_NAMES


@pytest.mark.parametrize("pillar", PILLAR_NAMES)
def test_a_pillar_has_every_file_of_the_shape(pillar: str) -> None:
    folder = PILLARS / pillar
    missing = [
        role
        for role in SHAPE
        if not (folder / f"{role}.py").is_file() and not (folder / role / "__init__.py").is_file()
    ]
    assert missing == [], f"pillars/{pillar} lacks {', '.join(missing)} (see docs/adding-an-object-type.md)"


@pytest.mark.parametrize("pillar", PILLAR_NAMES)
def test_a_pillars_types_module_owns_its_object_types(pillar: str) -> None:
    types = _module(pillar, "types")
    declared = _declared(pillar)
    assert isinstance(types.OBJECT_TYPES, tuple)
    assert isinstance(types.CUSTOM_TYPES, tuple)
    assert declared.object_types == types.OBJECT_TYPES
    assert declared.custom_types == types.CUSTOM_TYPES
    for custom in types.CUSTOM_TYPES:
        assert isinstance(custom, CustomType)
        assert custom.pillar == pillar, f"{custom.name} says it belongs to {custom.pillar}"
        assert custom.name in types.OBJECT_TYPES
        assert custom.name.startswith("x-mitra-")


@pytest.mark.parametrize("pillar", PILLAR_NAMES)
def test_custom_types_are_declared_only_in_types(pillar: str) -> None:
    elsewhere = []
    for path in sorted((PILLARS / pillar).rglob("*.py")):
        if path == PILLARS / pillar / "types.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "CustomType":
                elsewhere.append(f"{path.relative_to(PILLARS)}:{node.lineno}")
    assert elsewhere == []


@pytest.mark.parametrize("pillar", PILLAR_NAMES)
def test_a_pillar_declares_its_edges_from_their_modules(pillar: str) -> None:
    declared = _declared(pillar)
    package = importlib.import_module(f"mitra.pillars.{pillar}")
    api, pages, cli = _module(pillar, "api"), _module(pillar, "pages"), _module(pillar, "cli")
    assert isinstance(declared.router, APIRouter)
    assert isinstance(declared.pages, APIRouter)
    # A pillar's router is its api module's, or an umbrella over it (intel mounts its matching engine too).
    own = {id(r) for r in (api.router, getattr(package, "router", None)) if r is not None}
    assert id(declared.router) in own
    assert any(isinstance(v, APIRouter) for v in vars(pages).values())
    assert declared.cli, f"{pillar} mounts no command group"
    assert all(isinstance(group, typer.Typer) for group in declared.cli.values())
    assert any(group in vars(cli).values() for group in declared.cli.values())


@pytest.mark.parametrize("pillar", PILLAR_NAMES)
def test_a_pillars_seed_and_demo_are_its_modules_functions(pillar: str) -> None:
    declared = _declared(pillar)
    assert declared.seed is _module(pillar, "seed").seed
    assert declared.demo is _module(pillar, "demo").load_demo_data
