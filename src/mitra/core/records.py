"""The object store's rows and results: one table row per STIX version, and what a write reports.

``core/objects.py`` is the store's one path (``ObjectStore``); its work is split by responsibility:
``versioning`` (storing versions), ``releases`` (making an object releasable is a release),
``imports`` (a whole file, all or nothing) and ``search`` (paging through policy).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import BigInteger, Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mitra.core.stix import HANDLING_EXTENSION_ID, HandlingInput, apply_handling, to_policy_handling
from mitra.foundation.db import Base, UtcDateTime
from mitra.foundation.reports import Outcome
from mitra.policy import Actor, Handling

_T = TypeVar("_T")

SOURCE_LOCAL = "local"


WROTE_OBJECTS = "mitra.wrote_objects"  # set on a session that stored versions; read after commit


SOURCE_IMPORT = "import"


SOURCE_PARTNER = "partner"


_HANDLING_KEY = f'"{HANDLING_EXTENSION_ID}":{{'


class StixObject(Base):
    """One version of one STIX object."""

    __tablename__ = "stix_objects"
    __table_args__ = (
        UniqueConstraint("id", "modified", name="uq_stix_objects_id_modified"),
        # Paging walks ``seq`` in order; these let it do so without sorting, filtered or not.
        Index("ix_stix_objects_latest_seq", "is_latest", "seq"),
        Index("ix_stix_objects_latest_type_seq", "is_latest", "type", "seq"),
    )

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(120), index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    modified: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    originator_nation: Mapped[str] = mapped_column(String(3), index=True)
    originator_agency: Mapped[str] = mapped_column(String(32))
    tlp: Mapped[str] = mapped_column(String(40), index=True)
    releasable_to: Mapped[str] = mapped_column(String(200))
    orcon: Mapped[bool] = mapped_column(Boolean, default=True)
    red_recipients: Mapped[str] = mapped_column(Text, default="[]")
    date_added: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    source: Mapped[str] = mapped_column(String(16))
    received_from: Mapped[str | None] = mapped_column(String(3))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    signature: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(300))
    search_text: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)

    @property
    def releasable(self) -> tuple[str, ...]:
        return tuple(self.releasable_to.split())

    def as_stix(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.body)
        return value

    def as_held(self) -> dict[str, Any]:
        """The object with the handling this node holds it under, for conversions that read it from the body
        (a MISP event's TLP tags): an own object as stored; a foreign one with the row's marking written in.
        Never stored or sent: a foreign object travels as published (docs/architecture.md)."""
        obj = self.as_stix()
        return apply_handling(obj, self.marking()) if self.is_foreign else obj

    @property
    def is_foreign(self) -> bool:
        """Another producer's object (it carries no Mitra handling): its body is kept as published, and
        its handling here is only this row's marking columns (``core.stix.carries_handling``)."""
        return _HANDLING_KEY not in self.body  # the extension as a key of canonical JSON (its id alone may be a value)

    def marking(self) -> HandlingInput:
        """The handling this row is held under (its marking columns: for every object, foreign or own)."""
        return HandlingInput(
            tlp=self.tlp,
            originator_nation=self.originator_nation,
            originator_agency=self.originator_agency,
            releasable_to=self.releasable,
            orcon=self.orcon,
            red_recipients=tuple(json.loads(self.red_recipients)),
        )

    def handling(self, *, held_by: str, latest: StixObject | None = None) -> Handling:
        """Policy handling of this version: the latest version's marking, this version's state."""
        basis = latest or self
        return to_policy_handling(basis.marking(), held_by=held_by, revoked=basis.revoked, withdrawn=basis.withdrawn)


# The columns a version's marking is made of (``StixObject.marking`` and its state): a query that decides on
# many rows' markings (group by them, or load only them) names these, never a list of its own.
MARKING_COLUMNS = (
    StixObject.tlp,
    StixObject.originator_nation,
    StixObject.originator_agency,
    StixObject.releasable_to,
    StixObject.orcon,
    StixObject.red_recipients,
    StixObject.revoked,
    StixObject.withdrawn,
)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a stored version came from."""

    source: str = SOURCE_LOCAL
    received_from: str | None = None
    received_at: datetime | None = None
    signature: str | None = None


class Recipient(Base):
    """That a version may go to a nation: one row per nation of its ``releasable_to``.

    The feed of a partner walks this index, (nation, seq), so a page of a partner's feed reads about the
    rows it returns, however few of the node's objects are released to that partner; the version's
    ``releasable_to`` stays the handling's record, and the policy engine decides each row as before.
    """

    __tablename__ = "object_recipients"

    nation: Mapped[str] = mapped_column(String(3), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)


def recipient_rows(seq: int, releasable_to: str) -> list[dict[str, Any]]:
    """The ``object_recipients`` rows of one version (``releasable_to`` as stored: space-joined)."""
    return [{"nation": nation, "seq": seq} for nation in releasable_to.split()]


def _search_text(obj: dict[str, Any]) -> str:
    parts: list[str] = []
    for key in ("name", "description", "pattern", "value", "x_mitre_shortname"):
        value = obj.get(key)
        if isinstance(value, str):
            parts.append(value[:2000])
    for key in ("aliases", "labels", "x_mitre_aliases"):
        value = obj.get(key)
        if isinstance(value, list):
            parts.extend(str(v) for v in value)
    for ref in obj.get("external_references", ()) or ():
        if isinstance(ref, dict) and "external_id" in ref:
            parts.append(str(ref["external_id"]))
    return " ".join(parts).lower()


@dataclass
class StoreResult:
    """What happened to one version offered to the store."""

    object_id: str
    modified: str
    # "added", "updated", "unchanged" (this version is held already), or "refused" (nothing stored: ``reason``)
    outcome: Outcome | Literal["refused"]
    reason: str = ""
    seq: int | None = None  # the stored row's sequence number, when stored


def _actor_label(actor: Actor) -> str:
    return f"{actor.nation}:{actor.agency or '-'}:{actor.username or '-'}"


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def actor_label(actor: Actor) -> str:
    return _actor_label(actor)
