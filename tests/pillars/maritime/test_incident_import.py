"""Incidents from any CSV: the IMB and ReCAAP presets, mapping files, nothing invented, bad rows by line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mitra.cli import app
from mitra.core.stix import HandlingInput, nation_object_id
from mitra.foundation.errors import InvalidInput
from mitra.node import Node
from mitra.pillars.maritime.incident_csv import import_incidents, parse_incidents
from mitra.pillars.maritime.incident_formats import IMB, RECAAP, load_mapping, mapping_from, preset
from mitra.pillars.maritime.types import MARITIME_INCIDENT
from mitra.policy import Role
from tests.conftest import Person, add_person, node_env

runner = CliRunner()

# Rows in the layout of ReCAAP ISC's incident search (portal.recaap.org/OpenMap); values from its records.
RECAAP_HEADER = (
    "incidentNo,incidentType,areaDescription,shipName,shipImoNumber,shipFlag,shipType,classification,remarks,"
    "sourceOfInformation,fullTimestampOfIncidentString,positionLatitude,positionLongitude,attackMethodDesc\n"
)
RECAAP_THEFT = (
    "IC-2024-099,Robbery/Theft,Straits of Malacca & Singapore,Theodore JR,9739020,PANAMA,BULK CARRIER,CAT3,,"
    "Master,24 Nov 2024 0100 GMT+08:00,1.065,103.68833333333333,TBC\n"
)
RECAAP_ATTEMPT = (
    "IC-2024-090,Attempted,Straits of Malacca & Singapore,Dokos,9941049,MARSHALL ISLANDS,BULK CARRIER,Attempted,,"
    "Master,17 Nov 2024 0350 GMT+08:00,1.0583333333333333,103.61833333333334,"
    '"2 to 3 perpetrators in a boat attempted to board the vessel"\n'
)
RECAAP_WITHHELD = (
    "IC-2021-015,Robbery/Theft,Vietnam (Ports/Anchorages),Name withheld ,,LIBERIA,BULK CARRIER,CAT4,,"
    '"VINAMARINE, IMB KL",16 Mar 2021 0001 GMT+07:00,20.915,107.27833333333334,"Cash was stolen."\n'
)
# Rows in the layout of the IMB-derived data set of Benden et al. (2021).
IMB_HEADER = (
    "date,time,longitude,latitude,attack_type,location_description,nearest_country,eez_country,shore_distance,"
    "shore_longitude,shore_latitude,attack_description,vessel_name,vessel_type,vessel_status,data_source\n"
)
IMB_PIRATES = (
    "2020-07-17,10:00 UTC,2.7666666666666666,2.95,Boarded,Around 196nm SW of Bayelsa,NGA,NGA,364.8,5.56,4.67,"
    '"Eight pirates armed with machine guns boarded a tanker underway and kidnapped 13 crew.","NA",'
    'Product Tanker,"NA",imb\n'
)
IMB_ROBBERS = (
    "2020-07-11,18:00 UTC,104.20194444444445,1.2666666666666666,Boarded,Singapore Straits,MYS,IDN,9.0,104.21,1.34,"
    '"Three robbers armed with knives and an axe boarded a bulk carrier underway.","NA",Bulk Carrier,"NA",imb\n'
)
IMB_UNDATED_TIME = (
    '1993-01-02,"NA",116.9667,19.7,"NA",Hong Kong - Luzon - Hainan,CHN,TWN,357.5,115.8,22.7,"NA",'
    'Mv Cosmic Leader,"NA","NA",mappingpiracy\n'
)
MAPPING: dict[str, Any] = {
    "source": "Coast guard log",
    "id_prefix": "cg-log",
    "reference": "Case",
    "category": {"column": "Type", "map": {"Boarding": "armed-robbery", "Hijack": "piracy"}},
    "occurred_at": {"column": "When", "timezone": "+08:00"},
    "latitude": "Lat",
    "longitude": "Lon",
    "vessel_name": "Vessel",
    "vessel_mmsi": "MMSI",
    "description": "Narrative",
}
LOG_HEADER = "Case,Type,When,Lat,Lon,Vessel,MMSI,Narrative\n"


def _handling(person: Person) -> HandlingInput:
    return HandlingInput(tlp="green", originator_nation="IND", originator_agency=person.actor.agency or "")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stored(node: Node, person: Person) -> dict[str, dict[str, Any]]:
    """Incidents this node holds, by their source reference (ASAM's, or the generic one)."""
    with node.db.read() as session:
        rows = node.store.iter_visible(session, actor=person.actor, types=[MARITIME_INCIDENT.name])
        objects = [row.as_stix() for row in rows]
    return {str(o.get("source_reference") or o.get("asam_reference")): o for o in objects}


def _rejected(report: Any) -> list[tuple[int, str]]:
    return sorted((line, reason) for reason, r in report.rejected.items() for line in r.positions)


def test_the_recaap_preset_fills_severity_where_recaap_grades_and_leaves_attempts_not_graded(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    path = _write(tmp_path, "recaap.csv", RECAAP_HEADER + RECAAP_THEFT + RECAAP_ATTEMPT + RECAAP_WITHHELD)
    analyst = people["analyst"]
    report = import_incidents(maritime_node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))
    assert (report.read, report.added, report.rejected_count) == (3, 3, 0)
    stored = _stored(maritime_node, analyst)
    theft, attempt, withheld = stored["IC-2024-099"], stored["IC-2024-090"], stored["IC-2021-015"]
    assert (theft["severity"], theft["category"], theft["attempted"]) == ("CAT 3", "armed-robbery", False)
    assert theft["occurred_at"] == "2024-11-23T17:00:00.000Z"  # 0100 at GMT+08:00
    assert (theft["vessel_name"], theft["vessel_imo"], theft["area"]) == ("Theodore JR", "9739020", "Singapore Strait")
    assert "description" not in theft  # "TBC" is no narrative
    assert theft["external_references"] == [{"source_name": "ReCAAP ISC", "external_id": "IC-2024-099"}]
    assert "severity" not in attempt  # ReCAAP does not grade attempts: not graded, no made-up grade
    assert (attempt["attempted"], attempt["category"]) == (True, "maritime-incident")
    assert withheld["severity"] == "CAT 4"
    assert "vessel_name" not in withheld  # "Name withheld" is not a name
    assert report.positions("notes", "column 'shipName': 'Name withheld' read as not given") == [4]


def test_a_recaap_row_with_a_grade_or_type_the_preset_does_not_know_is_rejected_by_line(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    unknown_grade = RECAAP_THEFT.replace("IC-2024-099", "IC-2024-100").replace(",CAT3,", ",CAT9,")
    unknown_type = RECAAP_THEFT.replace("IC-2024-099", "IC-2024-101").replace("Robbery/Theft", "Hijack")
    path = _write(tmp_path, "recaap.csv", RECAAP_HEADER + RECAAP_THEFT + unknown_grade + unknown_type)
    analyst = people["analyst"]
    report = import_incidents(maritime_node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))
    assert report.added == 1
    assert _rejected(report) == [
        (
            3,
            "reference IC-2024-100: severity: 'CAT9' (column 'classification') is not a ReCAAP category "
            "(CAT 1-4) and not in the mapping's severity map",
        ),
        (4, "reference IC-2024-101: category: 'Hijack' (column 'incidentType') is not in the mapping's category map"),
    ]


def test_the_imb_preset_reads_decimal_positions_utc_times_and_the_narratives_words(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    path = _write(tmp_path, "imb.csv", IMB_HEADER + IMB_PIRATES + IMB_ROBBERS + IMB_UNDATED_TIME)
    analyst = people["analyst"]
    report = import_incidents(maritime_node, path=path, fmt=IMB, actor=analyst.actor, handling=_handling(analyst))
    assert (report.read, report.added, report.rejected_count) == (3, 3, 0)
    by_date = {o["occurred_at"][:10]: o for o in _stored(maritime_node, analyst).values() if o["source"] == "IMB PRC"}
    pirates, robbers, old = by_date["2020-07-17"], by_date["2020-07-11"], by_date["1993-01-02"]
    assert (pirates["category"], pirates["occurred_at"]) == ("piracy", "2020-07-17T10:00:00.000Z")
    assert (robbers["category"], robbers["area"], robbers["vessel_type"]) == (
        "armed-robbery",
        "Singapore Strait",
        "Bulk Carrier",
    )
    assert "vessel_name" not in robbers  # "NA"
    assert old["vessel_name"] == "Mv Cosmic Leader"
    assert old["category"] == "maritime-incident"  # the preset's named catch-all: no type, no narrative
    assert old["occurred_at"] == "1993-01-02T00:00:00.000Z"
    day_only = "occurred_at: column 'time' gives no time of day; stored as the day's start"
    assert report.positions("notes", day_only) == [4]


def test_a_row_without_a_time_or_a_position_is_rejected_by_line_never_given_a_default(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    no_time = RECAAP_THEFT.replace("IC-2024-099", "IC-1").replace("24 Nov 2024 0100 GMT+08:00", "")
    no_latitude = RECAAP_THEFT.replace("IC-2024-099", "IC-2").replace(",1.065,", ",,")
    bad_longitude = RECAAP_THEFT.replace("IC-2024-099", "IC-3").replace(",103.68833333333333,", ",nan,")
    local_time = RECAAP_THEFT.replace("IC-2024-099", "IC-4").replace(" GMT+08:00", "")
    path = _write(tmp_path, "recaap.csv", RECAAP_HEADER + no_time + no_latitude + bad_longitude + local_time)
    analyst = people["analyst"]
    report = import_incidents(maritime_node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))
    assert (report.read, report.added, report.accounted) == (4, 0, 4)
    assert _rejected(report) == [
        (2, "reference IC-1: occurred_at: no time (column 'fullTimestampOfIncidentString' is empty)"),
        (3, "reference IC-2: latitude: no position (column 'positionLatitude' is empty)"),
        (4, "reference IC-3: longitude: 'nan' (column 'positionLongitude') is not a number of decimal degrees"),
        (
            5,
            "reference IC-4: occurred_at: '24 Nov 2024 0100' (column 'fullTimestampOfIncidentString') does not "
            "match '%d %b %Y %H%M GMT%z'",
        ),
    ]


def test_importing_again_changes_nothing_and_a_corrected_record_is_a_new_version(tmp_path: Path, node: Node) -> None:
    analyst = add_person(node, "asha", {Role.ANALYST}, agency="NSCS")
    path = _write(tmp_path, "recaap.csv", RECAAP_HEADER + RECAAP_THEFT + RECAAP_ATTEMPT)
    first = import_incidents(node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))
    again = import_incidents(node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))
    assert (first.added, again.added, again.updated, again.unchanged) == (2, 0, 0, 2)
    _write(tmp_path, "recaap.csv", RECAAP_HEADER + RECAAP_THEFT.replace(",CAT3,", ",CAT2,") + RECAAP_ATTEMPT)
    corrected = import_incidents(node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))
    assert (corrected.added, corrected.updated, corrected.unchanged) == (0, 1, 1)
    assert _stored(node, analyst)["IC-2024-099"]["severity"] == "CAT 2"


