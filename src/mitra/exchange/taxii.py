"""TAXII 2.1 resources of a node, decided object by object by the policy engine.

Each partner nation P has two collections on this node: "released for P" (read) and
"inbox from P" (write). What the read collection holds is not stored anywhere: it is the
node's object versions that the policy engine lets leave for P, in sequence order, so a
``next`` token (the last sequence number scanned) is exact even when thousands of
versions share one ``date_added``. Every object served is signed (Ed25519 over canonical
JSON); the signatures travel in the envelope's ``x_mitra_signatures``. Another producer's object
(ATT&CK, a plain TAXII peer's) goes out byte for byte as published; the handling this node holds it
under travels beside it in ``x_mitra_handling`` (by the same ``id@modified`` key), and its signature
covers both (``signing.signed_form``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from mitra.core.keys import public_key_text
from mitra.core.objects import Recipient, StixObject
from mitra.core.stix import MITRA_NAMESPACE, handling_record
from mitra.exchange.signing import key_id, sign_canonical, sign_value, signed_form
from mitra.exchange.transport import JsonText
from mitra.foundation.errors import Forbidden, InvalidInput, NotFound
from mitra.foundation.timestamps import parse_timestamp
from mitra.node import Node
from mitra.policy import Actor, Export, decide

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"
MAX_PAGE = 1000
DEFAULT_PAGE = 100


def format_date_added(moment: datetime) -> str:
    """TAXII timestamps: UTC with microseconds, so cursors lose nothing."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def read_collection_id(node_nation: str, partner: str) -> str:
    return str(uuid.uuid5(MITRA_NAMESPACE, f"collection:{node_nation}->{partner}"))


def inbox_collection_id(node_nation: str, partner: str) -> str:
    return str(uuid.uuid5(MITRA_NAMESPACE, f"inbox:{partner}->{node_nation}"))


@dataclass(frozen=True)
class ObjectFilter:
    """The TAXII ``added_after`` and ``match[...]`` filters of one request."""

    added_after: datetime | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: tuple[str, ...] = ("last",)
    spec_versions: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls,
        *,
        added_after: str | None,
        ids: Sequence[str] = (),
        types: Sequence[str] = (),
        versions: Sequence[str] = (),
        spec_versions: Sequence[str] = (),
        default_version: str = "last",
    ) -> ObjectFilter:
        split = _split_commas
        parsed_versions = split(versions) or (default_version,)
        for version in parsed_versions:
            if version not in ("last", "first", "all"):
                parse_timestamp(version, where="match[version]")
        return cls(
            added_after=parse_timestamp(added_after, where="added_after") if added_after else None,
            ids=split(ids),
            types=split(types),
            versions=parsed_versions,
            spec_versions=split(spec_versions),
        )


