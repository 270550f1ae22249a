"""Positions written as text, as incident reports carry them: DMS, NGA's degree-minute and decimal forms.

Accepted, with the two components separated by spaces, a newline, a comma or a slash:

* degrees-minutes-seconds with symbols: ``1°14'N 103°55'E``, ``46°37'50.89"N 31°35'01.64"E``
  (NGA ASAM's export writes one component per line);
* NGA ASAM's older text form with hyphens: ``13-18N 042-44E``, ``01-07.5N 103-31.2E``, ``13-18-30N ...``;
* decimal degrees with hemispheres (``1.2345N 103.5E``, ``N 1.2345 E 103.5``) or signed
  (``1.2345, 103.5`` = latitude, longitude).

Minutes and seconds may not exceed 60 (exactly 60 is read as the next degree or minute: NGA's
export writes ``5°60'00"S`` for a value rounded up from 5°59.99'), and a component may carry a
fraction only in its last number. Anything else raises :class:`PositionParseError` saying what is wrong.
"""

from __future__ import annotations

import re

_HEMISPHERES = {"N": 1, "S": -1, "E": 1, "W": -1}
# One component: up to three numbers joined by degree/minute/second marks or hyphens, then a hemisphere
# (or the hemisphere first). Marks: degree signs, primes, quotes and their typographic variants.
_MARKS = "°º˚'′’\"″”"
_NUMBER = r"\d+(?:\.\d+)?"
_BODY = rf"{_NUMBER}(?:\s*(?:[{_MARKS}]|-|deg|\s)\s*{_NUMBER}){{0,2}}"
_COMPONENT = re.compile(
    rf"(?:(?P<body>{_BODY})\s*[{_MARKS}]*\s*(?P<hem>[NSEW]))|(?:(?P<hem2>[NSEW])\s*(?P<body2>{_BODY})\s*[{_MARKS}]*)",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(r"[\s,;/]*")
_SIGNED = re.compile(rf"^\s*(?P<lat>[-+]?{_NUMBER})\s*[,;\s]\s*(?P<lon>[-+]?{_NUMBER})\s*$")


class PositionParseError(ValueError):
    """A position text that cannot be read; the message says why."""


def parse_position(text: str) -> tuple[float, float]:
    """``(latitude, longitude)`` in decimal degrees from a position written as text."""
    if not isinstance(text, str) or not text.strip():
        raise PositionParseError("empty position")
    if len(text) > 200:
        raise PositionParseError("position text longer than 200 characters")
    signed = _SIGNED.match(text)
    if signed is not None:
        return _checked(float(signed["lat"]), float(signed["lon"]), text)
    parts = _components(text)
    if len(parts) != 2:
        raise PositionParseError(f"{text!r}: expected a latitude and a longitude, found {len(parts)}")
    values: dict[str, float] = {}
    for axis, value in parts:
        if axis in values:
            raise PositionParseError(f"{text!r}: two {'latitudes' if axis == 'lat' else 'longitudes'}")
        values[axis] = value
    return _checked(values["lat"], values["lon"], text)


def _components(text: str) -> list[tuple[str, float]]:
    """Each coordinate of ``text`` as (axis, value), reading left to right."""
    found: list[tuple[str, float]] = []
    position = _skip_separators(text, 0)
    while position < len(text):
        match = _COMPONENT.match(text, position)
        if match is None:
            raise PositionParseError(f"{text!r}: cannot read a coordinate at {text[position : position + 12]!r}")
        found.append(_component(match))
        position = _skip_separators(text, match.end())
    return found


def _skip_separators(text: str, position: int) -> int:
    match = _SEPARATORS.match(text, position)
    return match.end() if match else position


def _component(match: re.Match[str]) -> tuple[str, float]:
    body = match["body"] if match["body"] is not None else match["body2"]
    hemisphere = (match["hem"] or match["hem2"]).upper()
    numbers = re.findall(_NUMBER, body)
    if any("." in n for n in numbers[:-1]):
        raise PositionParseError(f"{match[0]!r}: only the last number may have a fraction")
    degrees = float(numbers[0])
    minutes = float(numbers[1]) if len(numbers) > 1 else 0.0
    seconds = float(numbers[2]) if len(numbers) > 2 else 0.0
    if minutes > 60 or seconds > 60:
        raise PositionParseError(f"{match[0]!r}: minutes and seconds must not exceed 60")
    value = (degrees + minutes / 60 + seconds / 3600) * _HEMISPHERES[hemisphere]
    return ("lat" if hemisphere in "NS" else "lon"), value


def _checked(lat: float, lon: float, text: str) -> tuple[float, float]:
    if not -90 <= lat <= 90:
        raise PositionParseError(f"{text!r}: latitude {lat:g} is outside -90..90")
    if not -180 <= lon <= 180:
        raise PositionParseError(f"{text!r}: longitude {lon:g} is outside -180..180")
    return round(lat, 6), round(lon, 6)
