"""Request and response bodies of the intelligence REST API (``/api/v1/intel``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mitra.core.schemas import HandlingIn, NationCode, ObjectRead
from mitra.pillars.intel.models import Graph, Link
from mitra.pillars.intel.warninglists import WarninglistHit


class IntelCreate(BaseModel):
    object: dict[str, Any] = Field(description="A STIX 2.1 object of an intelligence type; id and timestamps optional")
    handling: HandlingIn
    confirm_warninglist_hits: bool = Field(
        False, description="Released as it is made: the indicator's warninglist hits were checked"
    )


class IntelVersionCreate(BaseModel):
    changes: dict[str, Any] = Field(description="Properties to change in the new version")
    handling: HandlingIn | None = Field(default=None, description="A narrower marking (widening is a release)")


class IntelReleaseRequest(BaseModel):
    to: NationCode = Field(description="Nation to release to (alpha-3)")
    confirm_warninglist_hits: bool = Field(
        default=False, description="Release even though the indicator's values are on warninglists"
    )


class WarninglistHitRead(BaseModel):
    value: str
    list_name: str
    list_file: str
    entry: str

    @classmethod
    def of(cls, hit: WarninglistHit) -> WarninglistHitRead:
        return cls(value=hit.value, list_name=hit.list_name, list_file=hit.list_file, entry=hit.entry)


class LinkRead(BaseModel):
    kind: str
    other_id: str
    other_type: str | None
    other_name: str | None
    relationship_id: str | None

    @classmethod
    def of(cls, link: Link) -> LinkRead:
        return cls(
            kind=link.kind,
            other_id=link.other_id,
            other_type=link.other.type if link.other else None,
            other_name=link.other.name if link.other else None,
            relationship_id=link.relationship.id if link.relationship else None,
        )


class GraphRead(BaseModel):
    outgoing: list[LinkRead]
    incoming: list[LinkRead]
    withheld: int = Field(description="Links the caller may not see")

    @classmethod
    def of(cls, graph: Graph) -> GraphRead:
        return cls(
            outgoing=[LinkRead.of(link) for link in graph.outgoing],
            incoming=[LinkRead.of(link) for link in graph.incoming],
            withheld=graph.withheld,
        )


class IntelObjectRead(BaseModel):
    item: ObjectRead
    graph: GraphRead
    warninglist_hits: list[WarninglistHitRead]


class SharedRead(BaseModel):
    nation: str
    count: int
    examples: list[str]


class TargetRead(BaseModel):
    object_id: str
    name: str | None
    type: str | None
    targets: list[str]
    based_in: list[str]
    source: str
    shared: list[SharedRead]