def _split_commas(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


@dataclass
class Page:
    """One page of a collection: the rows served and whether more follow."""

    rows: list[StixObject] = field(default_factory=list)
    more: bool = False
    next_token: str | None = None


class TaxiiService:
    """The TAXII 2.1 API of one node, for partner accounts. Takes sessions; never commits."""

    def __init__(self, node: Node) -> None:
        self.node = node

    @property
    def api_root_name(self) -> str:
        return self.node.nation.lower()

    # ----- discovery, api root, collections ----------------------------------------

    def discovery(self, base_url: str) -> dict[str, Any]:
        root = f"{base_url.rstrip('/')}/taxii2/{self.api_root_name}/"
        return {
            "title": f"Mitra node {self.node.nation}",
            "description": "Sovereign node of a bilateral security partnership (STIX 2.1 over TAXII 2.1).",
            "default": root,
            "api_roots": [root],
        }

    def api_root(self) -> dict[str, Any]:
        return {
            "title": f"{self.node.nation} exchange",
            "description": "Collections released by this node to each partner, and inboxes from them.",
            "versions": [TAXII_MEDIA_TYPE],
            "max_content_length": self.node.settings.max_body_bytes,
            "x_mitra_public_key": public_key_text(self.node.signing_key),
        }

    def collections(self, actor: Actor) -> list[dict[str, Any]]:
        _require_partner(actor)
        partner = actor.nation
        return [
            {
                "id": read_collection_id(self.node.nation, partner),
                "title": f"Released by {self.node.nation} for {partner}",
                "description": "Every object version this node's policy releases to you, in order.",
                "can_read": True,
                "can_write": False,
                "media_types": [STIX_MEDIA_TYPE],
            },
            {
                "id": inbox_collection_id(self.node.nation, partner),
                "title": f"Inbox from {partner}",
                "description": "Objects you push to this node; each is checked like a pulled one.",
                "can_read": False,
                "can_write": True,
                "media_types": [STIX_MEDIA_TYPE],
            },
        ]

    def collection(self, actor: Actor, collection_id: str) -> dict[str, Any]:
        for collection in self.collections(actor):
            if collection["id"] == collection_id:
                return collection
        raise NotFound(f"no collection {collection_id} for {actor.nation}")

    def readable(self, actor: Actor, collection_id: str) -> None:
        if not self.collection(actor, collection_id)["can_read"]:
            raise Forbidden(f"collection {collection_id} is write-only for {actor.nation}")

    def writable(self, actor: Actor, collection_id: str) -> None:
        if not self.collection(actor, collection_id)["can_write"]:
            raise Forbidden(f"collection {collection_id} is read-only for {actor.nation}")

    # ----- reading ------------------------------------------------------------------

    def page(
        self,
        session: Session,
        actor: Actor,
        collection_id: str,
        flt: ObjectFilter,
        *,
        limit: int | None,
        next_token: str | None,
    ) -> Page:
        """The next page of versions releasable to the actor's nation that match ``flt``."""
        self.readable(actor, collection_id)
        size = max(1, min(limit or DEFAULT_PAGE, MAX_PAGE))
        after = _parse_next(next_token)
        if flt.spec_versions and "2.1" not in flt.spec_versions:
            return Page()
        query = self._candidates(actor, flt)
        page = Page()
        scanned = after
        while len(page.rows) < size:
            # Ask for what the page still lacks: when policy passes every row, one query fills it.
            batch_query = query.limit(size - len(page.rows))
            if scanned is not None:
                batch_query = batch_query.where(Recipient.seq > scanned)
            batch = list(session.scalars(batch_query))
            if not batch:  # the end of the feed: the cursor is still the last sequence number scanned
                page.next_token = str(scanned) if scanned is not None else None
                return page
            latest = self._latest_of(session, batch)
            firsts = self._first_versions(session, batch) if "first" in flt.versions else {}
            for row in batch:
                scanned = row.seq
                if self._serves(actor, row, latest.get(row.id), flt, firsts):
                    page.rows.append(row)
                    if len(page.rows) == size:
                        break
        page.next_token = str(scanned)
        page.more = (
            session.scalar(query.with_only_columns(Recipient.seq).where(Recipient.seq > scanned).limit(1)) is not None
        )
        return page

    def _candidates(self, actor: Actor, flt: ObjectFilter) -> Select[StixObject]:
        # A coarse superset read off the (nation, seq) index of who may receive what, so a page reads about
        # the rows it returns; the policy engine decides each row below.
        query = (
            select(StixObject)
            .join(Recipient, Recipient.seq == StixObject.seq)
            .options(defer(StixObject.search_text))
            .where(Recipient.nation == actor.nation, StixObject.originator_nation != actor.nation)
            .order_by(Recipient.seq)
        )
        if flt.added_after is not None:
            query = query.where(StixObject.date_added > flt.added_after)
        if flt.ids:
            query = query.where(StixObject.id.in_(flt.ids))
        if flt.types:
            query = query.where(StixObject.type.in_(flt.types))
        if flt.versions == ("last",):
            # "IS NOT false", not "IS true": no index serves it, so SQLite (without statistics) walks the
            # recipients index in seq order instead of every latest row and a sort.
            query = query.where(StixObject.is_latest.is_not(False))
        return query

    def _serves(
        self,
        actor: Actor,
        row: StixObject,
        latest: StixObject | None,
        flt: ObjectFilter,
        firsts: dict[str, datetime],
    ) -> bool:
        held_by = self.node.nation
        # The version must have been released to the partner, and the object's current
        # marking must still allow it: narrowing a marking narrows every version.
        if not decide(actor, row.handling(held_by=held_by), Export()).allowed:
            return False
        current = latest is not None and latest is not row
        if current and not decide(actor, row.handling(held_by=held_by, latest=latest), Export()).allowed:
            return False
        if "all" in flt.versions:
            return True
        if "last" in flt.versions and row.is_latest:
            return True
        if "first" in flt.versions and firsts.get(row.id) == row.modified:
            return True
        stamps = [v for v in flt.versions if v not in ("last", "first", "all")]
        return any(parse_timestamp(v, where="match[version]") == row.modified for v in stamps)

    def _latest_of(self, session: Session, rows: list[StixObject]) -> dict[str, StixObject]:
        ids = {row.id for row in rows if not row.is_latest}
        latest = {row.id: row for row in rows if row.is_latest}
        if ids:
            for row in session.scalars(
                select(StixObject).where(StixObject.id.in_(ids), StixObject.is_latest.is_(True))
            ):
                latest[row.id] = row
        return latest

    def _first_versions(self, session: Session, rows: list[StixObject]) -> dict[str, datetime]:
        firsts: dict[str, datetime] = {}
        for object_id, modified in session.execute(
            select(StixObject.id, StixObject.modified).where(StixObject.id.in_({r.id for r in rows}))
        ):
            if object_id not in firsts or modified < firsts[object_id]:
                firsts[object_id] = modified
        return firsts

    def envelope(self, page: Page) -> JsonText:
        """The TAXII envelope of a page, each object signed by this node.

        Objects go out as stored: the store keeps each body as canonical JSON, which is what the
        signature covers, so a page is signed and written without decoding and re-encoding it.
        """
        signatures: dict[str, str] = {}
        handlings: dict[str, dict[str, Any]] = {}
        for row in page.rows:
            key = _version_key(json.loads(row.body))
            beside = handling_beside(row)
            if beside is not None:  # another producer's object: its handling here travels beside it, signed with it
                handlings[key] = beside
                signatures[key] = sign_value(self.node.signing_key, signed_form(row.as_stix(), beside))
            else:
                signatures[key] = sign_canonical(self.node.signing_key, row.body)
        head: dict[str, Any] = {"more": page.more}
        if page.next_token is not None and (page.more or page.rows):
            head["next"] = page.next_token
        head["x_mitra_signatures"] = signatures
        if handlings:
            head["x_mitra_handling"] = handlings
        head["x_mitra_key_id"] = key_id(public_key_text(self.node.signing_key))
        return JsonText(f'{json.dumps(head)[:-1]}, "objects": [{",".join(row.body for row in page.rows)}]}}')

    def manifest(self, page: Page) -> dict[str, Any]:
        records = [
            {
                "id": row.id,
                "date_added": format_date_added(row.date_added),
                "version": str(row.as_stix().get("modified") or row.as_stix()["created"]),
                "media_type": STIX_MEDIA_TYPE,
            }
            for row in page.rows
        ]
        body: dict[str, Any] = {"more": page.more, "objects": records}
        if page.more and page.next_token is not None:
            body["next"] = page.next_token
        return body

    def versions(self, page: Page) -> dict[str, Any]:
        body: dict[str, Any] = {
            "more": page.more,
            "versions": [str(row.as_stix().get("modified") or row.as_stix()["created"]) for row in page.rows],
        }
        if page.more and page.next_token is not None:
            body["next"] = page.next_token
        return body

    @staticmethod
    def date_added_headers(page: Page) -> dict[str, str]:
        if not page.rows:
            return {}
        stamps = sorted(row.date_added for row in page.rows)
        return {
            "X-TAXII-Date-Added-First": format_date_added(stamps[0]),
            "X-TAXII-Date-Added-Last": format_date_added(stamps[-1]),
        }


def handling_beside(row: StixObject) -> dict[str, Any] | None:
    """What travels beside a row's object in the exchange (and is signed with it): this node's handling of
    another producer's object; None for the node's own kind, whose handling is inside it."""
    return handling_record(row.marking()) if row.is_foreign else None


def _version_key(obj: dict[str, Any]) -> str:
    return f"{obj['id']}|{obj.get('modified') or obj.get('created')}"


version_key = _version_key


def _parse_next(token: str | None) -> int | None:
    if token is None or token == "":
        return None
    if not token.isdigit():
        raise InvalidInput(f"next: {token!r} is not a token this server gave")
    return int(token)


def _require_partner(actor: Actor) -> None:
    if not actor.is_partner:
        raise Forbidden("the TAXII API is for partner node accounts; people use the web UI and REST API")
