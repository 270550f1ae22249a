"""No clock can hide an object: between sync rounds the cursor is the partner's commit-ordered sequence.

A process writing on India's node with its clock 60 s behind (or ahead) of the others stamps ``date_added``
with its own time. Had the cursor between rounds been ``added_after`` (a timestamp), an object stamped
behind the last one seen would never have been asked for again.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mitra.core import versioning
from mitra.core.objects import StixObject
from mitra.core.stix import HandlingInput
from mitra.exchange.models import SyncState
from mitra.foundation.timestamps import now_utc
from tests.support.pair import given, paired_nodes

RELEASED = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS", releasable_to=("MYS",))


def _note(text: str) -> dict[str, object]:
    return {"type": "note", "content": text, "object_refs": ["identity--00000000-0000-4000-8000-000000000001"]}


@pytest.mark.parametrize(
    "skews", [(-60, 60), (60, -60), (-60, -60)], ids=["behind-then-ahead", "ahead-then-behind", "behind"]
)
def test_objects_written_by_a_skewed_clock_all_reach_the_partner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, skews: tuple[int, int]
) -> None:
    with paired_nodes(tmp_path) as pair:
        first = given(pair.ind, _note("written on time"), RELEASED)
        pair.pull(into=pair.mys)
        with pair.mys.db.read() as session:
            state = session.get(SyncState, "IND")
            assert state is not None
            assert state.next_token  # the cursor is a sequence number
        later = []
        for skew in skews:
            monkeypatch.setattr(versioning, "now_utc", lambda s=skew: now_utc() + timedelta(seconds=s))
            later.append(given(pair.ind, _note(f"written {skew:+d} s off"), RELEASED))
            pair.pull(into=pair.mys)
        monkeypatch.undo()
        with pair.mys.db.read() as session:
            held = set(session.scalars(select(StixObject.id).where(StixObject.received_from == "IND")))
        assert {first, *later} <= held
