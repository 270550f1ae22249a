"""CSV and plain lists of indicators: patterns, bad lines by number, all-or-nothing, idempotent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mitra.core.objects import StixObject
from mitra.core.stix import TypeRegistry, validate_object
from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.node import Node
from mitra.pillars.intel import csv_import, service
from tests.conftest import Person


def _import(node: Node, person: Person, text: str, **options: object) -> ImportReport:
    with node.db.write() as session:
        return service.import_csv(session, node, actor=person.actor, text=text, where="list.csv", **options)  # type: ignore[arg-type]


def _count(node: Node) -> int:
    with node.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(StixObject)) or 0)


def test_csv_rows_become_indicators_with_stix_patterns(intel_node: Node, people: dict[str, Person]) -> None:
    text = "type,value,name\nip-dst,45.83.64.7,C2 address\nsha256," + "A" * 64 + ",Dropper\n"
    outcome = _import(intel_node, people["analyst"], text, tlp="green")
    assert outcome.added == 2
    with intel_node.db.read() as session:
        rows, _ = intel_node.store.search(session, actor=people["analyst"].actor, text="c2 address")
    assert rows[0].as_stix()["pattern"] == "[ipv4-addr:value = '45.83.64.7']"
    assert rows[0].tlp == "green"


def test_a_plain_list_has_its_kinds_recognised() -> None:
    parsed = csv_import.parse_indicator_list(
        "45.83.64.7\n2001:db8::1\nevil.example\nhttp://evil.example/x\na@evil.example\n"
    )
    assert [row.kind.name for row in parsed.rows] == ["ipv4", "ipv6", "domain", "url", "email"]


def test_bad_lines_are_named_by_number_and_nothing_is_stored(intel_node: Node, people: dict[str, Person]) -> None:
    before = _count(intel_node)
    with pytest.raises(InvalidInput) as caught:
        _import(intel_node, people["analyst"], "ip-dst,45.83.64.7\nfoo,bar\nsha256,abc\n")
    assert "line 2: unknown indicator type 'foo'" in str(caught.value)
    assert "line 3: a sha256 is 64 hexadecimal digits" in str(caught.value)
    assert _count(intel_node) == before


def test_skip_bad_imports_the_good_lines_and_reports_the_bad(intel_node: Node, people: dict[str, Person]) -> None:
    outcome = _import(intel_node, people["analyst"], "ip-dst,45.83.64.7\nip-dst,not-an-ip\n", skip_bad=True)
    assert outcome.added == 1
    assert outcome.reasons("rejected") == {"not an IP address or CIDR block: 'not-an-ip'": 1}
    assert outcome.positions("rejected", "not an IP address or CIDR block: 'not-an-ip'") == [2]
    assert (outcome.read, outcome.accounted) == (2, 2)


def test_importing_the_same_list_again_changes_nothing(intel_node: Node, people: dict[str, Person]) -> None:
    _import(intel_node, people["analyst"], "domain,evil.example,Evil\n")
    before = _count(intel_node)
    outcome = _import(intel_node, people["analyst"], "domain,evil.example,Evil\n")
    assert (outcome.added, outcome.updated, outcome.unchanged, outcome.skipped) == (0, 0, 1, 0)
    assert _count(intel_node) == before


def test_a_changed_name_gives_a_new_version_of_the_same_indicator(intel_node: Node, people: dict[str, Person]) -> None:
    _import(intel_node, people["analyst"], "domain,evil.example,Evil\n")
    outcome = _import(intel_node, people["analyst"], "domain,evil.example,Very evil\n")
    assert (outcome.added, outcome.updated) == (0, 1)


def test_a_quote_in_a_value_is_escaped_in_the_pattern() -> None:
    (row,) = csv_import.parse_indicator_list("filename,it's.exe\n").rows
    (obj,) = csv_import.indicators_from_rows([row], nation="IND", stamp="2025-01-07T00:00:00.000Z")
    assert obj["pattern"] == "[file:name = 'it\\'s.exe']"
    validate_object(obj, TypeRegistry(), where="t")


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
    | st.lists(
        st.tuples(
            st.sampled_from(["ip-dst", "domain", "md5", "url", "email", "filename", "x", ""]), st.text(max_size=30)
        ).map(",".join),
        max_size=6,
    ).map("\n".join)
)
def test_any_text_parses_to_valid_indicators_or_a_clean_error(text: str) -> None:
    try:
        parsed = csv_import.parse_indicator_list(text)
    except InvalidInput as exc:
        message = str(exc)
        parsed = None
    if parsed is None:
        assert message.startswith("line ")
        return
    assert all(error.line >= 1 and error.reason and str(error).startswith("line ") for error in parsed.errors)
    objects = csv_import.indicators_from_rows(parsed.rows, nation="IND", stamp="2025-01-07T00:00:00.000Z")
    assert len({o["id"] for o in objects}) == len(objects)
    for obj in objects:
        validate_object(obj, TypeRegistry(), where="fuzz")


def test_an_indicator_received_from_the_partner_is_not_versioned_by_an_import(
    intel_node: Node, people: dict[str, Person]
) -> None:
    from mitra.core.stix import HandlingInput, apply_handling

    (row,) = csv_import.parse_indicator_list("domain,evil.example,Evil\n").rows
    (obj,) = csv_import.indicators_from_rows([row], nation="IND", stamp="2025-01-07T00:00:00.000Z")
    theirs = HandlingInput(tlp="green", originator_nation="MYS", originator_agency="NACSA", releasable_to=("IND",))
    with intel_node.db.write() as session:
        intel_node.store.import_objects(
            session,
            [apply_handling(obj | {"name": "theirs"}, theirs)],
            actor=people["analyst"].actor,
            default_handling=theirs,
            where="mys",
        )
    outcome = _import(intel_node, people["analyst"], "domain,evil.example,Evil\n")
    assert outcome.reasons("rejected") == {"held from MYS; only the originator versions it": 1}
