"""The shared bodies of the REST API: markings, object reads, pages and reports (pydantic only, no web framework)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.foundation.reports import ImportReport
from mitra.foundation.timestamps import format_timestamp
from mitra.policy import Actor

T = TypeVar("T")
StixTypeName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]$")]
TlpLevel = Literal["clear", "green", "amber", "amber+strict", "red"]
NationCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Recipient = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}:[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?$")]


def _text_only(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("give the date-time as ISO 8601 text, e.g. 2025-01-07T09:00:00Z")
    return value


# A date-time in a strict request body: ISO 8601 text only (lax parsing would take 0 as 1970).
IsoDateTime = Annotated[datetime, BeforeValidator(_text_only), Field(strict=False)]


class HandlingIn(BaseModel):
    model_config = ConfigDict(strict=True)  # the API takes what its schema says: no 0 for false

    tlp: TlpLevel = Field(description="TLP 2.0 level")
    releasable_to: list[NationCode] = Field(default_factory=list, description="Nations (alpha-3)")
    orcon: bool = True
    red_recipients: list[Recipient] = Field(default_factory=list, description="NATION:AGENCY[:user]")

    def for_actor(self, actor: Actor) -> HandlingInput:
        """The handling of a new object ``actor`` records: its originator is the actor's nation and agency."""
        return HandlingInput(
            tlp=self.tlp,
            originator_nation=actor.nation,
            originator_agency=actor.agency or "",
            releasable_to=tuple(self.releasable_to),
            orcon=self.orcon,
            red_recipients=tuple(self.red_recipients),
        )


def kept_home() -> HandlingIn:
    """The marking of a body that gives none, where a pillar allows that: TLP:GREEN, releasable to no one, ORCON."""
    return HandlingIn(tlp="green")


class ObjectCreate(BaseModel):
    object: dict[str, Any] = Field(description="A STIX 2.1 object; id and timestamps optional")
    handling: HandlingIn


class VersionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a field the API does not take is refused, never silently dropped

    changes: dict[str, Any] = Field(description="Properties to change in the new version")
    handling: HandlingIn | None = Field(
        None, description="A new marking (the originator stays); widening it is a release, narrowing it retracts"
    )


class ReleaseRequest(BaseModel):
    to: NationCode = Field(description="Nation to release to (alpha-3)")
    confirm_cautions: bool = Field(
        False, description="The person checked what the node cautions against releasing (a warninglist hit, say)"
    )


class HandlingRead(BaseModel):
    tlp: str
    originator_nation: str
    originator_agency: str
    releasable_to: list[str]
    orcon: bool
    red_recipients: list[str]


class ProvenanceRead(BaseModel):
    source: str
    received_from: str | None
    received_at: str | None
    seq: int
    date_added: str


class ObjectRead(BaseModel):
    id: str
    type: str
    modified: str
    revoked: bool
    handling: HandlingRead
    provenance: ProvenanceRead
    object: dict[str, Any]
    release_requested: list[str] = Field(
        default_factory=list,
        description="Nations this write asked a release officer to release to (a request each, not yet released)",
    )

    @classmethod
    def of(cls, row: StixObject, *, requested: Sequence[str] = ()) -> ObjectRead:
        import json

        obj = row.as_stix()
        return cls(
            id=row.id,
            type=row.type,
            modified=str(obj.get("modified") or obj.get("created")),
            revoked=row.revoked,
            handling=HandlingRead(
                tlp=row.tlp,
                originator_nation=row.originator_nation,
                originator_agency=row.originator_agency,
                releasable_to=list(row.releasable),
                orcon=row.orcon,
                red_recipients=json.loads(row.red_recipients),
            ),
            provenance=ProvenanceRead(
                source=row.source,
                received_from=row.received_from,
                received_at=format_timestamp(row.received_at) if row.received_at else None,
                seq=row.seq,
                date_added=format_timestamp(row.date_added),
            ),
            object=obj,
            release_requested=sorted(requested),
        )


class ReleaseRequestRead(BaseModel):
    """A request that an object be made releasable to a nation, and what became of it."""

    id: int
    object_id: str
    to: str
    status: str = Field(description="pending, approved, refused or closed")
    requested_by: str
    requested_at: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None = Field(description="Why it was refused or closed (the requester reads it)")


class RefusalCreate(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why the release is refused")


class PageRead(BaseModel, Generic[T]):
    """One page of any list: its items and the cursor of the next page (pass it back as ``?cursor=``)."""

    items: list[T]
    next: str | None = Field(description="Cursor for the next page, or null at the end")


class ObjectPage(BaseModel):
    items: list[ObjectRead]
    next: str | None = Field(description="Cursor for the next page, or null at the end")


class ReasonRead(BaseModel):
    """One reason, how many records it concerns, and the positions of the first of them (from 1)."""

    reason: str
    count: int
    positions: list[int]


class ImportReportRead(BaseModel):
    """What one import did with every record it read: added, updated, unchanged, duplicates, rejected."""

    source: str
    unit: str = Field(description="What a position counts: line, row or object")
    read: int
    added: int
    updated: int
    unchanged: int
    duplicates: list[ReasonRead]
    rejected: list[ReasonRead]
    notes: list[ReasonRead] = Field(description="Records kept that are worth knowing about")
    tallies: dict[str, int]
    report_id: str | None

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportRead:
        return cls.model_validate(report.as_dict())


class AuditVerifyRead(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    problem: str | None


class NodeRead(BaseModel):
    nation: str
    agencies: list[str]
    public_key: str
    objects: int = Field(description="Objects (latest versions) the caller may see")
