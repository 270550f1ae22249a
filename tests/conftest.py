"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``MITRA_TEST_POSTGRES_URL`` (CI sets it, so a missing server fails
there); without it the default local server is tried, and the PostgreSQL cases skip with
the reason when none answers.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from mitra.bootstrap import open_node
from mitra.core import identity
from mitra.node import Node, migrate
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


class _Templates:
    """Databases migrated once per test process, then copied for each test (Alembic from zero is slow).

    SQLite: a migrated file, copied. PostgreSQL: a migrated database, cloned with ``CREATE DATABASE …
    TEMPLATE``. Each pytest-xdist worker is its own process and so has its own templates.
    ``tests/test_migrations.py`` still migrates from zero (``empty_database_url``).
    """

    def __init__(self) -> None:
        self._sqlite: Path | None = None
        self._postgres: str | None = None

    def sqlite(self) -> Path:
        if self._sqlite is None:
            path = Path(tempfile.mkdtemp(prefix="mitra-template-")) / "mitra.sqlite3"
            migrate(f"sqlite:///{path.as_posix()}")
            self._sqlite = path
        return self._sqlite

    def postgres(self, admin: Engine, base: str) -> str:
        if self._postgres is None:
            name = f"mitra_template_{os.getpid()}"
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            migrate(_database(base, name))  # Alembic's engine is disposed: no session holds the template open
            self._postgres = name
            atexit.register(_drop_database, base, name)
        return self._postgres


TEMPLATES = _Templates()


def _database(base: str, name: str) -> str:
    """``base`` (a psycopg URL) pointed at database ``name``."""
    head, _, rest = base.rpartition("/")
    query = rest.partition("?")[2]
    return f"{head}/{name}" + (f"?{query}" if query else "")


def _drop_database(base: str, name: str) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def migrated_sqlite(path: Path) -> Path:
    """``path`` holding a copy of the migrated template (unless a database is there already)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATES.sqlite(), path)
    return path


@contextmanager
def _database_url(kind: str, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    if kind == "sqlite":
        path = tmp_path / "node.sqlite3"
        if migrated:
            migrated_sqlite(path)
        yield f"sqlite:///{path}"
        return
    base = _psycopg(_postgres_base())
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"t_{uuid.uuid4().hex[:12]}"
    template = f' TEMPLATE "{TEMPLATES.postgres(admin, base)}"' if migrated else ""
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
    try:
        yield _database(base, name)
    finally:
        admin.dispose()
        _drop_database(base, name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, already at the newest schema: a SQLite file, or a PostgreSQL database."""
    with _database_url(request.param, tmp_path, migrated=True) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own with nothing in it, for the migrations' own tests."""
    with _database_url(request.param, tmp_path, migrated=False) as url:
        yield url


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
    """A node's settings under ``tmp_path``, on a copy of the migrated SQLite template unless a URL is named."""
    agencies = "NSCS,CERT-In" if nation == "IND" else "NSC,NACSA"
    settings = load_settings(
        nation=nation, agencies=agencies, data_dir=tmp_path / nation.lower(), database_url=database_url, **extra
    )
    if not database_url:
        migrated_sqlite(settings.data_dir / "mitra.sqlite3")
    return settings


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


STORIES = "tests/journeys/"  # test modules whose tests are the steps of one story on a module-scoped fixture


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """Tests are spread over the workers one by one, except a story's steps: each story (a module under
    ``tests/journeys/`` with one set of fixture parameters) runs on one worker, in file order. (xdist's own
    ``--dist loadgroup`` does not group under pytest 9.2: it renames ``item._nodeid``, which pytest no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class Stories(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path, _, test = nodeid.partition("::")
            if not path.startswith(STORIES):
                return nodeid
            return path + (test[test.rfind("[") :] if test.endswith("]") else "")

    return Stories(config, log)  # type: ignore[arg-type]
