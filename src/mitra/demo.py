"""The main job: a seeded node on embedded SQLite, with demo accounts, served on loopback."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from mitra.core import identity
from mitra.core.node import Node
from mitra.policy import Role
from mitra.settings import Settings, load_settings

DEMO_PEOPLE = {
    "IND": [
        ("asha", "NSCS", {Role.ANALYST}),
        ("rao", "NSCS", {Role.RELEASE_OFFICER, Role.ANALYST}),
        ("admin", "NSCS", {Role.ADMIN}),
        ("vik", "CERT-In", {Role.VIEWER}),
    ],
    "MYS": [
        ("aziz", "NSC", {Role.ANALYST}),
        ("siti", "NSC", {Role.RELEASE_OFFICER, Role.ANALYST}),
        ("admin", "NSC", {Role.ADMIN}),
    ],
}
DEMO_AGENCIES = {"IND": "NSCS,CERT-In", "MYS": "NSC,NACSA"}


@dataclass(frozen=True)
class DemoNode:
    node: Node
    password: str


def demo_settings(root: Path, nation: str, port: int) -> Settings:
    return load_settings(
        nation=nation,
        agencies=DEMO_AGENCIES[nation],
        data_dir=root / nation.lower(),
        database_url="",
        bind=f"127.0.0.1:{port}",
    )


def prepare(settings: Settings) -> DemoNode:
    """Initialise and seed the node, and give the demo people one shared password (kept in the data dir)."""
    node = Node.open(settings)
    node.init()
    node.seed()
    secret_file = settings.data_dir / "demo-password.txt"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(12) + "\n")
        secret_file.chmod(0o600)
    password = secret_file.read_text().strip()
    with node.db.write() as session:
        held = set(session.scalars(select(identity.User.username)))
        for username, agency, roles in DEMO_PEOPLE.get(settings.nation, []):
            if username not in held:
                identity.add_user(
                    session,
                    username=username,
                    nation=settings.nation,
                    agency=agency,
                    roles=frozenset(roles),
                    password=password,
                    by="demo",
                )
    return DemoNode(node, password)
