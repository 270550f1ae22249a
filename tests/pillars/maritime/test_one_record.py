"""One public record, one incident: both nodes import NGA ASAM, and the partner's copy is not a second incident.

Each node derives its own object from an ASAM record (its own id and handling, ``nation_object_id``), so after
the exchange Malaysia held two objects of each record India released, and its list showed the same ASAM
report twice. The list and the statistics now key incidents by their public record (``record_key``).
"""

from __future__ import annotations

from pathlib import Path

from mitra.core.stix import HandlingInput
from mitra.pillars.maritime.asam import import_asam
from mitra.pillars.maritime.service import incident_stats, list_incidents
from tests.pillars.maritime.test_asam import GOOD, HEADER
from tests.support.pair import paired_nodes

SECOND = GOOD.replace("2022-148", "2022-149").replace("2022-05-28", "2022-05-29")


def test_an_asam_record_both_nodes_hold_is_listed_and_counted_once(tmp_path: Path) -> None:
    export = tmp_path / "asam.csv"
    export.write_text(HEADER + GOOD + SECOND, encoding="utf-8")
    with paired_nodes(tmp_path) as pair:
        for node, people, agency in ((pair.ind, pair.ind_people, "NSCS"), (pair.mys, pair.mys_people, "NSC")):
            shared = HandlingInput(
                tlp="clear",
                originator_nation=node.nation,
                originator_agency=agency,
                releasable_to=tuple(n for n in ("IND", "MYS") if n != node.nation),
                orcon=False,
            )
            report = import_asam(node, path=export, actor=people["officer"].actor, handling=shared)
            assert report.added == 2
        pair.pull(into=pair.mys)
        viewer = pair.mys_people["viewer"].actor
        with pair.mys.db.read() as session:
            page, total = list_incidents(session, node=pair.mys, actor=viewer)
        assert total == 2
        assert sorted(i["asam_reference"] for i in page.items) == ["2022-148", "2022-149"]
        assert all(i["held_by"] == ["MYS", "IND"] for i in page.items)  # Malaysia's own copy stands for it
        assert all(i["originator_nation"] == "MYS" for i in page.items)
        assert incident_stats(pair.mys, viewer).total == 2
        with pair.ind.db.read() as session:  # India, which has not pulled, holds its own two only
            page, total = list_incidents(session, node=pair.ind, actor=pair.ind_people["viewer"].actor)
        assert total == 2
        assert all(i["held_by"] == ["IND"] for i in page.items)
