"""REST under ``/api/v1/economy``: imports (analysts), tables, concentration and what-ifs (readers)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, Response

from mitra.core.access import permit
from mitra.core.schemas import ImportReportRead
from mitra.foundation.errors import InvalidInput
from mitra.pillars.economy.importers import IMPORTERS
from mitra.pillars.economy.materials import MATERIALS
from mitra.pillars.economy.schemas import (
    ConcentrationRead,
    ConcentrationsRead,
    ImportsRead,
    MaterialRead,
    TableInfoRead,
    TableRead,
)
from mitra.pillars.economy.seed import store_of
from mitra.pillars.economy.service import EconomyService
from mitra.pillars.economy.tables import BUILDERS, DEFAULT_YEAR, TableParams, build_table
from mitra.policy import Action, Actor
from mitra.web.auth import api_actor, node_of
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/economy", tags=["economy"])
ActorDep = Annotated[Actor, Depends(api_actor)]
Iso3 = Annotated[str, Query(pattern=r"^[A-Z]{3}$")]
Material = Annotated[str, Query(pattern=r"^[a-z-]{2,20}$")]
Year = Annotated[int, Query(ge=1900, le=2100)]
MAX_UPLOAD = 20 * 1024 * 1024


def _service(request: Request, actor: Actor, action: Action = Action.READ_DATA) -> EconomyService:
    node = node_of(request)
    permit(actor, action, nation=node.nation)
    return EconomyService(store_of(node), node.partnership)


@router.post("/imports/{kind}", responses=PROBLEM_RESPONSES)
async def import_file(
    request: Request,
    actor: ActorDep,
    kind: str,
    filename: Annotated[str, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.csv$", description="The file's name")],
) -> ImportsRead:
    """Import one CSV sent as the request body (text/csv). Analysts and admins only; the report lists every line
    not imported and why."""
    service = _service(request, actor, Action.INGEST)
    if kind not in IMPORTERS:
        raise InvalidInput(f"import kind {kind!r}: use {', '.join(IMPORTERS)}")
    body = await request.body()
    if not body:
        raise InvalidInput("the request body is empty; send the CSV file as the body")
    if len(body) > MAX_UPLOAD:
        raise InvalidInput(f"the file is larger than {MAX_UPLOAD} bytes")
    with tempfile.TemporaryDirectory(prefix="mitra-upload-") as tmp:
        path = Path(tmp) / filename
        path.write_bytes(body)
        reports = IMPORTERS[kind](service.store, path, None)
    return ImportsRead(reports=[ImportReportRead.of(r) for r in reports])


@router.get("/materials", responses=PROBLEM_RESPONSES)
def list_materials(request: Request, actor: ActorDep) -> list[MaterialRead]:
    _service(request, actor)
    return [MaterialRead.of(m) for m in MATERIALS]


@router.get("/tables", responses=PROBLEM_RESPONSES)
def list_tables(request: Request, actor: ActorDep) -> list[TableInfoRead]:
    _service(request, actor)
    return [TableInfoRead(name=name, description=description) for name, (description, _) in BUILDERS.items()]


@router.get("/tables/{name}", responses=PROBLEM_RESPONSES, response_model=None)
def get_table(
    request: Request,
    actor: ActorDep,
    name: str,
    material: Material = "rare-earths",
    year: Year = DEFAULT_YEAR,
    importer: Iso3 = "IND",
    supplier: Iso3 = "CHN",
    source: Annotated[str, Query(pattern=r"^(usgs|wmd)$")] = "usgs",
    si: Annotated[float, Query(ge=0, le=1, description="Substitution index SI_SR")] = 1.0,
    format: Annotated[str, Query(pattern=r"^(json|csv)$")] = "json",
) -> TableRead | Response:
    """Any table of the pillar as JSON, or as CSV with ``?format=csv``; every table names its sources."""
    service = _service(request, actor)
    params = TableParams(material, year, importer, supplier, source, si)
    table = build_table(service, name, params)
    if format == "csv":
        return PlainTextResponse(table.as_csv(), media_type="text/csv; charset=utf-8")
    return TableRead.of(table)


@router.get("/materials/{key}/hhi", responses=PROBLEM_RESPONSES)
def concentration(
    request: Request,
    actor: ActorDep,
    key: str,
    source: Annotated[str, Query(pattern=r"^(usgs|wmd|imports)$")] = "usgs",
    year: Year = DEFAULT_YEAR,
    importer: Iso3 = "IND",
) -> ConcentrationsRead:
    """HHI of production (usgs, wmd: by quantity, mine stage) or of an importer's suppliers (by value and quantity)."""
    service = _service(request, actor)
    with service.store.session():
        if source == "imports":
            _, by_value, by_quantity = service.suppliers(key, importer, year)
            found = [c for c in (by_value, by_quantity) if c is not None]
        else:
            found = [service.production_concentration(key, service.resolve_dataset(key, source, year), year)]
    return ConcentrationsRead(material=key, year=year, results=[ConcentrationRead.of(c) for c in found])


@router.get("/materials/{key}/whatif", responses=PROBLEM_RESPONSES)
def what_if(request: Request, actor: ActorDep, key: str, supplier: Iso3, year: Year = DEFAULT_YEAR) -> TableRead:
    """Each partner's shortfall (share of its imports of the material) if ``supplier`` stops exporting."""
    service = _service(request, actor)
    return TableRead.of(build_table(service, "whatif", TableParams(material=key, supplier=supplier, year=year)))
