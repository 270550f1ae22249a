"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``MITRA_TEST_POSTGRES_URL`` (CI sets it, so a missing server fails
there); without it the default local server is tried, and the PostgreSQL cases skip with
the reason when none answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from mitra.bootstrap import open_node
from mitra.core import identity
from mitra.node import Node
from mitra.policy import Actor, Role
from mitra.settings import Settings, load_settings

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


def _psycopg(url: str) -> str:
    return "postgresql+psycopg://" + url.split("://", 1)[1]


def _postgres_base() -> str:
    """The PostgreSQL URL to test against, or skip/fail as the environment says."""
    configured = os.environ.get("MITRA_TEST_POSTGRES_URL")
    url = configured or DEFAULT_POSTGRES
    try:
        engine = create_engine(_psycopg(url))
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        if configured:
            pytest.fail(f"MITRA_TEST_POSTGRES_URL={url} is set but the server does not answer: {exc}")
        pytest.skip(f"no PostgreSQL at {url} (set MITRA_TEST_POSTGRES_URL to test it): {type(exc).__name__}")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'node.sqlite3'}"
        return
    base = _postgres_base()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_psycopg(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{_psycopg(base)}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def node_env(node: Node) -> dict[str, str]:
    """The environment under which a command (``mitra ...``) acts on ``node``."""
    s = node.settings
    return {
        "MITRA_NATION": s.nation,
        "MITRA_AGENCIES": ",".join(s.agencies),
        "MITRA_DATA_DIR": str(s.data_dir),
        "MITRA_DATABASE_URL": s.database_url,
    }


def make_settings(tmp_path: Path, database_url: str = "", nation: str = "IND", **extra: object) -> Settings:
    agencies = "NSCS,CERT-In" if nation == "IND" else "NSC,NACSA"
    return load_settings(
        nation=nation, agencies=agencies, data_dir=tmp_path / nation.lower(), database_url=database_url, **extra
    )


@pytest.fixture
def node(tmp_path: Path, database_url: str) -> Iterator[Node]:
    """An initialised India node on the parametrised database."""
    instance = open_node(make_settings(tmp_path, database_url))
    instance.init()
    yield instance
    instance.close()


@pytest.fixture
def sqlite_node(tmp_path: Path) -> Iterator[Node]:
    """An initialised India node on SQLite only, for tests that are not about storage."""
    instance = open_node(make_settings(tmp_path))
    instance.init()
    yield instance
    instance.close()


@dataclass
class Person:
    username: str
    actor: Actor
    token: str
    password: str


def add_person(
    node: Node, username: str, roles: set[Role], agency: str | None = None, nation: str | None = None
) -> Person:
    """A user with a password and an API token."""
    password = f"pw-{username}-long-enough"
    is_partner = Role.PARTNER in roles
    with node.db.write() as session:
        user = identity.add_user(
            session,
            username=username,
            nation=nation or node.nation,
            agency=None if is_partner else (agency or node.settings.agencies[0]),
            roles=frozenset(roles),
            password=None if is_partner else password,
        )
        actor = user.actor()
        token = identity.create_token(session, username=username, name="test")
    return Person(username, actor, token, password)


def shared_file(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"shared data {relative} is not beside the repository")
    return path
