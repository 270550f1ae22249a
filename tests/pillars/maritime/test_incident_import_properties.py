"""Properties of the incident CSV import: whatever the rows hold, every record read is stored or reported, once."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mitra.core.stix import HandlingInput
from mitra.node import Node
from mitra.pillars.maritime.incident_csv import import_incidents, parse_incidents
from mitra.pillars.maritime.incident_formats import mapping_from
from mitra.pillars.maritime.types import MARITIME_INCIDENT
from tests.conftest import Person

MAPPING = mapping_from(
    {
        "source": "Property log",
        "reference": "Case",
        "missing": ["NA"],
        "category": {"column": "Type", "map": {"Boarding": "armed-robbery", "Hijack": "piracy"}},
        "severity": "Grade",
        "attempted": "Attempted",
        "occurred_at": {"column": "When", "timezone": "UTC"},
        "latitude": "Lat",
        "longitude": "Lon",
        "vessel_imo": "IMO",
        "description": "Narrative",
    },
    where="properties",
)
HEADER = ["Case", "Type", "Grade", "Attempted", "When", "Lat", "Lon", "IMO", "Narrative"]

garbage = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _mostly(*values: str) -> st.SearchStrategy[str]:
    """One of ``values`` three times in four, else anything."""
    chosen = st.sampled_from(values)
    return st.one_of(chosen, chosen, chosen, garbage)


cells = st.fixed_dictionaries(
    {
        "Case": _mostly("CG-1", "CG-2", "CG-3", "CG-4", "CG-5", "CG-6", ""),
        "Type": _mostly("Boarding", "hijack", "BOARDING", "Hijack", "Mutiny"),
        "Grade": _mostly("CAT1", "cat 3", "", "NA", "", "CAT 9"),
        "Attempted": _mostly("yes", "no", "", "", "maybe"),
        "When": _mostly("2024-03-02", "2024-03-02 03:20", "2024-03-02T03:20+08:00", "2024-02-30", "NA"),
        "Lat": st.one_of(_mostly("1.2", "4.5", "-95", "nan"), st.floats(-90, 90).map(str)),
        "Lon": st.one_of(_mostly("103.6", "98.7", "181", ""), st.floats(-180, 180).map(str)),
        "IMO": _mostly("", "", "9739020", "IMO 9739020", "12345"),
        "Narrative": garbage,
    }
)
item = st.one_of(
    cells.map(lambda row: ("row", [row[name] for name in HEADER])),
    cells.map(lambda row: ("row", [row[name] for name in HEADER])),
    st.lists(garbage, min_size=1, max_size=12).map(lambda fields: ("row", fields)),
    garbage.map(lambda text: ("raw", text.replace("\r", "").replace("\n", " "))),
)
# Records as csv writes them (quotes, commas and newlines inside cells) or raw lines of anything; some repeated.
records = st.lists(item, max_size=25).flatmap(
    lambda drawn: (
        st.lists(st.sampled_from(drawn), max_size=5).map(lambda again: drawn + again) if drawn else st.just(drawn)
    )
)


def _csv(items: list[tuple[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for kind, value in items:
        if kind == "row":
            writer.writerow(value)
        else:
            out.write(value + "\n")
    return out.getvalue()


def _records_in(text: str) -> int:
    """How many records the file holds, counted by the csv module alone (blank lines are none)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    count = -1  # the header
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return count
        except csv.Error:
            count += 1
            continue
        count += bool(fields)


@given(records)
@settings(max_examples=300, deadline=None)
def test_every_record_is_kept_rejected_or_a_duplicate_exactly_once(items: list[tuple[str, Any]]) -> None:
    text = _csv(items)
    parsed = parse_incidents(text, MAPPING, where="random.csv")
    lines = [r.line for r in parsed.records] + [line for line, _ in parsed.rejected + parsed.duplicates]
    assert parsed.read == _records_in(text)
    assert len(lines) == len(set(lines)) == parsed.read  # never both, never neither
    assert all(reason for _, reason in parsed.rejected)
    assert {line for line, _ in parsed.notes} <= {r.line for r in parsed.records}


@given(records)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_through_the_store_every_record_is_accounted_for_and_again_changes_nothing(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person], items: list[tuple[str, Any]]
) -> None:
    path = tmp_path / "random.csv"
    path.write_text(_csv(items), encoding="utf-8")
    analyst = people["analyst"]
    handling = HandlingInput(tlp="green", originator_nation="IND", originator_agency="NSCS")
    before = _count(maritime_node, people["analyst"])
    first = import_incidents(maritime_node, path=path, fmt=MAPPING, actor=analyst.actor, handling=handling)
    assert first.accounted == first.read
    assert _count(maritime_node, analyst) == before + first.added
    again = import_incidents(maritime_node, path=path, fmt=MAPPING, actor=analyst.actor, handling=handling)
    assert (again.added, again.updated) == (0, 0)
    assert again.unchanged == first.added + first.updated + first.unchanged
    assert again.accounted == again.read == first.read


def _count(node: Node, person: Person) -> int:
    with node.db.read() as session:
        return sum(1 for _ in node.store.iter_visible(session, actor=person.actor, types=[MARITIME_INCIDENT.name]))
