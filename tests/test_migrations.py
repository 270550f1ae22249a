"""Migrations create exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import rfc8785
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, insert, select

from mitra.core.objects import Recipient, StixObject
from mitra.exchange.signing import sign_canonical, verify_value
from mitra.foundation.canonical import canonical_json, legacy_canonical_json
from mitra.node import migrate
from mitra.schema import metadata


def test_migrations_match_the_models(empty_database_url: str) -> None:
    url = empty_database_url.replace("postgresql://", "postgresql+psycopg://")
    migrate(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    assert diff == []


def _insert_body(url: str, seq: int, obj: dict[str, Any], body: str, signature: str | None = None) -> None:
    """A stored version whose body is ``body`` (as an earlier revision wrote it)."""
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(StixObject.__table__).values(
                seq=seq,
                id=obj["id"],
                type=obj["type"],
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
                body=body,
                signature=signature,
            )
        )
    engine.dispose()


def _bodies(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        bodies = list(connection.scalars(select(StixObject.__table__.c.body).order_by(StixObject.__table__.c.seq)))
    engine.dispose()
    return bodies


def test_bodies_stored_before_0004_are_re_encoded_as_canonical_json(empty_database_url: str) -> None:
    url = empty_database_url.replace("postgresql://", "postgresql+psycopg://")
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
    _insert_body(url, 1, obj, json.dumps(obj, indent=1))  # a spelling the export could not sign as it is
    migrate(url)
    [body] = _bodies(url)
    assert body == canonical_json(obj)
    assert json.loads(body) == obj


def _indicator(number: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--6b9e1a2c-0b0e-4f3e-9a57-8a0c0f1d2e{number:02d}",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '10.0.0.1']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        **extra,
    }


def test_bodies_stored_before_0005_are_re_encoded_as_rfc_8785_and_signed_ones_kept_as_signed(
    empty_database_url: str,
) -> None:
    url = empty_database_url.replace("postgresql://", "postgresql+psycopg://")
    migrate(url, revision="0004")
    labels = {"\U0001f600": 1, "\ufb33": 2}  # JCS sorts these by UTF-16 code units: the emoji first
    floats = _indicator(1, confidence=80, x_mitra_score=1.0, x_mitra_ratio=1e21, x_mitra_labels=labels)
    plain = _indicator(2, name="Läufer")
    too_big = _indicator(3, x_mitra_count=2**53 + 1)  # JCS cannot spell it: kept as it was
    received = _indicator(4, x_mitra_score=0.5e-6)  # a partner's, with the signature it came with
    key = Ed25519PrivateKey.generate()
    old = [legacy_canonical_json(o) for o in (floats, plain, too_big, received)]
    signature = sign_canonical(key, old[3])  # what the partner signed before JCS
    for seq, (obj, body) in enumerate(zip((floats, plain, too_big, received), old, strict=True), start=1):
        _insert_body(url, seq, obj, body, signature if seq == 4 else None)

    migrate(url)

    bodies = _bodies(url)
    assert bodies[0] == rfc8785.dumps(floats).decode("utf-8") != old[0]
    assert '"x_mitra_ratio":1e+21,"x_mitra_score":1}' in bodies[0]
    assert '"x_mitra_labels":{"\U0001f600":1,"\ufb33":2}' in bodies[0]
    assert bodies[1] == old[1] == canonical_json(plain)  # the same spelling where nothing differs
    assert bodies[2] == old[2]
    assert bodies[3] == old[3] != canonical_json(received)
    assert [json.loads(b) for b in bodies] == [floats, plain, too_big, received]  # the objects did not change
    public = key.public_key()
    assert verify_value(public, json.loads(bodies[3]), signature)  # the partner's old signature still verifies
    assert verify_value(public, floats, sign_canonical(key, bodies[0]))  # and a new one over JCS
    assert not verify_value(public, plain, signature)


def test_0006_indexes_who_may_receive_each_version_stored_before_it(empty_database_url: str) -> None:
    url = empty_database_url.replace("postgresql://", "postgresql+psycopg://")
    migrate(url, revision="0005")
    for seq, releasable in enumerate(("MYS", "", "MYS SGP"), start=1):
        obj = _indicator(seq)
        _insert_body(url, seq, obj, canonical_json(obj))
        engine = create_engine(url)
        with engine.begin() as connection:
            table = StixObject.__table__
            connection.execute(table.update().where(table.c.seq == seq).values(releasable_to=releasable))
        engine.dispose()
    migrate(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = set(connection.execute(select(Recipient.__table__.c.nation, Recipient.__table__.c.seq)).all())
    engine.dispose()
    assert rows == {("MYS", 1), ("MYS", 3), ("SGP", 3)}
