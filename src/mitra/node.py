"""A node: settings, database, type registry, object store and its pillars, opened once and passed down.

The node is composed above it, in ``mitra.bootstrap``: nothing here knows which pillars or exchange types exist.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from mitra.audit.chain import GENESIS
from mitra.core.identity import Agency
from mitra.core.keys import load_or_create_key
from mitra.core.objects import ObjectStore, Provenance, StixObject
from mitra.core.stix import (
    CustomType,
    HandlingInput,
    TypeRegistry,
    apply_handling,
    nation_identity_id,
    nation_object_id,
    new_id,
    validate_object,
)
from mitra.foundation.db import Database, NodeState
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.foundation.words import Said
from mitra.foundation.workers import Worker
from mitra.policy import Actor, Handling, Role
from mitra.settings import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

NATION_NAMES = {"IND": "India", "MYS": "Malaysia"}
AGENCY_NAMES = {
    ("IND", "NSCS"): "National Security Council Secretariat",
    ("IND", "CERT-In"): "Indian Computer Emergency Response Team",
    ("IND", "IN-NAVY"): "Indian Navy",
    ("IND", "MoD"): "Ministry of Defence",
    ("MYS", "NSC"): "National Security Council (Majlis Keselamatan Negara)",
    ("MYS", "NACSA"): "National Cyber Security Agency",
    ("MYS", "MMEA"): "Malaysian Maritime Enforcement Agency",
    ("MYS", "MINDEF"): "Ministry of Defence",
}

# The partnership whose facts the pillars seed (DESIGN.md); MITRA_PARTNERSHIP names another pair.
SEEDED_PARTNERSHIP = ("IND", "MYS")


def migrate(database_url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the newest Alembic revision unless named)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(config, revision)


@dataclass(frozen=True)
class Reminder:
    """Something due that a person is to be told of (a pillar's answer to the daily check), once: ``key`` makes
    the notice idempotent, so the same reminder found again the next day adds nothing."""

    key: str
    object_id: str
    subject: str  # in English, kept beside the words
    link: str
    detail: Mapping[str, str] = field(default_factory=dict)
    words: Said | None = None  # the subject to be worded in each person's language (``foundation.words``)


@dataclass
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
    nav_title: str | None = None  # a shorter name for the navigation bar (the title where it is short already)
    # The pillar's own pages for acting on one of its objects, by (type, id): {"edit": url}.
    # The generic object page links to them instead of its own form (a pillar's form knows its fields and checks).
    object_pages: Callable[[str, str], Mapping[str, str]] | None = None
    # The demo's extra public data (../shared/data): (node, shared data folder, operator) -> what was loaded.
    demo: Callable[[Node, Path, Actor], list[str]] | None = None
    # The daily check (mitra.notify.overdue): what is due that this person is to be told of, read as them (so
    # through policy): (session, node, person, today) -> reminders. The dialogue's overdue milestones, say.
    reminders: Callable[[Session, Node, Actor, date], Iterable[Reminder]] | None = None
    # What a person is to confirm before an object of the pillar is released, in words: (node, object) -> cautions
    # (the intelligence pillar's MISP warninglist hits). The store asks it on every path to a release.
    release_cautions: Callable[[Node, dict[str, Any]], list[str]] | None = None
    # What the pillar runs in the background while the node serves, by name (its live AIS feeds): the app starts
    # and stops each, and a page finds one by name in ``app.state.workers``.
    workers: Callable[[Node], Mapping[str, Worker]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def home_url(self) -> str:
        return self.home or f"/objects?pillar={self.name}"


@dataclass
class Node:
    """Everything a request, a command or a test needs to act on one node."""

    settings: Settings
    db: Database
    registry: TypeRegistry
    pillars: list[Pillar]
    # What to do when a new version narrows who may receive an object (the exchange's retraction; see bootstrap).
    on_narrowed: Callable[[Session, Node, str, Handling, Handling, str], list[str]] | None = None
    # How the composition root opens a node like this one from its settings (a module-level function, so that
    # another process can be handed it): a worker that runs in a process of its own opens its node with it.
    opener: Callable[[Settings], Node] | None = None

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        pillars: Iterable[Pillar] = (),
        types: Iterable[CustomType] = (),
        on_narrowed: Callable[[Session, Node, str, Handling, Handling, str], list[str]] | None = None,
    ) -> Node:
        """A node with these pillars, further custom types and narrowing hook (the composition root names them)."""
        registry = TypeRegistry(accepted_prefixes=tuple(settings.accepted_custom_prefixes))
        chosen = list(pillars)
        for custom_type in types:
            registry.register(custom_type)
        for pillar in chosen:
            for custom_type in pillar.custom_types:
                registry.register(custom_type)
        return cls(settings, Database(settings.effective_database_url), registry, chosen, on_narrowed)

    @property
    def nation(self) -> str:
        return self.settings.nation

    @cached_property
    def store(self) -> ObjectStore:
        hook = self.on_narrowed
        narrowed = None if hook is None else partial(_call_with_node, hook, self)
        return ObjectStore(
            nation=self.nation, registry=self.registry, on_narrowed=narrowed, cautions=partial(_cautions, self)
        )

    @cached_property
    def signing_key(self) -> Ed25519PrivateKey:
        return load_or_create_key(self.settings.effective_signing_key_path)

    def init(self) -> None:
        """Idempotent: schema, counters, agencies, signing key, Mitra's own definitions."""
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        migrate(self.settings.effective_database_url)
        with self.db._write() as session:  # noqa: SLF001 - the lock row does not exist yet
            if session.get(NodeState, 1) is None:
                session.add(NodeState(id=1, nation=self.nation, object_seq=0, audit_seq=0, audit_head=GENESIS))
            else:
                state = session.get(NodeState, 1)
                assert state is not None
                if state.nation != self.nation:
                    raise RuntimeError(f"MITRA_NATION is {self.nation} but this database belongs to {state.nation}")
            session.commit()
        with self.db.write() as session:
            for code in self.settings.agencies:
                if session.get(Agency, (code, self.nation)) is None:
                    name = AGENCY_NAMES.get((self.nation, code), code)
                    session.add(Agency(code=code, nation=self.nation, name=name))
            # Mitra's definitions are Mitra's (its identity made them), the same bytes on every node: each node
            # holds them as published, releasable to its partners, so a partner learns the schemas by the feed.
            definitions = self.registry.extension_definitions()
            self.store.store_versions(
                session,
                [validate_object(d, self.registry, where="definition") for d in definitions],
                provenance=Provenance(),
                audit_actor=f"{self.nation}:system",
                handlings=[self.public_handling(self.partners)] * len(definitions),
            )
        _ = self.signing_key

    def operator(self, *, username: str, agency: str | None = None) -> Actor:
        """Whoever works on the node's own machine (CLI, demo loader): analyst and admin of one of its agencies."""
        chosen = agency or self.settings.agencies[0]
        if chosen not in self.settings.agencies:
            raise InvalidInput(f"agency: {chosen!r} is not one of MITRA_AGENCIES ({', '.join(self.settings.agencies)})")
        return Actor(nation=self.nation, agency=chosen, username=username, roles=frozenset({Role.ANALYST, Role.ADMIN}))

    def public_handling(self, releasable_to: tuple[str, ...] = ()) -> HandlingInput:
        return HandlingInput(
            tlp="clear",
            originator_nation=self.nation,
            originator_agency=self.settings.agencies[0],
            releasable_to=releasable_to,
            orcon=False,
        )

    def seed(self) -> dict[str, int]:
        """Each pillar's seed data for this nation; idempotent.

        The seed is the India-Malaysia partnership's facts (DESIGN.md): a node of another pair starts empty.
        """
        counts: dict[str, int] = {}
        if self.partnership != SEEDED_PARTNERSHIP:
            return counts
        for pillar in self.pillars:
            if pillar.seed is not None:
                counts[pillar.name] = pillar.seed(self)
        return counts

    def seed_id(self, type_name: str, key: str) -> str:
        """A stable id for seeded facts, so seeding twice changes nothing."""
        return nation_object_id(self.nation, type_name, key)

    @property
    def partners(self) -> tuple[str, ...]:
        """The partnership's other nation(s) (``MITRA_PARTNERSHIP``): where this node may release."""
        return self.settings.partners

    @property
    def partnership(self) -> tuple[str, ...]:
        """Both nations of the partnership, in a stable order (for tables with a column each)."""
        return tuple(sorted(self.settings.partnership))

    @property
    def identity_id(self) -> str:
        """The id of this nation's ``identity`` object (seeded by the dialogue pillar), for references to "us"."""
        return nation_identity_id(self.nation)

    def seed_objects(self, items: list[tuple[dict[str, Any], HandlingInput]]) -> int:
        """Store seed objects not already held, as the node's system account."""
        stamp = format_timestamp(now_utc())
        with self.db.write() as session:
            held = set(session.scalars(select(StixObject.id).where(StixObject.id.in_([o["id"] for o, _ in items]))))
            fresh = []
            for obj, handling in items:
                if obj["id"] in held:
                    continue
                full = {"spec_version": "2.1", "created": stamp, "modified": stamp, **obj}
                fresh.append(validate_object(apply_handling(full, handling), self.registry, where="seed"))
            self.store.store_versions(session, fresh, provenance=Provenance(), audit_actor=f"{self.nation}:system:seed")
        return len(fresh)

    def record_own(
        self,
        session: Session,
        body: dict[str, Any],
        *,
        releasable_to: tuple[str, ...],
        audit_action: str,
        tlp: str = "green",
    ) -> dict[str, Any]:
        """Store a new object the node itself originates (notices, acknowledgements, audit heads)."""
        stamp = format_timestamp(now_utc())
        obj = {"id": new_id(body["type"]), "spec_version": "2.1", "created": stamp, "modified": stamp, **body}
        handling = HandlingInput(
            tlp=tlp,
            originator_nation=self.nation,
            originator_agency=self.settings.agencies[0],
            releasable_to=releasable_to,
            orcon=True,
        )
        obj = validate_object(apply_handling(obj, handling), self.registry, where=body["type"])
        self.store.store_versions(
            session, [obj], provenance=Provenance(), audit_actor=f"{self.nation}:system", audit_action=audit_action
        )
        return obj

    def close(self) -> None:
        self.db.dispose()


def _call_with_node(
    hook: Callable[[Session, Node, str, Handling, Handling, str], list[str]],
    node: Node,
    session: Session,
    object_id: str,
    before: Handling,
    now: Handling,
    reason: str,
) -> list[str]:
    return hook(session, node, object_id, before, now, reason)


def _cautions(node: Node, obj: dict[str, Any]) -> list[str]:
    """Every pillar's cautions against releasing ``obj`` (see ``Pillar.release_cautions``)."""
    return [said for p in node.pillars if p.release_cautions is not None for said in p.release_cautions(node, obj)]
