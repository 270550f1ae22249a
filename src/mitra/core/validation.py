"""Fast acceptance of common STIX 2.1 objects; ``stix2`` stays the authority for everything else.

``stix2.parse`` builds a full Python object for every input and costs about half a
millisecond an object: on the ATT&CK Enterprise bundle it alone takes longer than the
whole import may (benchmarks/import_attack.py). :func:`fast_accepts` says *yes* only when
every property of an object is one it knows for that type and each value passes the
rule ``stix2`` applies, or a stricter one. It never says *no*: anything it does not
fully understand (an unknown property, a coercible but non-canonical value, granular
markings, hashes, a violated rule) goes to ``stix2.parse``, which decides and words the
error. The tests hold it to that: whatever is accepted here, ``stix2`` accepts.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mitra.core.patterns import plainly_valid

Check = Callable[[Any], bool]

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$")
_ID = re.compile(r"^([a-z][a-z0-9-]*[a-z0-9])--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
_CUSTOM_PROPERTY = re.compile(r"^x_[a-z0-9_]{1,247}$")
# Types stix2 refuses as a relationship's source or target.
_NOT_RELATABLE = frozenset({"bundle", "language-content", "marking-definition", "relationship", "sighting"})
_EXTERNAL_REFERENCE_KEYS = frozenset({"source_name", "description", "url", "external_id"})
_KILL_CHAIN_KEYS = frozenset({"kill_chain_name", "phase_name"})


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_bool(value: Any) -> bool:
    return type(value) is bool


def _is_timestamp(value: Any) -> bool:
    if not isinstance(value, str) or _TIMESTAMP.match(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _ref(*, valid: frozenset[str] | None = None, invalid: frozenset[str] = frozenset()) -> Check:
    def check(value: Any) -> bool:
        if not isinstance(value, str):
            return False
        match = _ID.match(value)
        if match is None or len(match.group(1)) < 3 or len(match.group(1)) > 250:
            return False
        type_name = match.group(1)
        if (valid is not None and type_name not in valid) or type_name in invalid:
            return False
        return uuid.UUID(match.group(2)).variant == uuid.RFC_4122

    return check


def _ref_list(**kinds: frozenset[str]) -> Check:
    one = _ref(**kinds)
    return lambda value: isinstance(value, list) and all(one(item) for item in value)


def _confidence(value: Any) -> bool:
    return type(value) is int and 0 <= value <= 100


def _external_references(value: Any) -> bool:
    if not isinstance(value, list):
        return False
    for ref in value:
        if not isinstance(ref, dict) or not ref.keys() <= _EXTERNAL_REFERENCE_KEYS:
            return False
        if not all(isinstance(item, str) for item in ref.values()) or "source_name" not in ref:
            return False
        if not ref.keys() & {"description", "url", "external_id"}:
            return False
    return True


def _kill_chain_phases(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(phase, dict)
        and phase.keys() == _KILL_CHAIN_KEYS
        and all(isinstance(item, str) for item in phase.values())
        for phase in value
    )


def _extensions_checker(known_property_extensions: frozenset[str]) -> Check:
    def check(value: Any) -> bool:
        return (
            isinstance(value, dict)
            and bool(value)
            and all(
                key in known_property_extensions
                and isinstance(body, dict)
                and body.get("extension_type") == "property-extension"
                for key, body in value.items()
            )
        )

    return check


_NAMED: dict[str, Check] = {"name": _is_str, "description": _is_str}
_SEEN: dict[str, Check] = {"first_seen": _is_timestamp, "last_seen": _is_timestamp}
_TYPES: dict[str, tuple[dict[str, Check], tuple[str, ...]]] = {
    "attack-pattern": (
        _NAMED | {"aliases": _is_str_list, "kill_chain_phases": _kill_chain_phases},
        ("name",),
    ),
    "campaign": (_NAMED | _SEEN | {"aliases": _is_str_list, "objective": _is_str}, ("name",)),
    "course-of-action": (dict(_NAMED), ("name",)),
    "identity": (
        _NAMED
        | {
            "roles": _is_str_list,
            "identity_class": _is_str,
            "sectors": _is_str_list,
            "contact_information": _is_str,
        },
        ("name",),
    ),
    "intrusion-set": (
        _NAMED
        | _SEEN
        | {
            "aliases": _is_str_list,
            "goals": _is_str_list,
            "resource_level": _is_str,
            "primary_motivation": _is_str,
            "secondary_motivations": _is_str_list,
        },
        ("name",),
    ),
    "malware": (
        _NAMED
        | _SEEN
        | {
            "is_family": _is_bool,
            "malware_types": _is_str_list,
            "aliases": _is_str_list,
            "kill_chain_phases": _kill_chain_phases,
            "architecture_execution_envs": _is_str_list,
            "implementation_languages": _is_str_list,
            "capabilities": _is_str_list,
        },
        ("is_family",),
    ),
    "tool": (
        _NAMED
        | {
            "tool_types": _is_str_list,
            "aliases": _is_str_list,
            "kill_chain_phases": _kill_chain_phases,
            "tool_version": _is_str,
        },
        ("name",),
    ),
    "threat-actor": (
        _NAMED
        | _SEEN
        | {
            "threat_actor_types": _is_str_list,
            "aliases": _is_str_list,
            "roles": _is_str_list,
            "goals": _is_str_list,
            "sophistication": _is_str,
            "resource_level": _is_str,
            "primary_motivation": _is_str,
            "secondary_motivations": _is_str_list,
            "personal_motivations": _is_str_list,
        },
        ("name",),
    ),
    "vulnerability": (dict(_NAMED), ("name",)),
    "incident": (_NAMED | {"kill_chain_phases": _kill_chain_phases}, ("name",)),
    "indicator": (
        _NAMED
        | {
            "indicator_types": _is_str_list,
            "pattern": _is_str,
            "pattern_type": _is_str,
            "pattern_version": _is_str,
            "valid_from": _is_timestamp,
            "valid_until": _is_timestamp,
            "kill_chain_phases": _kill_chain_phases,
        },
        ("pattern", "pattern_type"),
    ),
    "relationship": (
        {
            "relationship_type": _is_str,
            "description": _is_str,
            "source_ref": _ref(invalid=_NOT_RELATABLE),
            "target_ref": _ref(invalid=_NOT_RELATABLE),
            "start_time": _is_timestamp,
            "stop_time": _is_timestamp,
        },
        ("relationship_type", "source_ref", "target_ref"),
    ),
}


def _constraints_hold(obj: Mapping[str, Any]) -> bool:
    """The cross-property rules stix2 checks for these types (timestamps compare as text: same format)."""
    first, last = obj.get("first_seen"), obj.get("last_seen")
    if first is not None and last is not None and _instant(last) < _instant(first):
        return False
    start, stop = obj.get("start_time"), obj.get("stop_time")
    if start is not None and stop is not None and _instant(stop) <= _instant(start):
        return False
    if obj["type"] == "indicator":
        return _indicator_holds(obj)
    return not (obj["type"] == "malware" and obj.get("is_family") is True and not obj.get("name"))


def _indicator_holds(obj: Mapping[str, Any]) -> bool:
    """stix2's indicator rules: valid_until after valid_from; a STIX pattern (grammar 2.1) that parses."""
    valid_from, valid_until = obj.get("valid_from"), obj.get("valid_until")
    if valid_from is not None and valid_until is not None and _instant(valid_until) <= _instant(valid_from):
        return False
    if obj["pattern_type"] != "stix":
        return True
    return obj.get("pattern_version", "2.1") == "2.1" and plainly_valid(obj["pattern"])


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


