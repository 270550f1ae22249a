"""Any input to the MISP and CSV importers either imports whole or stores nothing, and never crashes."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.foundation.errors import MitraError
from mitra.node import Node
from mitra.pillars.intel import service
from tests.conftest import Person

_VALUES = st.sampled_from(["45.83.64.7", "evil.example", "http://evil.example/a", "x" * 32, "not valid", "", "a'b"])
_ATTRIBUTE = st.fixed_dictionaries(
    {"type": st.sampled_from(["ip-dst", "domain", "url", "md5", "filename", "text", "bogus"]), "value": _VALUES},
    optional={
        "to_ids": st.booleans(),
        "uuid": st.uuids().map(str),
        "timestamp": st.integers(0, 2_000_000_000).map(str),
        "Tag": st.lists(
            st.fixed_dictionaries({"name": st.sampled_from(["tlp:red", "tlp:green", "PAP:RED", "x"])}), max_size=2
        ),
    },
)
_EVENT = st.fixed_dictionaries(
    {"info": st.text(min_size=1, max_size=10), "Attribute": st.lists(_ATTRIBUTE, max_size=4)},
    optional={
        "uuid": st.uuids().map(str),
        "date": st.dates().map(str),
        "Tag": st.lists(st.fixed_dictionaries({"name": st.sampled_from(["tlp:amber", "tlp:clear"])}), max_size=2),
    },
).map(lambda event: {"Event": event})
_CSV = st.lists(
    st.tuples(st.sampled_from(["ip-dst", "domain", "md5", "x", ""]), _VALUES).map(",".join), max_size=5
).map("\n".join)


def _count(node: Node) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(StixObject)) or 0)


def _attempt(node: Node, person: Person, kind: str, payload: Any) -> None:
    before = _count(node)
    try:
        with node.db.write() as session:
            if kind == "misp":
                outcome = service.import_misp(session, node, actor=person.actor, document=payload, where="fuzz")
            else:
                outcome = service.import_csv(
                    session, node, actor=person.actor, text=payload, where="fuzz", skip_bad=True
                )
    except MitraError:
        assert _count(node) == before
        return
    assert _count(node) == before + outcome.added + outcome.updated


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(event=_EVENT)
def test_a_misp_import_is_whole_or_nothing(intel_node: Node, people: dict[str, Person], event: dict[str, Any]) -> None:
    _attempt(intel_node, people["analyst"], "misp", event)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(text=_CSV)
def test_a_csv_import_is_whole_or_nothing(intel_node: Node, people: dict[str, Person], text: str) -> None:
    _attempt(intel_node, people["analyst"], "csv", text)
