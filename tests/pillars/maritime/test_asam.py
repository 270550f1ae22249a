"""NGA ASAM import: every record stored once, bad rows reported by line, re-import changes nothing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mitra.audit.service import recent
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import Forbidden, InvalidInput
from mitra.node import Node
from mitra.pillars.maritime.areas import default_areas
from mitra.pillars.maritime.asam import AsamFormat, attempted_of, category_of, import_asam, vessel_name_of
from mitra.pillars.maritime.incident_csv import incident_body, parse_incidents, prepared_areas, read_text
from mitra.pillars.maritime.service import incident_stats
from mitra.pillars.maritime.types import MARITIME_INCIDENT
from tests.conftest import shared_file
from tests.pillars.maritime.conftest import ASAM, Person

HEADER = "reference,date,position,navArea,subreg,hostility,victim,description,\n"
GOOD = (
    '2022-148,2022-05-28,"1°07\'00""N\n103°31\'00""E",XI,71,,'
    'Marshall Islands-flagged bulk carrier MAGNUM ENERG,"INDONESIA: robbers boarded.",\n'
)


def _handling(person: Person) -> HandlingInput:
    return HandlingInput(tlp="clear", originator_nation="IND", originator_agency=person.actor.agency or "", orcon=False)


def test_the_whole_asam_export_imports_once_and_again_adds_nothing(
    maritime_node: Node, people: dict[str, Person]
) -> None:
    path = shared_file(ASAM)
    analyst = people["analyst"]
    first = import_asam(maritime_node, path=path, actor=analyst.actor, handling=_handling(analyst))
    assert first.read == 8642
    assert first.rejected == {}
    # two rows repeated verbatim in the export
    assert sorted(p for r in first.duplicates.values() for p in r.positions) == [508, 706]
    assert first.added + first.updated == 8640
    assert first.updated == 5  # the seed's five, shortened narratives, now get the full record
    second = import_asam(maritime_node, path=path, actor=analyst.actor, handling=_handling(analyst))
    assert (second.added, second.updated, second.unchanged) == (0, 0, 8640)
    assert first.accounted == second.accounted == 8642
    stats = incident_stats(maritime_node, analyst.actor, year=2021)
    assert stats.total == sum(sum(c.values()) for c in stats.by_area.values())
    assert stats.by_area["Singapore Strait"][2021] > 0
    assert sum(stats.by_subregion["71"].values()) > 0


# sha256 over the sorted "id source_hash" lines of the 8,640 records of the 2022 export (nation IND, the five
# built-in areas), as the ASAM importer gave them before it became the generic import's ``asam`` preset.
ASAM_2022_DIGEST = "694cd8c4fdb30a385bc6d437aece9bc023ded52e4e793bd62ff75d4cad14c316"


def test_the_asam_preset_gives_every_record_the_id_and_content_the_asam_importer_gave_it() -> None:
    path = shared_file(ASAM)
    preset = AsamFormat()
    parsed = parse_incidents(read_text(path), preset, where=str(path))
    prepared = prepared_areas(default_areas())
    bodies = [
        incident_body(r.incident, object_id=preset.object_id("IND", r.reference), prepared=prepared)
        for r in parsed.records
    ]
    lines = sorted(f"{b['id']} {b['source_hash']}" for b in bodies)
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == ASAM_2022_DIGEST


def test_bad_rows_are_reported_by_line_and_good_ones_still_stored(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    path = tmp_path / "asam.csv"
    path.write_text(
        HEADER
        + GOOD
        + '2022-200,2022-13-01,"1N 103E",XI,71,,,bad date,\n'
        + '2022-201,2022-05-01,"somewhere off Batam",XI,71,,,bad position,\n'
        + ',2022-05-01,"1N 103E",XI,71,,,no reference,\n',
        encoding="utf-8",
    )
    analyst = people["analyst"]
    report = import_asam(maritime_node, path=path, actor=analyst.actor, handling=_handling(analyst))
    rejected = sorted((p, reason.split(":")[0]) for reason, r in report.rejected.items() for p in r.positions)
    assert rejected == [(4, "reference 2022-200"), (5, "reference 2022-201"), (6, "no reference")]
    assert (report.read, report.accounted) == (4, 4)
    assert report.added + report.updated == 1


def test_a_corrected_record_becomes_a_new_version(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    path = tmp_path / "asam.csv"
    analyst = people["analyst"]
    path.write_text(HEADER + GOOD.replace("2022-148", "2022-999"), encoding="utf-8")
    assert import_asam(maritime_node, path=path, actor=analyst.actor, handling=_handling(analyst)).added == 1
    path.write_text(
        HEADER + GOOD.replace("2022-148", "2022-999").replace("boarded", "boarded and fled"), encoding="utf-8"
    )
    report = import_asam(maritime_node, path=path, actor=analyst.actor, handling=_handling(analyst))
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)


def test_a_file_that_is_not_an_asam_export_is_refused(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing columns reference"):
        import_asam(maritime_node, path=path, actor=people["analyst"].actor, handling=_handling(people["analyst"]))


def test_a_viewer_may_not_import(tmp_path: Path, maritime_node: Node, people: dict[str, Person]) -> None:
    path = tmp_path / "asam.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    with pytest.raises(Forbidden):
        import_asam(maritime_node, path=path, actor=people["viewer"].actor, handling=_handling(people["viewer"]))


@pytest.mark.parametrize(
    ("hostility", "description", "category"),
    [
        ("PIRATES", "pirates fired at the ship", "piracy"),
        ("Robbers", "", "armed-robbery"),
        ("", "three robbers boarded the tanker", "armed-robbery"),
        ("Military activity", "struck by a shell", "hybrid-threat"),
        ("", "fuel smuggling vessel detained", "smuggling"),
        ("", "boat carrying migrants intercepted", "irregular-migration"),
        ("SUSPICIOUS APPROACH", "a skiff approached", "maritime-incident"),
    ],
)
def test_asam_records_map_to_incident_categories(hostility: str, description: str, category: str) -> None:
    assert category_of(hostility, description) == category


def test_approaches_and_attempts_are_marked_attempted() -> None:
    assert attempted_of("Attempted Boarding", "")
    assert attempted_of("SUSPICIOUS APPROACH", "")
    assert not attempted_of("Boarding", "three robbers boarded and stole paint")


def test_the_vessel_name_is_taken_from_a_modern_victim_field_only() -> None:
    assert vessel_name_of("Panama-flagged tanker YONG XING SHUN HANG") == "YONG XING SHUN HANG"
    assert vessel_name_of("Survey vessel") is None
    assert vessel_name_of("BULK CARRIER") is None


def test_seeded_incidents_carry_their_computed_area(maritime_node: Node, people: dict[str, Person]) -> None:
    with maritime_node.db.read() as session:
        rows, _ = maritime_node.store.search(session, actor=people["viewer"].actor, types=[MARITIME_INCIDENT.name])
    areas = {r.as_stix()["asam_reference"]: r.as_stix().get("area") for r in rows}
    assert areas["2022-148"] == "Singapore Strait"
    assert areas["2022-103"] == "Strait of Malacca"


def _incident_ids(node: Node, person: Person) -> set[str]:
    with node.db.read() as session:
        return {r.id for r in node.store.iter_visible(session, actor=person.actor, types=[MARITIME_INCIDENT.name])}


def test_an_import_that_would_release_is_a_release_officers_and_is_audited_by_the_store(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    path = tmp_path / "asam.csv"
    fresh = GOOD.replace("2022-148", "2022-917")  # a record the seed does not hold
    path.write_text(HEADER + fresh + '2022-200,2022-13-01,"1N 103E",XI,71,,,bad date,\n', encoding="utf-8")
    analyst, officer = people["analyst"], people["officer"]
    to_partner = HandlingInput(tlp="clear", originator_nation="IND", originator_agency="NSCS", releasable_to=("MYS",))
    before = _incident_ids(maritime_node, analyst)
    with pytest.raises(Forbidden, match="release officer"):
        import_asam(maritime_node, path=path, actor=analyst.actor, handling=to_partner)
    assert _incident_ids(maritime_node, analyst) == before  # refused whole: nothing stored
    report = import_asam(maritime_node, path=path, actor=officer.actor, handling=to_partner)
    assert (report.added, report.rejected_count) == (1, 1)
    with maritime_node.db.read() as session:
        entries = recent(session, limit=20)
    [entry] = [e for e in entries if e.action == "import"]
    detail = json.loads(entry.detail)
    assert entry.actor.endswith(":rao")
    assert (detail["format"], detail["added"], detail["bad_rows"], detail["file_records"]) == ("nga-asam", 1, 1, 2)
    [added] = _incident_ids(maritime_node, analyst) - before
    assert any(e.action == "release" and e.object_id == added for e in entries)  # releasable means released
