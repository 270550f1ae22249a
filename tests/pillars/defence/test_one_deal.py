"""One SIPRI deal, one row: both nodes import the register, and the partner's copies are not a second list."""

from __future__ import annotations

from pathlib import Path

from mitra.pillars.defence import service
from mitra.pillars.defence.sipri import parse_sipri
from tests.pillars.defence.test_sipri import _extract
from tests.support.pair import paired_nodes


def test_a_deal_both_nodes_hold_is_listed_once_and_a_register_repeat_stays_two_rows(tmp_path: Path) -> None:
    parsed = parse_sipri(_extract())
    keys = [r.key for r in parsed.rows]
    repeated = len(keys) - len(set(keys))  # lines the register itself lists twice: kept as two deals
    with paired_nodes(tmp_path) as pair:
        for node, people in ((pair.ind, pair.ind_people), (pair.mys, pair.mys_people)):
            partner = tuple(n for n in ("IND", "MYS") if n != node.nation)
            with node.db.write() as session:
                service.import_sipri(
                    session, store=node.store, parsed=parsed, actor=people["officer"].actor, releasable_to=partner
                )
        pair.pull(into=pair.mys, page_size=1000)
        with pair.mys.db.read() as session:
            rows = service.list_transfers(session, store=pair.mys.store, actor=pair.mys_people["viewer"].actor)
    assert len(rows) == len(parsed.rows)  # not twice as many
    assert all(r.held_by == ("MYS", "IND") for r in rows)
    assert len({r.deal_key for r in rows}) == len(parsed.rows) - repeated
