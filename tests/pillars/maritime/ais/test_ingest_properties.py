"""Property test of the whole ingest (framing, decoding, clocks, storage): any mix of lines, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyais.encode import encode_dict

from mitra.foundation.errors import InvalidInput
from mitra.pillars.maritime.ais.ingest import ingest_file
from mitra.pillars.maritime.ais.store import PositionStore

_INT = st.integers(min_value=-(2**31), max_value=2**31)

base_stations = st.fixed_dictionaries(
    {
        "msg_type": st.just(4),
        "mmsi": st.integers(1, 999_999_999),
        "year": st.integers(0, 9999),
        "month": st.integers(0, 15),
        "day": st.integers(0, 31),
        "hour": st.integers(0, 31),
        "minute": st.integers(0, 63),
        "second": st.integers(0, 63),
    }
)
positions = st.fixed_dictionaries(
    {
        "msg_type": st.sampled_from([1, 2, 3, 18]),
        "mmsi": st.integers(1, 999_999_999),
        "lat": st.floats(-91, 91, allow_nan=False),
        "lon": st.floats(-181, 181, allow_nan=False),
        "speed": st.floats(0, 102.3, allow_nan=False),
        "course": st.floats(0, 360, allow_nan=False),
    }
)
statics = st.fixed_dictionaries(
    {
        "msg_type": st.just(5),
        "mmsi": st.integers(1, 999_999_999),
        "imo": st.integers(0, 2**30 - 1),
        "shipname": st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789", max_size=20),
    }
)
tag_times = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(2**40), 2**45).map(str),
    st.text("0123456789.e-+x", max_size=12),
)


def _tagged(sentence: str, tag_time: str | None) -> bytes:
    if tag_time is None:
        return sentence.encode()
    body = f"c:{tag_time}".encode()
    check = 0
    for byte in body:
        check ^= byte
    return b"\\" + body + f"*{check:02X}".encode() + b"\\" + sentence.encode()


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["base", "position", "static", "garbage"]))
    if kind == "garbage":
        return draw(st.binary(max_size=90)).replace(b"\n", b" ")
    fields = draw({"base": base_stations, "position": positions, "static": statics}[kind])
    sentences = encode_dict(fields, talker_id="AI", sentence_type="VDM")
    if draw(st.booleans()):  # cut a multi-part report short, or flip a byte
        sentences = sentences[: draw(st.integers(0, len(sentences)))]
    return b"\n".join(_tagged(s, draw(tag_times)) for s in sentences)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(lines(), min_size=1, max_size=25))
def test_any_mix_of_reports_clocks_and_garbage_is_ingested_or_rejected_never_a_crash(chunks: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mixed.nmea"
        path.write_bytes(b"\n".join(chunks) + b"\n")
        store = PositionStore(Path(tmp) / "maritime")
        data = path.read_bytes()
        refused = ""
        try:
            result = ingest_file(store, path)
        except InvalidInput as exc:
            refused = str(exc)
        if refused:  # no AIS record at all: refused, nothing stored, nothing marked as ingested
            assert "no AIS NMEA sentence" in refused
            assert store.count_positions(with_unknown_time=True) == 0
            assert not list(store.reports_dir.glob("checkpoint-*.json"))
            return
        assert b"VDM" in data or b"VDO" in data
        assert result.report.accounted == result.report.read > 0
        assert store.check().intact
        assert result.stored_positions == store.count_positions(with_unknown_time=True)
        assert result.stored_positions <= sum(chunk.count(b"\n") + 1 for chunk in chunks)
