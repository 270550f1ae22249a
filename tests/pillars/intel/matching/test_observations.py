"""Readers of observation files: what they make of each format, and errors that name the line."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mitra.pillars.intel.matching.observations import (
    FORMATS,
    ObservationFormat,
    ObservationReadError,
    guess_format,
    read_observations,
)

DNS_LOG = (
    "#separator \\x09\n"
    "#path\tdns\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tvector[string]\n"
    "1735732800.123\tC1\t10.0.0.5\t53124\t10.0.0.53\t53\tudp\tportauthority-login.example\t198.51.100.23,alias.example\n"
    "1735732801.000\tC2\t10.0.0.6\t53125\t10.0.0.53\t53\tudp\tok.example\t-\n"
    "#close\t2025-01-01-12-00-00\n"
)
CONN_LOG = (
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\torig_bytes\tresp_bytes\n"
    "1735732800.5\tC1\t10.0.0.5\t40000\t203.0.113.77\t443\ttcp\tssl\t120\t-\n"
)


def _values(fmt: ObservationFormat, text: str) -> list[set[tuple[str, str]]]:
    batch = read_observations(text.encode(), fmt)
    return [{(o["type"], str(o.get("value", o.get("hashes")))) for o in objects} for objects in batch.objects]


def test_zeek_dns_line_gives_query_answers_and_endpoints() -> None:
    first, second = _values("zeek-dns", DNS_LOG)
    assert ("domain-name", "portauthority-login.example") in first
    assert ("ipv4-addr", "198.51.100.23") in first
    assert ("domain-name", "alias.example") in first
    assert ("ipv4-addr", "10.0.0.5") in first
    assert ("domain-name", "ok.example") in second


def test_zeek_times_become_stix_timestamps() -> None:
    batch = read_observations(DNS_LOG.encode(), "zeek-dns")
    assert batch.times[0] == "2025-01-01T12:00:00.123Z"
    assert batch.lines == [5, 6]


def test_zeek_conn_line_gives_a_flow_between_two_addresses() -> None:
    batch = read_observations(CONN_LOG.encode(), "zeek-conn")
    objects = batch.objects[0]
    flow = next(o for o in objects if o["type"] == "network-traffic")
    by_id = {o["id"]: o for o in objects}
    assert by_id[flow["dst_ref"]]["value"] == "203.0.113.77"
    assert (flow["dst_port"], flow["src_byte_count"], flow["protocols"]) == (443, 120, ["tcp"])


def test_zeek_line_with_missing_fields_names_the_line() -> None:
    broken = CONN_LOG + "1735732800.5\tC1\t10.0.0.5\n"
    with pytest.raises(ObservationReadError, match=r"^line 3: 3 fields, #fields names 10"):
        read_observations(broken.encode(), "zeek-conn")


def test_zeek_data_before_the_fields_header_is_refused() -> None:
    with pytest.raises(ObservationReadError, match=r"^line 1: data before the #fields header"):
        read_observations(b"1\t2\t3\n", "zeek-dns")


def test_conn_log_read_as_dns_says_which_fields_are_missing() -> None:
    with pytest.raises(ObservationReadError, match=r"^line 1: #fields lacks query"):
        read_observations(CONN_LOG.encode(), "zeek-dns")


def test_csv_with_observable_columns_gives_one_observation_per_row() -> None:
    text = "ip,domain,md5\n198.51.100.23,,\n,bad.example,d41d8cd98f00b204e9800998ecf8427e\n"
    first, second = _values("csv", text)
    assert first == {("ipv4-addr", "198.51.100.23")}
    assert second == {("domain-name", "bad.example"), ("file", "{'MD5': 'd41d8cd98f00b204e9800998ecf8427e'}")}


def test_csv_type_value_rows_and_their_lines() -> None:
    batch = read_observations(b"type,value\nipv6-addr,2001:db8::1\nurl,http://x.example/\n", "csv")
    assert batch.lines == [2, 3]
    assert batch.columns[("url", "value")] == ([1], ["http://x.example/"])


def test_csv_unknown_type_names_the_line() -> None:
    with pytest.raises(ObservationReadError, match=r"^line 3: unknown type 'mutex'"):
        read_observations(b"type,value\nurl,http://x.example/\nmutex,abc\n", "csv")


def test_csv_without_observable_columns_is_refused() -> None:
    with pytest.raises(ObservationReadError, match=r"^line 1: no observable column"):
        read_observations(b"name,colour\na,b\n", "csv")


def test_jsonl_accepts_scos_observed_data_and_bundles() -> None:
    lines = [
        {"type": "ipv4-addr", "value": "198.51.100.23"},
        {
            "type": "observed-data",
            "first_observed": "2025-01-01T00:00:00Z",
            "objects": {
                "0": {"type": "ipv4-addr", "value": "10.0.0.1"},
                "1": {"type": "network-traffic", "src_ref": "0"},
            },
        },
        {"type": "bundle", "objects": [{"type": "domain-name", "id": "domain-name--1", "value": "x.example"}]},
    ]
    batch = read_observations("\n".join(json.dumps(line) for line in lines).encode(), "jsonl")
    assert len(batch) == 3
    flow = batch.objects[1][1]
    assert flow["src_ref"] == batch.objects[1][0]["id"]
    assert batch.times[1] == "2025-01-01T00:00:00.000Z"


def test_jsonl_bad_json_names_the_line() -> None:
    with pytest.raises(ObservationReadError, match=r"^line 2: not JSON"):
        read_observations(b'{"type": "url", "value": "x"}\n{"type": \n', "jsonl")


def test_jsonl_object_without_type_names_the_line() -> None:
    with pytest.raises(ObservationReadError, match=r"^line 1: 'type' missing"):
        read_observations(b'{"value": "x"}\n', "jsonl")


def test_format_is_guessed_from_the_file_name() -> None:
    assert [guess_format(n) for n in ("dns.log", "conn.log", "x.csv", "x.jsonl")] == [
        "zeek-dns",
        "zeek-conn",
        "csv",
        "jsonl",
    ]


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=400), fmt=st.sampled_from(FORMATS))
def test_arbitrary_bytes_never_crash_a_reader(data: bytes, fmt: ObservationFormat) -> None:
    message = ""
    try:
        read_observations(data, fmt)
    except ObservationReadError as exc:
        message = str(exc)
    assert message == "" or re.match(r"^line \d+: ", message)


_LINE_PIECES = st.sampled_from(
    [
        '{"type": "ipv4-addr", "value": "10.0.0.1"}',
        '{"type": "url"}',
        "ip,domain",
        "type,value",
        "1735732800\tC\t10.0.0.1\t1\t10.0.0.2\t53\tudp\tx.example\t-",
        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers",
        "10.0.0.1,a.example",
        "",
        "{",
        '"a,b',
    ]
)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.one_of(_LINE_PIECES, st.text(max_size=30)), max_size=8), fmt=st.sampled_from(FORMATS))
def test_errors_in_line_shaped_input_name_an_existing_line(lines: list[str], fmt: ObservationFormat) -> None:
    text = "\n".join(lines)
    try:
        batch = read_observations(text.encode(), fmt)
    except ObservationReadError as exc:
        found = re.match(r"^line (\d+): ", str(exc))
        assert found is not None
        assert 1 <= int(found.group(1)) <= max(1, text.count("\n") + 1)
    else:
        assert all(1 <= line <= text.count("\n") + 1 for line in batch.lines)