class FastStixCheck:
    """Decides, without ``stix2``, that a common STIX 2.1 object is valid; never that one is invalid."""

    def __init__(self, *, property_extensions: frozenset[str]) -> None:
        self._common: dict[str, Check] = {
            "type": _is_str,
            "spec_version": lambda value: value == "2.1",
            "id": _ref(),
            "created": _is_timestamp,
            "modified": _is_timestamp,
            "created_by_ref": _ref(valid=frozenset({"identity"})),
            "revoked": _is_bool,
            "labels": _is_str_list,
            "confidence": _confidence,
            "lang": _is_str,
            "external_references": _external_references,
            "object_marking_refs": _ref_list(valid=frozenset({"marking-definition"})),
            "extensions": _extensions_checker(property_extensions),
        }
        self._schemas = {name: ({**self._common, **own}, required) for name, (own, required) in _TYPES.items()}

    def accepts(self, obj: Mapping[str, Any]) -> bool:
        """True only if ``stix2.parse(obj, allow_custom=True, version="2.1")`` would accept ``obj`` too."""
        type_name = obj.get("type")
        schema = self._schemas.get(type_name) if isinstance(type_name, str) else None
        if schema is None:
            return False
        checks, required = schema
        if not all(name in obj for name in ("id", "created", "modified", "spec_version", *required)):
            return False
        if not _id_matches_type(obj):
            return False
        for name, value in obj.items():
            check = checks.get(name)
            if check is None:
                if _CUSTOM_PROPERTY.match(name) is None or value is None:
                    return False
            elif value is None or not check(value):
                return False
        return _instant(obj["modified"]) >= _instant(obj["created"]) and _constraints_hold(obj)


def _id_matches_type(obj: Mapping[str, Any]) -> bool:
    object_id = obj["id"]
    return isinstance(object_id, str) and object_id.startswith(f"{obj['type']}--")
