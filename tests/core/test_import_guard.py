"""An import never versions an object another nation originated, nor one the importer may not see."""

from __future__ import annotations

from pathlib import Path

from mitra.core.stix import HandlingInput
from mitra.foundation.timestamps import format_timestamp, next_modified
from tests.support.pair import paired_nodes


def test_an_import_does_not_version_a_partners_object(tmp_path: Path) -> None:
    with paired_nodes(tmp_path) as both:
        officer = both.mys_people["officer"]
        with both.mys.db.write() as session:
            row = both.mys.store.create(
                session,
                obj={
                    "type": "indicator",
                    "name": "MYS original",
                    "pattern": "[ipv4-addr:value = '45.83.64.11']",
                    "pattern_type": "stix",
                    "valid_from": "2025-01-07T00:00:00Z",
                },
                handling=HandlingInput("green", "MYS", officer.actor.agency or "", releasable_to=("IND",)),
                actor=officer.actor,
            )
        both.pull(into=both.ind)
        newer = row.as_stix() | {"name": "rewritten at IND", "modified": format_timestamp(next_modified(row.modified))}
        del newer["extensions"]  # as an outside bundle would carry it: no Mitra handling
        analyst = both.ind_people["analyst"]
        with both.ind.db.write() as session:
            report = both.ind.store.import_objects(
                session,
                [newer],
                actor=analyst.actor,
                default_handling=HandlingInput("green", "IND", analyst.actor.agency or ""),
                where="bundle",
            )
        with both.ind.db.read() as session:
            latest = both.ind.store.get(session, object_id=row.id, actor=analyst.actor)
    assert report.updated == 0
    assert report.reasons("rejected") == {"held from MYS; only the originator versions it": 1}
    assert report.accounted == report.read
    assert latest.originator_nation == "MYS"
    assert latest.as_stix()["name"] == "MYS original"


def test_the_store_itself_refuses_a_version_from_another_originator(tmp_path: Path) -> None:
    """The rule lives in the store's one path: a caller that skips every check still cannot write it."""
    from sqlalchemy import func, select

    from mitra.core.objects import Provenance, StixObject
    from mitra.core.stix import apply_handling

    with paired_nodes(tmp_path) as both:
        body = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": "indicator--5d0c8a8e-31a4-4c1b-9d7e-1f2a3b4c5d6e",
            "created": "2025-01-07T00:00:00.000Z",
            "modified": "2025-01-07T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '45.83.64.12']",
            "pattern_type": "stix",
            "valid_from": "2025-01-07T00:00:00Z",
        }
        later = body | {"modified": "2025-02-07T00:00:00.000Z", "name": "taken over"}
        with both.ind.db.write() as session:
            store = both.ind.store
            store.store_versions(
                session,
                [apply_handling(body, HandlingInput("green", "IND", "NSCS"))],
                provenance=Provenance(),
                audit_actor="t",
            )
            [result] = store.store_versions(
                session,
                [apply_handling(later, HandlingInput("green", "MYS", "NSC"))],
                provenance=Provenance(),
                audit_actor="t",
            )
        with both.ind.db.read() as session:
            versions = session.scalar(select(func.count()).where(StixObject.id == body["id"]))
    assert (result.outcome, result.reason) == ("refused", "held from IND; only the originator versions it")
    assert result.seq is None
    assert versions == 1
