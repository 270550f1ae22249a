"""A vectorised, table-driven AIS payload decoder: types 1/2/3, 4, 5, 9, 11, 12, 14, 18, 19, 21, 24 and 27.

Payloads of one message type are gathered into one character matrix straight from the input buffer,
de-armoured with a lookup table and packed into bytes (four 6-bit characters make three bytes); each
field is cut out of the byte matrix with a few numpy shifts. Names, scaling and edge cases follow
pyais (the reference in the tests): a field starting beyond the message's bits is ``None``; a field
cut short takes the bits that are there; text loses trailing ``@`` and surrounding blanks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

_ARMOUR_VALUE = [(c - 56 if c - 48 > 40 else c - 48) if 48 <= c <= 119 else 0 for c in range(256)]
_SIXBIT_ASCII = np.array([v + 64 if v < 32 else v for v in range(64)], dtype=np.uint8)

# (name, bit offset, width, kind). Kinds: u unsigned, i signed, b bool, t text, ll 1/600000 degree,
# l6 1/600 degree, d tenth (v/10), f float(raw), r rate of turn.
Spec = tuple[str, int, int, str]
_HEAD: tuple[Spec, ...] = (("msg_type", 0, 6, "u"), ("repeat", 6, 2, "u"), ("mmsi", 8, 30, "u"))
_CLASS_A: tuple[Spec, ...] = (
    ("status", 38, 4, "u"),
    ("turn", 42, 8, "r"),
    ("speed", 50, 10, "d"),
    ("accuracy", 60, 1, "b"),
    ("lon", 61, 28, "ll"),
    ("lat", 89, 27, "ll"),
    ("course", 116, 12, "d"),
    ("heading", 128, 9, "u"),
    ("second", 137, 6, "u"),
    ("maneuver", 143, 2, "u"),
    ("raim", 148, 1, "b"),
    ("radio", 149, 19, "u"),
)
_BASE: tuple[Spec, ...] = (
    ("year", 38, 14, "u"),
    ("month", 52, 4, "u"),
    ("day", 56, 5, "u"),
    ("hour", 61, 5, "u"),
    ("minute", 66, 6, "u"),
    ("second", 72, 6, "u"),
    ("accuracy", 78, 1, "b"),
    ("lon", 79, 28, "ll"),
    ("lat", 107, 27, "ll"),
    ("epfd", 134, 4, "u"),
    ("raim", 148, 1, "b"),
    ("radio", 149, 19, "u"),
)
_STATIC: tuple[Spec, ...] = (
    ("ais_version", 38, 2, "u"),
    ("imo", 40, 30, "u"),
    ("callsign", 70, 42, "t"),
    ("shipname", 112, 120, "t"),
    ("ship_type", 232, 8, "u"),
    ("to_bow", 240, 9, "u"),
    ("to_stern", 249, 9, "u"),
    ("to_port", 258, 6, "u"),
    ("to_starboard", 264, 6, "u"),
    ("epfd", 270, 4, "u"),
    ("month", 274, 4, "u"),
    ("day", 278, 5, "u"),
    ("hour", 283, 5, "u"),
    ("minute", 288, 6, "u"),
    ("draught", 294, 8, "d"),
    ("destination", 302, 120, "t"),
    ("dte", 422, 1, "b"),
)
_CLASS_B: tuple[Spec, ...] = (
    ("reserved_1", 38, 8, "u"),
    ("speed", 46, 10, "d"),
    ("accuracy", 56, 1, "b"),
    ("lon", 57, 28, "ll"),
    ("lat", 85, 27, "ll"),
    ("course", 112, 12, "d"),
    ("heading", 124, 9, "u"),
    ("second", 133, 6, "u"),
)
_TYPE18: tuple[Spec, ...] = (
    *_CLASS_B,
    ("reserved_2", 139, 2, "u"),
    ("cs", 141, 1, "b"),
    ("display", 142, 1, "b"),
    ("dsc", 143, 1, "b"),
    ("band", 144, 1, "b"),
    ("msg22", 145, 1, "b"),
    ("assigned", 146, 1, "b"),
    ("raim", 147, 1, "b"),
    ("radio", 148, 20, "u"),
)
_TYPE19: tuple[Spec, ...] = (
    *_CLASS_B,
    ("reserved_2", 139, 4, "u"),
    ("shipname", 143, 120, "t"),
    ("ship_type", 263, 8, "u"),
    ("to_bow", 271, 9, "u"),
    ("to_stern", 280, 9, "u"),
    ("to_port", 289, 6, "u"),
    ("to_starboard", 295, 6, "u"),
    ("epfd", 301, 4, "u"),
    ("raim", 305, 1, "b"),
    ("dte", 306, 1, "b"),
    ("assigned", 307, 1, "b"),
)
_TYPE21: tuple[Spec, ...] = (
    ("aid_type", 38, 5, "u"),
    ("name", 43, 120, "t"),
    ("accuracy", 163, 1, "b"),
    ("lon", 164, 28, "ll"),
    ("lat", 192, 27, "ll"),
    ("to_bow", 219, 9, "u"),
    ("to_stern", 228, 9, "u"),
    ("to_port", 237, 6, "u"),
    ("to_starboard", 243, 6, "u"),
    ("epfd", 249, 4, "u"),
    ("second", 253, 6, "u"),
    ("off_position", 259, 1, "b"),
    ("reserved_1", 260, 8, "u"),
    ("raim", 268, 1, "b"),
    ("virtual_aid", 269, 1, "b"),
    ("assigned", 270, 1, "b"),
    ("name_ext", 272, 88, "t"),
)
_TYPE9: tuple[Spec, ...] = (  # SAR aircraft; speed in whole knots (not tenths), altitude in metres
    ("alt", 38, 12, "u"),
    ("speed", 50, 10, "f"),
    ("accuracy", 60, 1, "b"),
    ("lon", 61, 28, "ll"),
    ("lat", 89, 27, "ll"),
    ("course", 116, 12, "d"),
    ("second", 128, 6, "u"),
    ("reserved_1", 134, 8, "u"),
    ("dte", 142, 1, "b"),
    ("assigned", 146, 1, "b"),
    ("raim", 147, 1, "b"),
    ("radio", 148, 20, "u"),
)
_TYPE12: tuple[Spec, ...] = (  # addressed safety-related text
    ("seqno", 38, 2, "u"),
    ("dest_mmsi", 40, 30, "u"),
    ("retransmit", 70, 1, "b"),
    ("text", 72, 936, "t"),
)
_TYPE14: tuple[Spec, ...] = (("text", 40, 968, "t"),)  # broadcast safety-related text
_TYPE24_A: tuple[Spec, ...] = (("partno", 38, 2, "u"), ("shipname", 40, 120, "t"))
_TYPE24_B: tuple[Spec, ...] = (
    ("partno", 38, 2, "u"),
    ("ship_type", 40, 8, "u"),
    ("vendorid", 48, 18, "t"),
    ("model", 66, 4, "u"),
    ("serial", 70, 20, "u"),
    ("callsign", 90, 42, "t"),
)
_TYPE24_DIMENSIONS: tuple[Spec, ...] = (
    ("to_bow", 132, 9, "u"),
    ("to_stern", 141, 9, "u"),
    ("to_port", 150, 6, "u"),
    ("to_starboard", 156, 6, "u"),
)
_TYPE24_MOTHERSHIP: tuple[Spec, ...] = (("mothership_mmsi", 132, 30, "u"),)
_TYPE27: tuple[Spec, ...] = (
    ("accuracy", 38, 1, "b"),
    ("raim", 39, 1, "b"),
    ("status", 40, 4, "u"),
    ("lon", 44, 18, "l6"),
    ("lat", 62, 17, "l6"),
    ("speed", 79, 6, "f"),
    ("course", 85, 9, "f"),
    ("gnss", 94, 1, "b"),
)

SPECS: dict[int, tuple[Spec, ...]] = {
    1: _HEAD + _CLASS_A,
    2: _HEAD + _CLASS_A,
    3: _HEAD + _CLASS_A,
    4: _HEAD + _BASE,
    5: _HEAD + _STATIC,
    9: _HEAD + _TYPE9,
    11: _HEAD + _BASE,
    12: _HEAD + _TYPE12,
    14: _HEAD + _TYPE14,
    18: _HEAD + _TYPE18,
    19: _HEAD + _TYPE19,
    21: _HEAD + _TYPE21,
    27: _HEAD + _TYPE27,
}
SUPPORTED_TYPES = frozenset((*SPECS, 24))
POSITION_TYPES = frozenset({1, 2, 3, 18, 19, 27})


@dataclass
class Column:
    """One decoded field over a group: values (array, or a list for text) and whether the field was present."""

    values: Any
    present: BoolArray


@dataclass
class TypeGroup:
    """All messages of one type in a batch: their positions in the input and their decoded columns."""

    msg_type: int
    index: IntArray
    columns: dict[str, Column] = field(default_factory=dict)


def _bits(matrix: npt.NDArray[np.uint8], offset: int, width: int) -> IntArray:
    """Field value of ``width`` bits at ``offset`` over every row, as if the rows were long enough."""
    first, last = offset // 8, (offset + width - 1) // 8
    acc = matrix[:, first].astype(np.int64)
    for byte in range(first + 1, last + 1):
        acc = (acc << 8) | matrix[:, byte]
    acc >>= 8 * (last + 1) - (offset + width)
    return acc & ((1 << width) - 1)


def _field(
    matrix: npt.NDArray[np.uint8], bitlen: IntArray, offset: int, width: int, signed: bool
) -> tuple[IntArray, BoolArray]:
    """pyais semantics: absent if offset >= length; cut short to the bits available; two's complement if signed."""
    full = _bits(matrix, offset, width)
    available = np.clip(bitlen - offset, 0, width)
    present = available > 0
    short = available < width
    if short.any():
        full = np.where(short, full >> (width - available), full)
    if signed:
        sign = np.where(present, (full >> np.maximum(available - 1, 0)) & 1, 0).astype(bool)
        full = np.where(sign, full - (np.int64(1) << available), full)
    return full, present