def test_a_records_id_comes_from_the_nation_the_source_and_its_reference() -> None:
    """The same record gets the same id on every import into a node of that nation (ASAM's ids, unchanged)."""
    assert RECAAP.object_id("IND", "IC-2024-099") == nation_object_id(
        "IND", MARITIME_INCIDENT.name, "recaap:IC-2024-099"
    )
    assert preset("asam").object_id("IND", "2022-148") == nation_object_id(
        "IND", MARITIME_INCIDENT.name, "asam:2022-148"
    )
    assert RECAAP.object_id("IND", "IC-2024-099") != RECAAP.object_id("MYS", "IC-2024-099")


def test_a_mapping_file_maps_columns_and_category_values(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    mapping = _write(tmp_path, "log.json", json.dumps(MAPPING))
    rows = (
        LOG_HEADER
        + "CG-1,boarding,2024-03-02 03:20,1.20,103.60,SEA LION,563000123,Three robbers boarded\n"
        + "CG-2,Smuggling run,2024-03-03 04:00,1.25,103.70,,,Fuel transfer at night\n"
        + "CG-3,Hijack,2024-03-04T05:00:00Z,1.26,103.71,,,\n"
    )
    path = _write(tmp_path, "log.csv", rows)
    analyst = people["analyst"]
    fmt = load_mapping(mapping)
    report = import_incidents(maritime_node, path=path, fmt=fmt, actor=analyst.actor, handling=_handling(analyst))
    assert _rejected(report) == [
        (3, "reference CG-2: category: 'Smuggling run' (column 'Type') is not in the mapping's category map")
    ]
    stored = _stored(maritime_node, analyst)
    assert stored["CG-1"]["category"] == "armed-robbery"  # the map's values are compared without case
    assert stored["CG-1"]["occurred_at"] == "2024-03-01T19:20:00.000Z"  # 03:20 at the mapping's +08:00
    assert (stored["CG-1"]["vessel_mmsi"], stored["CG-1"]["name"]) == (
        "563000123",
        "Coast guard log CG-1: boarding - SEA LION",
    )
    assert stored["CG-3"]["occurred_at"] == "2024-03-04T05:00:00.000Z"  # an offset of its own wins
    assert stored["CG-1"]["id"] == nation_object_id("IND", MARITIME_INCIDENT.name, "cg-log:CG-1")


def test_a_catch_all_category_is_used_only_when_the_mapping_names_one(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    with_default = MAPPING | {"category": MAPPING["category"] | {"default": "maritime-incident"}}
    path = _write(tmp_path, "log.csv", LOG_HEADER + "CG-9,Smuggling run,2024-03-03 04:00,1.25,103.70,,,\n")
    analyst = people["analyst"]
    report = import_incidents(
        maritime_node,
        path=path,
        fmt=mapping_from(with_default, where="log.json"),
        actor=analyst.actor,
        handling=_handling(analyst),
    )
    assert (report.added, report.rejected_count) == (1, 0)
    assert _stored(maritime_node, analyst)["CG-9"]["category"] == "maritime-incident"


def test_a_time_without_an_offset_needs_the_mappings_timezone(tmp_path: Path) -> None:
    fmt = mapping_from({k: v for k, v in MAPPING.items() if k != "occurred_at"} | {"occurred_at": "When"}, where="m")
    parsed = parse_incidents(LOG_HEADER + "CG-1,Boarding,2024-03-02 03:20,1.2,103.6,,,\n", fmt, where="log.csv")
    assert parsed.rejected == [
        (2, "reference CG-1: occurred_at: '2024-03-02 03:20' has no UTC offset and the mapping gives no timezone")
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lattitude": "Lat"}, "m.json: unknown key 'lattitude'"),
        ({"source": None}, "m.json: source: must be text"),
        (
            {"category": {"column": "Type", "map": {"Boarding": "robbery"}}},
            "m.json: category.map.'Boarding': 'robbery' is not a category",
        ),
        ({"category": {"column": "Type", "map": {"Hijack": "piracy", "HIJACK": "piracy"}}}, "given twice"),
        ({"category": {"colum": "Type"}}, "m.json: category: unknown key 'colum'"),
        (
            {"severity": {"column": "Grade", "map": {"A": "CAT 5"}}},
            "m.json: severity.map.'A': 'CAT 5' is not a ReCAAP category",
        ),
        (
            {"occurred_at": {"column": "When", "timezone": "Mars/Olympus"}},
            "m.json: occurred_at.timezone: 'Mars/Olympus' is not UTC or an offset",
        ),
        (
            {"occurred_at": {"column": "When", "format": "dd/mm/yyyy"}},
            "m.json: occurred_at.format: 'dd/mm/yyyy' has no strptime directive",
        ),
        ({"name": {"template": "{Case"}}, "m.json: name.template: unmatched '{' at character 1"),
        ({"name": {"template": "{@ref}"}}, "m.json: name.template: {@ref} is not {@reference} or {@source}"),
        ({"keep": {"name": "Vessel"}}, "m.json: keep.name: not a free property name"),
        ({"position": "Where"}, "m.json: position: give either position or latitude and longitude, not both"),
        ({"id_prefix": "Coast Guard"}, "m.json: id_prefix: 'Coast Guard' is not lower-case letters"),
    ],
)
def test_a_mapping_files_errors_say_what_and_where(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    mapping = _write(tmp_path, "m.json", json.dumps(MAPPING | change))
    with pytest.raises(InvalidInput) as caught:
        load_mapping(mapping)
    assert message in str(caught.value).replace(str(tmp_path) + "/", "")


def test_a_mapping_that_is_not_json_or_toml_says_where_it_breaks(tmp_path: Path) -> None:
    broken_json = _write(tmp_path, "m.json", '{\n  "source": "log",\n  "reference": Case\n}')
    with pytest.raises(InvalidInput, match=r"m\.json line 3 column 16: not JSON"):
        load_mapping(broken_json)
    broken_toml = _write(tmp_path, "m.toml", 'source = "log"\nreference = Case\n')
    with pytest.raises(InvalidInput, match=r"m\.toml: not TOML .*line 2"):
        load_mapping(broken_toml)
    with pytest.raises(InvalidInput, match=r"m\.yaml: a mapping file ends in \.json or \.toml"):
        load_mapping(_write(tmp_path, "m.yaml", "source: log"))


def test_a_toml_mapping_reads_as_its_json_twin(tmp_path: Path) -> None:
    toml = _write(
        tmp_path,
        "log.toml",
        """
source = "Coast guard log"
id_prefix = "cg-log"
reference = "Case"
latitude = "Lat"
longitude = "Lon"
vessel_name = "Vessel"
vessel_mmsi = "MMSI"
description = "Narrative"

[category]
column = "Type"
map = { "Boarding" = "armed-robbery", "Hijack" = "piracy" }

[occurred_at]
column = "When"
timezone = "+08:00"
""",
    )
    assert load_mapping(toml) == mapping_from(MAPPING, where="log.json")


def test_a_csv_that_lacks_a_mapped_column_is_refused_naming_the_column_and_key(tmp_path: Path) -> None:
    fmt = mapping_from(MAPPING, where="log.json")
    with pytest.raises(InvalidInput) as caught:
        parse_incidents("Case,Type,When,Latitude,Lon,Vessel,MMSI,Narrative\n", fmt, where="log.csv")
    assert str(caught.value) == (
        "log.csv line 1: not a Coast guard log file for this mapping; the header lacks 'Lat' (latitude)"
    )


def test_a_repeated_record_is_a_duplicate_and_a_conflicting_one_rejected_by_line() -> None:
    other = RECAAP_THEFT.replace("CAT3", "CAT2")
    parsed = parse_incidents(RECAAP_HEADER + RECAAP_THEFT + "\n" + RECAAP_THEFT + other, RECAAP, where="r.csv")
    assert [r.line for r in parsed.records] == [2]
    assert parsed.duplicates == [(4, "repeats line 2 (reference IC-2024-099)")]
    assert parsed.rejected == [(5, "reference IC-2024-099 is also line 2, with other values")]
    assert parsed.read == 3  # the blank line is not a record


def test_a_row_longer_than_the_header_or_unreadable_is_rejected_with_its_line() -> None:
    text = "Case,Type,When,Lat,Lon,Vessel,MMSI,Narrative\nCG-1,Boarding,2024-03-02T03:20Z,1,103,,,x,surplus\n"
    parsed = parse_incidents(text + "CG-2," + "x" * 200_000 + "\n", mapping_from(MAPPING, where="m"), where="l.csv")
    assert [line for line, _ in parsed.rejected] == [2, 3]
    assert parsed.rejected[0][1] == "9 fields but the header has 8 columns"
    assert parsed.rejected[1][1].startswith("unreadable CSV record (field larger than field limit")


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    path = tmp_path / "recaap.csv"
    path.write_bytes((RECAAP_HEADER + RECAAP_THEFT).encode() + "IC-9,Robbery\xe9\n".encode("latin-1"))
    analyst = people["analyst"]
    with pytest.raises(InvalidInput, match=r"recaap\.csv line 3: not UTF-8 text \(byte 0xe9\)"):
        import_incidents(maritime_node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))


def test_import_with_a_preset_prints_the_report_and_bad_rows_by_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = RECAAP_THEFT.replace("IC-2024-099", "IC-2024-100").replace(",CAT3,", ",CAT9,")
    path = _write(tmp_path, "recaap.csv", RECAAP_HEADER + RECAAP_THEFT + bad)
    result = runner.invoke(app, ["maritime", "incidents", "import", str(path), "--preset", "recaap"], env=env)
    assert result.exit_code == 0, result.output
    assert "ReCAAP ISC import of recaap.csv" in result.output
    assert "rejected: reference IC-2024-100: severity: 'CAT9'" in result.output
    assert "(1): line 3" in result.output
    again = runner.invoke(app, ["maritime", "incidents", "import", str(path), "--preset", "recaap"], env=env)
    assert "│    2 │     0 │       0 │         1 │          0 │        1 │" in again.output, again.output


def test_import_with_a_mapping_file_and_its_errors_in_one_line(env: dict[str, str], tmp_path: Path) -> None:
    mapping = _write(tmp_path, "log.json", json.dumps(MAPPING))
    path = _write(tmp_path, "log.csv", LOG_HEADER + "CG-1,Boarding,2024-03-02 03:20,1.20,103.60,,,robbers\n")
    result = runner.invoke(app, ["maritime", "incidents", "import", str(path), "--mapping", str(mapping)], env=env)
    assert result.exit_code == 0, result.output
    assert "Coast guard log import of log.csv" in result.output
    _write(tmp_path, "log.json", json.dumps(MAPPING | {"latitude": 5}))
    failed = runner.invoke(app, ["maritime", "incidents", "import", str(path), "--mapping", str(mapping)], env=env)
    assert failed.exit_code == 1
    assert "log.json: latitude: must be text (a column name or value), not 5" in failed.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "give --preset asam|imb|recaap or --mapping FILE (one of them)"),
        (["--preset", "imo"], "preset 'imo': not one of asam, imb, recaap"),
    ],
)
def test_import_needs_one_preset_or_mapping(
    env: dict[str, str], tmp_path: Path, options: list[str], message: str
) -> None:
    path = _write(tmp_path, "x.csv", RECAAP_HEADER)
    result = runner.invoke(app, ["maritime", "incidents", "import", str(path), *options], env=env)
    assert result.exit_code == 1
    assert message in result.output


