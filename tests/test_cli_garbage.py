"""Garbage is an error: an unknown TLP, or an input with nothing usable, stops a command in one line, storing nothing.

An input with usable records and bad ones is a partial success: the good ones are imported, the bad ones
listed by line, and the command exits 0 (``mitra intel import-csv`` refuses the whole file unless
``--skip-bad``). An input whose every record is bad imports nothing and exits 1.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mitra.bootstrap import open_node
from mitra.cli import app
from mitra.pillars.economy.store import EconomyStore
from tests.conftest import make_settings

runner = CliRunner()

GARBAGE = {
    "empty": (b"", "empty file (0 bytes)"),
    "blank": (b" \n\n\t\n", "empty file (only whitespace, 5 bytes)"),
    "binary": (bytes(range(256)) * 4, "not text but binary data (a NUL byte at byte 1)"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "not text but a PDF document (convert it to text first)"),
    "gzip": (gzip.compress(b"type,value\n"), "not text but gzip-compressed data (decompress it first)"),
    "utf16": ("type,value\n".encode("utf-16"), "not text but UTF-16 text (save it as UTF-8)"),
}
INPUT_COMMANDS = [
    ("import",),
    ("intel", "import-stix"),
    ("intel", "import-misp"),
    ("intel", "import-csv"),
    ("intel", "import-india-malaysia"),
    ("defence", "import-sipri"),
    *(("economy", f"import-{kind}") for kind in ("baci", "comtrade", "countries", "fiscal", "usgs", "wmd", "wgi")),
    ("economy", "import-hsmap"),
    ("dialogue", "intake"),
]
LEVELS = "clear, green, amber, amber+strict, red"
SIPRI_HEADER = (
    "recipient,supplier,year_of_order,order_year_uncertain,number_ordered,number_ordered_uncertain,"
    "weapon_designation,weapon_description,number_delivered,number_delivered_uncertain,years_of_delivery,"
    "status,comments,tiv_per_unit,tiv_total_order,tiv_delivered\n"
)
SIPRI_GOOD = "India,Israel,2009,,16,,Heron,UAV,16,,2012,New,,3,48,48\n"
SIPRI_BAD = "India,Israel,20x9,,16,,Heron,UAV,16,,2012,New,,3,48,48\n"
WGI_HEADER = "country,iso3,year,pv_estimate\n"


def bundle(*objects: dict[str, object]) -> str:
    return json.dumps({"type": "bundle", "id": "bundle--6f1b2a4e-4b9c-4f1e-9d1b-2a4e4b9c4f1e", "objects": objects})


INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
    "created": "2025-01-01T00:00:00.000Z",
    "modified": "2025-01-01T00:00:00.000Z",
    "name": "known bad address",
    "pattern": "[ipv4-addr:value = '45.83.64.7']",
    "pattern_type": "stix",
    "valid_from": "2025-01-01T00:00:00Z",
}


def invoke(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.output


def the_one_line(output: str) -> str:
    """The only line a refused command printed (a progress bar may leave a blank one)."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """A node that does not exist yet: a command refusing its input before opening one leaves no data dir."""
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "never"),
        "MITRA_DATABASE_URL": "",
    }


@pytest.fixture(scope="module")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("garbage-template")
    node = open_node(make_settings(root))
    node.init()
    node.close()
    return root / "ind"


@pytest.fixture
def env(tmp_path: Path, _template: Path) -> dict[str, str]:
    """An initialised India node on SQLite (no seed), a copy of one made per module."""
    shutil.copytree(_template, tmp_path / "ind")
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "ind"),
        "MITRA_DATABASE_URL": "",
    }


def stored(env: dict[str, str]) -> tuple[int, int]:
    """Object versions and audit entries the node holds."""
    with sqlite3.connect(Path(env["MITRA_DATA_DIR"]) / "mitra.sqlite3") as db:
        objects = db.execute("select count(*) from stix_objects").fetchone()[0]
        entries = db.execute("select count(*) from audit_entries").fetchone()[0]
    return int(objects), int(entries)


def governance_rows(env: dict[str, str]) -> int:
    return EconomyStore.for_data_dir(Path(env["MITRA_DATA_DIR"])).count("governance")


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("garbage", GARBAGE)
@pytest.mark.parametrize("command", INPUT_COMMANDS, ids=" ".join)
def test_an_empty_or_binary_input_is_refused_in_one_line_before_the_node_is_opened(
    bare_env: dict[str, str], tmp_path: Path, command: tuple[str, ...], garbage: str
) -> None:
    content, reason = GARBAGE[garbage]
    file = write(tmp_path, "input.csv", content)
    code, output = invoke(bare_env, *command, str(file))
    assert code == 1, output
    assert the_one_line(output) == f"error: {file}: {reason}"
    assert not Path(bare_env["MITRA_DATA_DIR"]).exists()


@pytest.mark.parametrize(
    ("command", "name", "content"),
    [
        (("import", "--tlp", "purple"), "b.json", bundle(INDICATOR)),
        (("intel", "import-stix", "--tlp", "purple"), "b.json", bundle(INDICATOR)),
        (("intel", "import-csv", "--tlp", "purple"), "l.csv", "type,value\nip-dst,45.83.64.7\n"),
        (("defence", "import-sipri", "--tlp", "purple"), "s.csv", SIPRI_HEADER + SIPRI_GOOD),
    ],
    ids=["import", "intel import-stix", "intel import-csv", "defence import-sipri"],
)
def test_an_unknown_tlp_is_refused_with_the_valid_levels(
    bare_env: dict[str, str], tmp_path: Path, command: tuple[str, ...], name: str, content: str
) -> None:
    file = write(tmp_path, name, content)
    code, output = invoke(bare_env, *command, str(file))
    assert code == 2, output
    assert the_one_line(output) == f"error: --tlp 'purple' is not a TLP 2.0 level; use one of {LEVELS} (any case)"
    assert not Path(bare_env["MITRA_DATA_DIR"]).exists()


def test_a_partners_default_tlp_is_checked_the_same_way(bare_env: dict[str, str]) -> None:
    code, output = invoke(bare_env, "partner", "add", "MYS", "--url", "http://x", "--unsigned", "--default-tlp", "x")
    assert code == 2
    assert the_one_line(output) == f"error: --default-tlp 'x' is not a TLP 2.0 level; use one of {LEVELS} (any case)"


def test_a_tlp_is_read_in_any_case(env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "b.json", bundle(INDICATOR))
    code, output = invoke(env, "import", str(file), "--tlp", "AMBER+STRICT")
    assert code == 0, output
    with sqlite3.connect(Path(env["MITRA_DATA_DIR"]) / "mitra.sqlite3") as db:
        row = db.execute("select tlp from stix_objects where id = ?", (INDICATOR["id"],)).fetchone()
    assert row == ("amber+strict",)


@pytest.mark.parametrize("command", [("import",), ("intel", "import-stix")], ids=" ".join)
@pytest.mark.parametrize("content", [bundle(), "[]"], ids=["empty bundle", "empty list"])
def test_a_bundle_without_objects_is_refused(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...], content: str
) -> None:
    before = stored(env)
    file = write(tmp_path, "b.json", content)
    code, output = invoke(env, *command, str(file))
    assert code == 1, output
    assert the_one_line(output) == f"error: {file}: the bundle has no objects (nothing was imported)"
    assert stored(env) == before


def test_text_that_is_not_json_is_refused_naming_json(bare_env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "b.json", "type,value\nip-dst,45.83.64.7\n")
    code, output = invoke(bare_env, "import", str(file))
    assert code == 1
    assert the_one_line(output).startswith(f"error: {file}: not valid JSON (")


def test_text_that_is_not_utf8_is_refused_naming_the_line_and_byte(bare_env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "l.csv", b"type,value\ndomain,caf\xe9.example\n")
    code, output = invoke(bare_env, "intel", "import-csv", str(file))
    assert code == 1
    assert the_one_line(output) == f"error: {file}: not UTF-8 text (line 2, byte 22 is 0xE9); save it as UTF-8"


def test_a_good_bundle_is_still_imported(env: dict[str, str], tmp_path: Path) -> None:
    before = stored(env)
    code, output = invoke(env, "import", str(write(tmp_path, "b.json", bundle(INDICATOR))), "--tlp", "green")
    assert code == 0, output
    assert stored(env)[0] == before[0] + 1


@pytest.mark.parametrize(
    ("command", "content", "reason"),
    [
        (("defence", "import-sipri"), SIPRI_HEADER, "the file holds no records to import"),
        (
            ("defence", "import-sipri"),
            SIPRI_HEADER + SIPRI_BAD + SIPRI_BAD,
            "nothing usable: all 2 lines were rejected: year of order '20x9' is not a year (line 2)",
        ),
        (
            ("intel", "import-csv", "--skip-bad"),
            "type,value\nmd5,xyz\n",
            "no indicators in the file (1 bad line(s): line 2: a md5 is 32 hexadecimal digits)",
        ),
        (("intel", "import-csv"), "type,value\n", "no indicators in the file"),
    ],
    ids=["sipri header only", "sipri all bad", "csv all bad skipped", "csv header only"],
)
def test_a_file_with_no_usable_record_imports_nothing(
    env: dict[str, str], tmp_path: Path, command: tuple[str, ...], content: str, reason: str
) -> None:
    before = stored(env)
    file = write(tmp_path, "input.csv", content)
    code, output = invoke(env, *command, str(file))
    assert code == 1, output
    assert the_one_line(output) == f"error: {file}: {reason} (nothing was imported)"
    assert stored(env) == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (WGI_HEADER, "the file holds no records to import"),
        (WGI_HEADER + "\n\n", "the file holds no records to import"),
        (
            WGI_HEADER + "Nowhere,XXXX,2020,1\nElsewhere,YYYY,2020,1\nAgain,ZZZZ,2020,x\n",
            "nothing usable: all 3 lines were rejected: ISO3 'XXXX' is not three letters or digits (line 2); "
            "and 2 other reason(s)",
        ),
    ],
    ids=["header only", "header and blank lines", "all bad"],
)
def test_an_economy_file_with_no_usable_line_imports_nothing(
    env: dict[str, str], tmp_path: Path, content: str, reason: str
) -> None:
    file = write(tmp_path, "wgi.csv", content)
    code, output = invoke(env, "economy", "import-wgi", str(file))
    assert code == 1, output
    assert the_one_line(output) == f"error: {file}: {reason} (nothing was imported)"
    assert governance_rows(env) == 0


def test_an_economy_folder_without_economy_files_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    code, output = invoke(env, "economy", "import-shipped", "--dir", str(tmp_path))
    assert code == 1
    assert the_one_line(output).startswith(f"error: {tmp_path}: no economy file to import (")


def test_good_sipri_rows_are_imported_and_the_bad_one_listed_by_line(env: dict[str, str], tmp_path: Path) -> None:
    before = stored(env)
    file = write(tmp_path, "s.csv", SIPRI_HEADER + SIPRI_BAD + SIPRI_GOOD)
    code, output = invoke(env, "defence", "import-sipri", str(file))
    assert code == 0, output
    assert "rejected: year of order '20x9' is not a year (1): line 2" in output
    assert stored(env)[0] == before[0] + 1


def test_good_economy_lines_are_imported_and_the_bad_one_listed_by_line(env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "wgi.csv", WGI_HEADER + "Nowhere,XXXX,2020,1\nIndia,IND,2020,-0.5\n")
    code, output = invoke(env, "economy", "import-wgi", str(file))
    assert code == 0, output
    assert "read 2, added 1, updated 0, unchanged 0, duplicates 0, rejected 1" in output
    assert "rejected: ISO3 'XXXX' is not three letters or digits (1): line 2" in output
    assert governance_rows(env) == 1


def test_good_csv_lines_are_imported_with_skip_bad_and_the_bad_one_listed(env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "l.csv", "type,value\nip-dst,45.83.64.7\nmd5,xyz\n")
    code, output = invoke(env, "intel", "import-csv", "--skip-bad", str(file))
    assert code == 0, output
    assert "rejected: a md5 is 32 hexadecimal digits (1): line 3" in output


@pytest.mark.parametrize(
    "text",
    ["hello world\n", "Counter-terrorism\nMaritime security\n", "1234 5678 90\n====\n", "aGVsbG8gd29ybGQ=\n"],
    ids=["two words", "headings only", "numbers", "base64"],
)
def test_intake_of_a_text_without_a_sentence_is_refused(bare_env: dict[str, str], tmp_path: Path, text: str) -> None:
    file = write(tmp_path, "readout.txt", text)
    code, output = invoke(bare_env, "dialogue", "intake", str(file))
    assert code == 1
    assert the_one_line(output) == (
        f"error: {file}: no sentence to read (every line is blank, a heading or under 3 words)"
    )
    assert not Path(bare_env["MITRA_DATA_DIR"]).exists()


def test_intake_of_a_text_that_names_nothing_says_so_and_exits_0(env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "note.txt", "The weather in the capital was pleasant all week.\n")
    code, output = invoke(env, "dialogue", "intake", str(file))
    assert code == 0, output
    assert the_one_line(output) == (
        f"{file}: nothing to propose: 1 sentence(s) read, no session fact, cooperation area or commitment found"
    )


def test_intake_of_a_readout_still_proposes_its_commitments(env: dict[str, str], tmp_path: Path) -> None:
    file = write(tmp_path, "readout.txt", "India and Malaysia agreed to deepen cooperation in cyber security.\n")
    code, output = invoke(env, "dialogue", "intake", str(file))
    assert code == 0, output
    assert "Proposed commitments" in output
    assert "deepen" in output


def test_intake_reads_a_windows_1252_readout_and_says_which_bytes_it_replaced(
    env: dict[str, str], tmp_path: Path
) -> None:
    text = "India and Malaysia agreed to deepen cooperation in cyber security.\nThe caf\xe9 was closed.\n"
    file = write(tmp_path, "readout.txt", text.encode("cp1252"))
    code, output = invoke(env, "dialogue", "intake", str(file))
    assert code == 0, output
    assert f"note: {file} is not all UTF-8 (line 2, byte 75 is 0xE9); each such byte reads as U+FFFD" in output
    assert "deepen" in output
