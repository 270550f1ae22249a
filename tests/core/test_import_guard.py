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
                    "pattern": "[ipv4-addr:value = '198.51.100.5']",
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