def test_import_preset_asam_is_import_asam(sqlite_node: Node, tmp_path: Path) -> None:
    header = "reference,date,position,navArea,subreg,hostility,victim,description,\n"
    row = '2022-149,2022-05-27,"1°07\'00""N\n103°30\'00""E",XI,71,Boarding,Panama-flagged tanker YONG XING,"robbers",\n'
    path = _write(tmp_path, "asam.csv", header + row)
    env = node_env(sqlite_node)
    first = runner.invoke(app, ["maritime", "incidents", "import", str(path), "--preset", "asam"], env=env)
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["maritime", "incidents", "import-asam", str(path)], env=env)
    assert "│    1 │     0 │       0 │         1 │          0 │        0 │" in again.output, again.output


def test_a_record_the_stores_check_refuses_is_one_rejected_line_and_the_rest_are_stored(
    tmp_path: Path, maritime_node: Node, people: dict[str, Person]
) -> None:
    long_name = RECAAP_THEFT.replace("IC-2024-099", "IC-2024-098").replace("Theodore JR", "T" * 301)
    path = _write(tmp_path, "recaap.csv", RECAAP_HEADER + RECAAP_THEFT + long_name + RECAAP_ATTEMPT)
    analyst = people["analyst"]
    report = import_incidents(maritime_node, path=path, fmt=RECAAP, actor=analyst.actor, handling=_handling(analyst))
    assert (report.read, report.added, report.accounted) == (3, 2, 3)
    [(line, reason)] = _rejected(report)
    assert line == 3
    assert reason.startswith("reference IC-2024-098")
    assert "vessel_name" in reason
    assert set(_stored(maritime_node, analyst)) >= {"IC-2024-099", "IC-2024-090"}
    assert "IC-2024-098" not in _stored(maritime_node, analyst)


def test_import_of_a_file_with_no_good_row_fails_naming_the_first_bad_line(env: dict[str, str], tmp_path: Path) -> None:
    bad = RECAAP_THEFT.replace(",CAT3,", ",CAT9,")
    path = _write(tmp_path, "recaap.csv", RECAAP_HEADER + bad)
    result = runner.invoke(app, ["maritime", "incidents", "import", str(path), "--preset", "recaap"], env=env)
    assert result.exit_code == 1
    assert "nothing usable: its one line was rejected: reference IC-2024-099: severity: 'CAT9'" in result.output
    assert "(line 2)" in result.output
    empty = _write(tmp_path, "empty.csv", "")
    refused = runner.invoke(app, ["maritime", "incidents", "import", str(empty), "--preset", "imb"], env=env)
    assert refused.exit_code == 1
    assert "empty file (0 bytes)" in refused.output
