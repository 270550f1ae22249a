"""The fast STIX check is held to stix2: whatever it accepts, ``stix2.parse`` accepts."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import pytest
import stix2
import stix2.exceptions
from hypothesis import given, settings
from hypothesis import strategies as st

from mitra.core.stix import HANDLING_EXTENSION_ID, HandlingInput, TypeRegistry, apply_handling, validate_object
from mitra.core.validation import FastStixCheck
from mitra.foundation.errors import InvalidInput
from tests.conftest import shared_file

CHECK = FastStixCheck(property_extensions=frozenset({HANDLING_EXTENSION_ID}))
HANDLING = HandlingInput("amber", "IND", "CERT-In", releasable_to=("MYS",))
T0, T1, T2 = "2024-01-01T00:00:00.000Z", "2024-06-01T12:30:00Z", "2025-01-07T09:00:00.123456Z"


def _id(type_name: str) -> str:
    return f"{type_name}--{uuid.uuid4()}"


def _common(type_name: str) -> dict[str, Any]:
    return {
        "type": type_name,
        "spec_version": "2.1",
        "id": _id(type_name),
        "created": T0,
        "modified": T1,
        "created_by_ref": _id("identity"),
        "object_marking_refs": ["marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"],
        "external_references": [{"source_name": "mitre-attack", "external_id": "T1566", "url": "https://x.invalid/"}],
        "x_mitre_version": "1.2",
    }


BASES: list[dict[str, Any]] = [
    _common("attack-pattern")
    | {"name": "Phishing", "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}]},
    _common("malware") | {"name": "Sidewinder loader", "is_family": True, "malware_types": ["loader"]},
    _common("intrusion-set") | {"name": "SideWinder", "aliases": ["Rattlesnake"], "first_seen": T0, "last_seen": T2},
    _common("relationship")
    | {
        "relationship_type": "uses",
        "source_ref": _id("intrusion-set"),
        "target_ref": _id("x-mitre-data-component"),
        "start_time": T0,
        "stop_time": T2,
    },
    _common("identity") | {"name": "CERT-In", "identity_class": "organization", "sectors": ["government"]},
    _common("campaign") | {"name": "Op Harbour", "objective": "access", "first_seen": T1},
    _common("course-of-action") | {"name": "Counter-narrative programme", "description": "…"},
]

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 200)
    | st.floats(allow_nan=False)
    | st.sampled_from(["", "x", T0, T2, "2024-13-01T00:00:00Z", "2024-01-01T00:00:00.1234567Z", "not a time"])
    | st.builds(_id, st.sampled_from(["identity", "marking-definition", "sighting", "bundle", "x-a"]))
    | st.just("identity--00000000-0000-0000-0000-000000000000"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["source_name", "url", "a"]), inner),
    max_leaves=6,
)
KEYS = st.sampled_from(
    [
        "name",
        "description",
        "is_family",
        "aliases",
        "kill_chain_phases",
        "external_references",
        "created_by_ref",
        "object_marking_refs",
        "first_seen",
        "last_seen",
        "start_time",
        "stop_time",
        "source_ref",
        "target_ref",
        "relationship_type",
        "confidence",
        "labels",
        "revoked",
        "created",
        "modified",
        "id",
        "type",
        "spec_version",
        "extensions",
        "granular_markings",
        "hashes",
        "sample_refs",
        "x_custom",
        "X_bad",
        "x_",
        "lang",
    ]
)
MUTATION = st.one_of(
    st.tuples(st.just("drop"), KEYS, st.none()),
    st.tuples(st.just("set"), KEYS, JSON_VALUES),
    st.tuples(st.just("nested"), st.sampled_from(["external_references", "kill_chain_phases"]), JSON_VALUES),
)


def _mutate(obj: dict[str, Any], mutation: tuple[str, str, Any]) -> None:
    kind, key, value = mutation
    if kind == "drop":
        obj.pop(key, None)
    elif kind == "set":
        obj[key] = value
    elif isinstance(obj.get(key), list) and obj[key] and isinstance(obj[key][0], dict) and obj[key][0]:
        inner = obj[key][0]
        inner[next(iter(inner))] = value


def _stix2_accepts(obj: dict[str, Any]) -> bool:
    try:
        stix2.parse(copy.deepcopy(obj), allow_custom=True, version="2.1")
    except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError, AttributeError):
        return False
    return True


@pytest.mark.parametrize("base", BASES, ids=[b["type"] for b in BASES])
def test_the_fast_check_accepts_valid_common_objects_with_mitra_handling(base: dict[str, Any]) -> None:
    obj = apply_handling(copy.deepcopy(base), HANDLING)
    assert CHECK.accepts(obj)
    assert _stix2_accepts(obj)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(BASES), st.lists(MUTATION, min_size=1, max_size=3))
def test_whatever_the_fast_check_accepts_stix2_accepts(base: dict[str, Any], mutations: list[Any]) -> None:
    obj = apply_handling(copy.deepcopy(base), HANDLING)
    for mutation in mutations:
        _mutate(obj, mutation)
    if CHECK.accepts(obj):
        assert _stix2_accepts(obj), json.dumps(obj, default=str)


def test_the_fast_check_never_rejects_it_defers_so_stix2_words_the_error() -> None:
    bad = apply_handling(copy.deepcopy(BASES[3]), HANDLING) | {"stop_time": T0, "start_time": T2}
    assert not CHECK.accepts(bad)
    with pytest.raises(InvalidInput, match="stop_time"):
        validate_object(bad, TypeRegistry(), where="upload")


def test_attack_objects_the_fast_check_accepts_are_accepted_by_stix2() -> None:
    objects = json.loads(shared_file("intel/attack/enterprise-attack-18.1-stix21-derived.json").read_text())["objects"]
    standard = [apply_handling(o, HANDLING) for o in objects if not o["type"].startswith("x-")]
    accepted = [o for o in standard if CHECK.accepts(o)]
    assert len(accepted) / len(standard) > 0.99  # the fast path carries the bundle
    for obj in accepted[::25]:  # stix2 is slow; every 25th still covers each type
        assert _stix2_accepts(obj), obj["id"]
