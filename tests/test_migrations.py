"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, insert, select

from mitra.core.objects import StixObject
from mitra.foundation.canonical import canonical_json
from mitra.node import migrate
from mitra.schema import metadata


def test_migrations_match_the_models(database_url: str) -> None:
    url = database_url.replace("postgresql://", "postgresql+psycopg://")
    migrate(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []


def test_bodies_stored_before_0004_are_re_encoded_as_canonical_json(database_url: str) -> None:
    url = database_url.replace("postgresql://", "postgresql+psycopg://")
    migrate(url, revision="0003")
    obj = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--6b9e1a2c-0b0e-4f3e-9a57-8a0c0f1d2e3f",
        "name": "Läufer",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '10.0.0.1']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
    }
    stored = json.dumps(obj, indent=1)  # a spelling the export could not sign as it is
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(StixObject.__table__).values(
                seq=1,
                id=obj["id"],
                type="indicator",
                created=moment,
                modified=moment,
                revoked=False,
                is_latest=True,
                withdrawn=False,
                originator_nation="IND",
                originator_agency="NSCS",
                tlp="green",
                releasable_to="MYS",
                orcon=True,
                red_recipients="[]",
                date_added=moment,
                source="local",
                search_text="",
                body=stored,
            )
        )
    migrate(url)
    with engine.connect() as connection:
        body = connection.scalar(select(StixObject.__table__.c.body))
    engine.dispose()
    assert body == canonical_json(obj)
    assert json.loads(body) == obj
