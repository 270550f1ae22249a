"""Observations to match, and the readers that make them from JSON lines, CSV and Zeek logs.

An observation is what one log line or one JSON line saw: a list of STIX cyber-observable
objects (SCOs), so that ``stix2-matcher`` can be run on it as observed-data. Beside the
objects, a batch keeps *columns*: for each indexed observable key (``("ipv4-addr", "value")``,
``("file", "hashes.SHA-256")``) the observation numbers and string values, which is all the
fast path reads. Every reader error names the line.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.pillars.intel.matching.patterns import HASH_KEYS, VALUE_TYPES, ObservableKey

ObservationFormat = Literal["jsonl", "csv", "zeek-dns", "zeek-conn"]
FORMATS: tuple[ObservationFormat, ...] = ("jsonl", "csv", "zeek-dns", "zeek-conn")
_ID_NAMESPACE = uuid.UUID("1d7c0b9e-8f7a-5b3c-9e2d-4a6f8b0c1d2e")
_MAX_LINE = 1_000_000


class ObservationReadError(InvalidInput):
    """An observation file is not what its format says; the message starts with the line."""


def _fail(line: int, message: str) -> ObservationReadError:
    return ObservationReadError(f"line {line}: {message}")


@dataclass
class ObservationBatch:
    """Observations with their objects, source lines and times, and the fast path's columns."""

    objects: Sequence[Sequence[dict[str, Any]]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    times: list[str] = field(default_factory=list)  # STIX timestamp each observation was made
    columns: dict[ObservableKey, tuple[list[int], list[str]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lines)

    def add(self, objects: list[dict[str, Any]], *, line: int, time: str) -> None:
        """Append one observation; ``objects`` are SCOs with unique string ids."""
        assert isinstance(self.objects, list)
        index = len(self.lines)
        self.objects.append(objects)
        self.lines.append(line)
        self.times.append(time)
        for key, value in observable_values(objects):
            column = self.columns.get(key)
            if column is None:
                column = self.columns[key] = ([], [])
            column[0].append(index)
            column[1].append(value)

    def part(self, start: int, stop: int) -> ObservationBatch:
        """Observations ``start`` to ``stop`` (excluded) as a batch of their own, numbered from 0."""
        columns: dict[ObservableKey, tuple[list[int], list[str]]] = {}
        for key, (numbers, values) in self.columns.items():
            low, high = bisect_left(numbers, start), bisect_left(numbers, stop)
            if low < high:
                columns[key] = ([n - start for n in numbers[low:high]], values[low:high])
        return ObservationBatch(
            objects=self.objects[start:stop],
            lines=self.lines[start:stop],
            times=self.times[start:stop],
            columns=columns,
        )

    def observed_data(self, index: int) -> dict[str, Any]:
        """Observation ``index`` as a STIX 2.1 bundle of one observed-data and its SCOs (for stix2-matcher)."""
        return observed_data_bundle(self.objects[index], self.times[index])


def observable_values(objects: Iterable[dict[str, Any]]) -> Iterator[tuple[ObservableKey, str]]:
    """The indexed (key, value) pairs of some SCOs: string values only, as stix2-matcher compares them."""
    for obj in objects:
        type_name = obj.get("type")
        if type_name in VALUE_TYPES:
            value = obj.get("value")
            if isinstance(value, str):
                yield (type_name, "value"), value
        elif type_name == "file":
            hashes = obj.get("hashes")
            if isinstance(hashes, dict):
                for key, value in hashes.items():
                    if key in HASH_KEYS and isinstance(value, str):
                        yield ("file", f"hashes.{key}"), value


def observed_data_bundle(objects: Sequence[dict[str, Any]], time: str) -> dict[str, Any]:
    observed = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": "observed-data--00000000-0000-4000-8000-000000000000",
        "created": time,
        "modified": time,
        "first_observed": time,
        "last_observed": time,
        "number_observed": 1,
        "object_refs": [obj["id"] for obj in objects],
    }
    return {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [observed, *objects]}


def sco_id(type_name: str, key: str) -> str:
    return f"{type_name}--{uuid.uuid5(_ID_NAMESPACE, key)}"


def _stamp_from_epoch(text: str, line: int) -> str:
    try:
        seconds = float(text)
        moment = datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        raise _fail(line, f"ts {text[:40]!r} is not a Unix time") from None
    return _format(moment)


def _normalise(objects: list[Any], line: int) -> list[dict[str, Any]]:
    """Check SCOs and give each a string id; later objects with an id replace earlier ones (as in stix2-matcher)."""
    by_id: dict[str, dict[str, Any]] = {}
    for position, item in enumerate(objects):
        obj = item
        if not isinstance(obj, dict):
            raise _fail(line, f"object {position} is not a JSON object")
        type_name = obj.get("type")
        if not isinstance(type_name, str) or not type_name:
            raise _fail(line, f"object {position} has no 'type'")
        if type_name == "observed-data":
            raise _fail(line, f"object {position}: observed-data inside observed-data")
        object_id = obj.get("id")
        if object_id is None:
            obj = {**obj, "id": sco_id(type_name, f"{line}:{position}")}
        elif not isinstance(object_id, str):
            raise _fail(line, f"object {position}: 'id' must be a string")
        by_id.pop(obj["id"], None)
        by_id[obj["id"]] = obj
    if not by_id:
        raise _fail(line, "no observable objects")
    return list(by_id.values())


def _rewrite_refs(obj: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    result = dict(obj)
    for key, value in obj.items():
        if key.endswith("_ref") and isinstance(value, str) and value in ids:
            result[key] = ids[value]
        elif key.endswith("_refs") and isinstance(value, list):
            result[key] = [ids.get(v, v) if isinstance(v, str) else v for v in value]
    return result


def _json_observation(document: Any, line: int) -> tuple[list[dict[str, Any]], str | None]:
    if not isinstance(document, dict):
        raise _fail(line, f"expected a JSON object, found {type(document).__name__}")
    type_name = document.get("type")
    if not isinstance(type_name, str) or not type_name:
        raise _fail(line, "'type' missing")
    if type_name == "bundle":
        objects = document.get("objects")
        if not isinstance(objects, list):
            raise _fail(line, "bundle without an 'objects' list")
        observed = [o for o in objects if isinstance(o, dict) and o.get("type") == "observed-data"]
        scos = [o for o in objects if not (isinstance(o, dict) and o.get("type") == "observed-data")]
        time = observed[0].get("first_observed") if observed else None
        return _normalise(scos, line), time if isinstance(time, str) else None
    if type_name == "observed-data":
        embedded = document.get("objects")
        if not isinstance(embedded, dict):
            raise _fail(line, "observed-data needs an 'objects' map of observables (STIX 2.0 style)")
        ids: dict[str, str] = {}
        for key, obj in embedded.items():
            if isinstance(obj, dict) and isinstance(obj.get("type"), str):
                ids[key] = obj["id"] if isinstance(obj.get("id"), str) else sco_id(obj["type"], f"{line}:{key}")
        scos = [_rewrite_refs({**obj, "id": ids[key]}, ids) if key in ids else obj for key, obj in embedded.items()]
        time = document.get("first_observed")
        return _normalise(scos, line), time if isinstance(time, str) else None
    return _normalise([document], line), None


def _text_lines(data: bytes) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if len(raw) > _MAX_LINE:
            raise _fail(number, f"longer than {_MAX_LINE} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _fail(number, f"not UTF-8 (byte {exc.start + 1})") from None
        yield number, text.removesuffix("\r")


def read_jsonl(data: bytes, *, time: str | None = None) -> ObservationBatch:
    """One observation per line: an SCO, an observed-data with embedded objects, or a bundle."""
    batch = ObservationBatch()
    default_time = time or format_timestamp(now_utc())
    for number, text in _text_lines(data):
        if not text.strip():
            continue
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            message = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise _fail(number, f"not JSON ({message})") from None
        objects, seen = _json_observation(document, number)
        batch.add(objects, line=number, time=_valid_time(seen, number) if seen else default_time)
    return batch


def _valid_time(text: str, line: int) -> str:
    """A timestamp from the input, rewritten as a canonical STIX timestamp (UTC, milliseconds)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(line, f"time {text[:40]!r} is not a timestamp") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return _format(moment.astimezone(UTC))
    except (ValueError, OverflowError):
        raise _fail(line, f"time {text[:40]!r} is out of range") from None


def _format(moment: datetime) -> str:
    m = moment  # not strftime: it does not pad years before 1000, and stix2-matcher wants four digits
    date = f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
    return f"{date}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}.{m.microsecond // 1000:03d}Z"


# CSV: either ``type,value`` rows, or one observation per row with one column per observable kind.
_CSV_COLUMNS: dict[str, tuple[str, str | None]] = {
    "ip": ("ip", None),
    "ipv4": ("ipv4-addr", None),
    "ipv6": ("ipv6-addr", None),
    "src_ip": ("ip", None),
    "dst_ip": ("ip", None),
    "domain": ("domain-name", None),
    "hostname": ("domain-name", None),
    "url": ("url", None),
    "email": ("email-addr", None),
    "md5": ("file", "MD5"),
    "sha1": ("file", "SHA-1"),
    "sha256": ("file", "SHA-256"),
    "sha512": ("file", "SHA-512"),
}
_CSV_TYPES: dict[str, tuple[str, str | None]] = {
    "ipv4-addr": ("ipv4-addr", None),
    "ipv6-addr": ("ipv6-addr", None),
    "ip": ("ip", None),
    "domain-name": ("domain-name", None),
    "domain": ("domain-name", None),
    "url": ("url", None),
    "email-addr": ("email-addr", None),
    "email": ("email-addr", None),
    "md5": ("file", "MD5"),
    "sha1": ("file", "SHA-1"),
    "sha-1": ("file", "SHA-1"),
    "sha256": ("file", "SHA-256"),
    "sha-256": ("file", "SHA-256"),
    "sha512": ("file", "SHA-512"),
    "sha-512": ("file", "SHA-512"),
}
_TIME_COLUMNS = ("timestamp", "ts", "time", "first_seen")


def _sco(kind: tuple[str, str | None], value: str, key: str) -> dict[str, Any]:
    type_name, hash_key = kind
    if type_name == "ip":
        type_name = "ipv6-addr" if ":" in value else "ipv4-addr"
    if hash_key is not None:
        return {"type": "file", "id": sco_id("file", key), "hashes": {hash_key: value}}
    return {"type": type_name, "id": sco_id(type_name, key), "value": value}


def read_csv(data: bytes, *, time: str | None = None) -> ObservationBatch:
    """CSV with a header: ``type,value`` (one observable a row) or columns such as ``ip,domain,url,md5``."""
    batch = ObservationBatch()
    default_time = time or format_timestamp(now_utc())
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(data.count(b"\n", 0, exc.start) + 1, "not UTF-8") from None
    if "\x00" in text:
        raise _fail(text.count("\n", 0, text.index("\x00")) + 1, "NUL byte in CSV")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise _fail(1, "empty file: expected a header row")
        names = [h.strip().lower() for h in header]
        time_column = next((names.index(n) for n in _TIME_COLUMNS if n in names), None)
        long_form = "type" in names and "value" in names
        if not long_form and not any(n in _CSV_COLUMNS for n in names):
            expected = ", ".join(sorted(_CSV_COLUMNS))
            raise _fail(reader.line_num, f"no observable column; expected type,value or some of: {expected}")
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                raise _fail(number, f"{len(row)} fields, the header has {len(names)}")
            seen = default_time
            if time_column is not None and row[time_column].strip():
                seen = _row_time(row[time_column].strip(), number)
            objects: list[dict[str, Any]] = []
            if long_form:
                type_text = row[names.index("type")].strip().lower()
                value = row[names.index("value")].strip()
                if type_text not in _CSV_TYPES:
                    raise _fail(number, f"unknown type {type_text[:40]!r}; use one of {', '.join(sorted(_CSV_TYPES))}")
                if not value:
                    raise _fail(number, "empty value")
                objects.append(_sco(_CSV_TYPES[type_text], value, f"{number}:0"))
            else:
                for position, (name, cell) in enumerate(zip(names, row, strict=True)):
                    if name in _CSV_COLUMNS and cell.strip():
                        objects.append(_sco(_CSV_COLUMNS[name], cell.strip(), f"{number}:{position}"))
            if objects:
                batch.add(objects, line=number, time=seen)
    except csv.Error as exc:
        raise _fail(reader.line_num, f"broken CSV ({exc})") from None
    return batch


def _row_time(text: str, line: int) -> str:
    if text.replace(".", "", 1).isdigit():
        return _stamp_from_epoch(text, line)
    return _valid_time(text, line)


_ZEEK_NEEDS = {
    "zeek-dns": ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "query"),
    "zeek-conn": ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"),
}


def _zeek_unset(value: str) -> bool:
    return value in ("-", "(empty)", "")


def _port(text: str, name: str, line: int) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise _fail(line, f"{name} {text[:20]!r} is not a port")
    return int(text)


def _host(value: str, key: str) -> dict[str, Any]:
    type_name = "ipv6-addr" if ":" in value else "ipv4-addr"
    return {"type": type_name, "id": sco_id(type_name, key), "value": value}


def read_zeek(data: bytes, *, kind: Literal["zeek-dns", "zeek-conn"]) -> ObservationBatch:
    """Zeek TSV logs (``#fields`` header): dns.log gives the query, answers and endpoints; conn.log the flow."""
    batch = ObservationBatch()
    fields: list[str] | None = None
    separator = "\t"
    for number, text in _text_lines(data):
        if not text:
            continue
        if text.startswith("#"):
            if text.startswith("#separator "):
                raw = text.split(" ", 1)[1].strip()
                separator = bytes(raw, "ascii", "ignore").decode("unicode_escape", "ignore") or "\t"
                if len(separator) != 1:
                    raise _fail(number, f"unsupported #separator {raw[:20]!r}")
            elif text.startswith("#fields"):
                fields = text.split(separator)[1:]
                missing = [name for name in _ZEEK_NEEDS[kind] if name not in fields]
                if missing:
                    raise _fail(number, f"#fields lacks {', '.join(missing)} (is this a {kind[5:]}.log?)")
            continue
        if fields is None:
            raise _fail(number, "data before the #fields header")
        values = text.split(separator)
        if len(values) != len(fields):
            raise _fail(number, f"{len(values)} fields, #fields names {len(fields)}")
        row = dict(zip(fields, values, strict=True))
        batch.add(_zeek_objects(row, kind, number), line=number, time=_stamp_from_epoch(row["ts"], number))
    return batch


def _zeek_objects(row: dict[str, str], kind: str, line: int) -> list[dict[str, Any]]:
    orig, resp = row["id.orig_h"], row["id.resp_h"]
    if _zeek_unset(orig) or _zeek_unset(resp):
        raise _fail(line, "id.orig_h and id.resp_h must be set")
    src, dst = _host(orig, f"{line}:src"), _host(resp, f"{line}:dst")
    objects: list[dict[str, Any]] = [src, dst] if src["id"] != dst["id"] else [src]
    traffic: dict[str, Any] = {
        "type": "network-traffic",
        "id": sco_id("network-traffic", f"{line}:flow"),
        "src_ref": src["id"],
        "dst_ref": dst["id"],
        "src_port": _port(row["id.orig_p"], "id.orig_p", line),
        "dst_port": _port(row["id.resp_p"], "id.resp_p", line),
        "protocols": [row["proto"].lower()] if not _zeek_unset(row["proto"]) else [],
    }
    if kind == "zeek-conn":
        for name, prop in (("orig_bytes", "src_byte_count"), ("resp_bytes", "dst_byte_count")):
            text = row.get(name, "-")
            if not _zeek_unset(text):
                if not text.isdigit():
                    raise _fail(line, f"{name} {text[:20]!r} is not a byte count")
                traffic[prop] = int(text)
        objects.append(traffic)
        return objects
    objects.append(traffic)
    query = row["query"]
    if not _zeek_unset(query):
        domain: dict[str, Any] = {"type": "domain-name", "id": sco_id("domain-name", f"{line}:query"), "value": query}
        resolved: list[str] = []
        answers = row.get("answers", "-")
        if not _zeek_unset(answers):
            for position, answer in enumerate(answers.split(",")):
                if _zeek_unset(answer):
                    continue
                if _looks_like_ip(answer):
                    sco = _host(answer, f"{line}:answer:{position}")
                else:
                    sco = {"type": "domain-name", "id": sco_id("domain-name", f"{line}:a{position}"), "value": answer}
                objects.append(sco)
                resolved.append(sco["id"])
        if resolved:
            domain["resolves_to_refs"] = resolved
        objects.append(domain)
    return objects


def _looks_like_ip(text: str) -> bool:
    if ":" in text:
        return all(c in "0123456789abcdefABCDEF:." for c in text)
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() for p in parts)


def read_observations(data: bytes, fmt: ObservationFormat) -> ObservationBatch:
    """Read ``data`` in format ``fmt``; :class:`ObservationReadError` names the line of the first problem."""
    if fmt == "jsonl":
        return read_jsonl(data)
    if fmt == "csv":
        return read_csv(data)
    if fmt in ("zeek-dns", "zeek-conn"):
        return read_zeek(data, kind=fmt)
    raise InvalidInput(f"format: {fmt!r} is not one of {', '.join(FORMATS)}")


def guess_format(name: str) -> ObservationFormat:
    """The format a file name suggests (``dns.log`` → zeek-dns, ``.csv`` → csv, else jsonl)."""
    lower = name.lower()
    if lower.endswith(".csv"):
        return "csv"
    if "dns" in lower and lower.endswith(".log"):
        return "zeek-dns"
    if "conn" in lower and lower.endswith(".log"):
        return "zeek-conn"
    return "jsonl"