def _text(matrix: npt.NDArray[np.uint8], bitlen: IntArray, offset: int, width: int) -> Column:
    count = (width + 5) // 6
    chars = np.empty((matrix.shape[0], count), dtype=np.uint8)
    for k in range(count):
        value, _ = _field(matrix, bitlen, offset + 6 * k, 6, False)
        chars[:, k] = _SIXBIT_ASCII[value]
    present = bitlen > offset
    rows = chars.tobytes()
    texts: list[str | None] = [
        rows[i * count : (i + 1) * count].decode("ascii").rstrip("@").strip() if ok else None
        for i, ok in enumerate(present.tolist())
    ]
    return Column(texts, present)


def _convert(kind: str, raw: IntArray) -> Any:
    if kind == "ll":
        return ((10 * raw + 3) // 6) / 1e6
    if kind == "l6":
        return ((10000 * raw + 3) // 6) / 1e6
    if kind == "d":
        return raw / 10.0
    if kind == "f":
        return raw.astype(np.float64)
    if kind == "b":
        return raw.astype(bool)
    if kind == "r":
        rate = raw / 4.733
        turned = np.copysign(np.round(rate * rate), raw)
        special = (raw == 0) | (np.abs(raw) >= 127)
        return np.where(special, raw.astype(np.float64), turned)
    return raw


SIX_BIT = np.asarray(_ARMOUR_VALUE, dtype=np.int64)
SIX_BIT_U8 = np.asarray(_ARMOUR_VALUE, dtype=np.uint8)


def _matrix(
    buffer: npt.NDArray[np.uint8], starts: IntArray, lengths: IntArray, width_chars: int
) -> npt.NDArray[np.uint8]:
    """Bytes of the de-armoured payloads, one row each, zero-padded to ``width_chars`` characters (4k)."""
    cols = np.arange(width_chars)
    if len(buffer) < int(starts.max()) + width_chars:
        buffer = np.concatenate([buffer, np.full(width_chars, 48, dtype=np.uint8)])
    six = SIX_BIT_U8.take(buffer.take(starts[:, None] + cols))
    short = lengths < width_chars
    if short.any():
        six[short] = np.where(cols >= lengths[short, None], 0, six[short])
    quads = six.reshape(len(starts), width_chars // 4, 4).astype(np.uint32)
    word = (quads[:, :, 0] << 18) | (quads[:, :, 1] << 12) | (quads[:, :, 2] << 6) | quads[:, :, 3]
    out = np.empty((len(starts), width_chars // 4, 3), dtype=np.uint8)
    out[:, :, 0] = word >> 16
    out[:, :, 1] = (word >> 8) & 255
    out[:, :, 2] = word & 255
    return out.reshape(len(starts), width_chars * 3 // 4)


def _decode_specs(matrix: npt.NDArray[np.uint8], bitlen: IntArray, specs: tuple[Spec, ...]) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for name, offset, width, kind in specs:
        if kind == "t":
            columns[name] = _text(matrix, bitlen, offset, width)
            continue
        raw, present = _field(matrix, bitlen, offset, width, kind in ("i", "ll", "l6", "r"))
        columns[name] = Column(_convert(kind, raw), present)
    return columns


def _max_bits(specs: tuple[Spec, ...]) -> int:
    return max(offset + (6 * ((width + 5) // 6) if kind == "t" else width) for _, offset, width, kind in specs)


def _is_auxiliary(mmsi: IntArray) -> BoolArray:
    """pyais: an auxiliary craft's MMSI reads 98MIDXXXX."""
    return np.asarray((mmsi >= 980000000) & (mmsi <= 989999999), dtype=np.bool_)


def decode_payloads(payloads: list[bytes], fills: list[int]) -> list[TypeGroup]:
    """Decode a batch of whole armoured payloads; one group per supported type (others are left out)."""
    lengths = np.fromiter((len(p) for p in payloads), dtype=np.int64, count=len(payloads))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64) if payloads else lengths
    buffer = np.frombuffer(b"".join(payloads) + b"0", dtype=np.uint8)
    return decode_buffer(buffer, starts, lengths, np.asarray(fills, dtype=np.int64))


def decode_buffer(
    buffer: npt.NDArray[np.uint8], starts: IntArray, lengths: IntArray, fills: IntArray
) -> list[TypeGroup]:
    """Decode the payloads at ``buffer[starts[i] : starts[i] + lengths[i]]``; group ``index`` refers to i."""
    if not len(starts):
        return []
    bitlen_all = lengths * 6 - fills
    types = SIX_BIT[buffer[starts]]
    groups: list[TypeGroup] = []
    for msg_type in np.unique(types).tolist():
        if msg_type not in SUPPORTED_TYPES:
            continue
        index = np.flatnonzero(types == msg_type)
        bitlen = bitlen_all[index]
        group_starts, group_lengths = starts[index], lengths[index]
        if msg_type == 24:
            groups.extend(_decode_type24(buffer, group_starts, group_lengths, bitlen, index))
            continue
        specs = SPECS[msg_type]
        width = ((_max_bits(specs) + 5) // 6 + 3) // 4 * 4  # only the characters the fields need
        matrix = _matrix(buffer, group_starts, group_lengths, width)
        groups.append(TypeGroup(msg_type, index, _decode_specs(matrix, bitlen, specs)))
    return groups


def _decode_type24(
    buffer: npt.NDArray[np.uint8], starts: IntArray, lengths: IntArray, bitlen: IntArray, index: IntArray
) -> list[TypeGroup]:
    width = ((_max_bits(_TYPE24_B + _TYPE24_MOTHERSHIP) + 5) // 6 + 3) // 4 * 4
    matrix = _matrix(buffer, starts, lengths, width)
    head = _decode_specs(matrix, bitlen, _HEAD)
    partno, _ = _field(matrix, bitlen, 38, 2, False)
    mmsi = np.asarray(head["mmsi"].values, dtype=np.int64)
    groups: list[TypeGroup] = []
    variants: list[tuple[BoolArray, tuple[Spec, ...]]] = [
        (partno == 0, _TYPE24_A),
        ((partno == 1) & ~_is_auxiliary(mmsi), _TYPE24_B + _TYPE24_DIMENSIONS),
        ((partno == 1) & _is_auxiliary(mmsi), _TYPE24_B + _TYPE24_MOTHERSHIP),
    ]
    for mask, specs in variants:
        if not mask.any():
            continue
        rows = np.flatnonzero(mask)
        columns = {name: _take(col, rows) for name, col in head.items()}
        columns |= _decode_specs(matrix[rows], bitlen[rows], specs)
        groups.append(TypeGroup(24, index[rows], columns))
    return groups


def _take(column: Column, rows: IntArray) -> Column:
    if isinstance(column.values, list):
        return Column([column.values[i] for i in rows.tolist()], column.present[rows])
    return Column(column.values[rows], column.present[rows])


def decode_to_dicts(payloads: list[bytes], fills: list[int]) -> list[dict[str, Any] | None]:
    """Per input payload: its fields as a dict (pyais names and values), or None for an unsupported type."""
    out: list[dict[str, Any] | None] = [None] * len(payloads)
    for group in decode_payloads(payloads, fills):
        names = list(group.columns)
        values = [col.values if isinstance(col.values, list) else col.values.tolist() for col in group.columns.values()]
        presents = [col.present.tolist() for col in group.columns.values()]
        for row, position in enumerate(group.index.tolist()):
            out[position] = {name: (values[k][row] if presents[k][row] else None) for k, name in enumerate(names)}
    return out
