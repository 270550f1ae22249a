"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from mitra.core.node import migrate
from mitra.core.schema import metadata


def test_migrations_match_the_models(database_url: str) -> None:
    url = database_url.replace("postgresql://", "postgresql+psycopg://")
    migrate(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []
