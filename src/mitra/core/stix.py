"""STIX 2.1 for the node: validation with ``stix2``, canonical JSON, TLP 2.0 and Mitra's extensions.

Every stored object carries Mitra's *handling* as a STIX property-extension
(originator, releasable_to, ORCON, RED recipients) and its TLP 2.0 level as a
``object_marking_refs`` entry with the official OASIS marking-definition id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import stix2
import stix2.exceptions

from mitra.core.typeschema import (
    DRAFT,
    SCHEMA_BASE,
    Schema,
    array,
    boolean,
    check_schema,
    nation,
    object_schema,
    text,
)
from mitra.core.validation import FastStixCheck
from mitra.foundation.canonical import canonical_json
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import parse_timestamp
from mitra.policy import TLP_LEVELS, Handling

MITRA_NAMESPACE = uuid.UUID("6f0b2a9e-3c61-5d0a-9a8e-4d1f7c2b5e10")
MITRA_IDENTITY_ID = f"identity--{uuid.uuid5(MITRA_NAMESPACE, 'mitra-project')}"
HANDLING_EXTENSION_ID = f"extension-definition--{uuid.uuid5(MITRA_NAMESPACE, 'handling')}"
TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
# The version of the custom types' published schemas (each extension-definition's ``version``).
SCHEMA_VERSION = "1.1.0"
SCHEMA_PUBLISHED = "2026-12-07T00:00:00.000Z"  # a new version of every type's definition when its schema changes


def nation_object_id(nation: str, type_name: str, key: str) -> str:
    """A stable id for an object a nation's node derives from ``key`` (seed facts, imported records):
    the same nation and key give the same id on every run, so loading twice changes nothing."""
    return f"{type_name}--{uuid.uuid5(MITRA_NAMESPACE, f'{nation}:{key}')}"


def nation_identity_id(nation: str) -> str:
    """The id of a nation's ``identity`` object, the one its node seeds and every node refers to."""
    return nation_object_id(nation, "identity", "nation")


# Official OASIS TLP 2.0 marking-definition ids.
TLP_MARKING_IDS: dict[str, str] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# STIX 2.1's predefined TLP 1.0 markings, read as their TLP 2.0 equivalents (WHITE is CLEAR).
TLP1_MARKING_IDS: dict[str, str] = {
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
}
TLP_BY_MARKING_ID: dict[str, str] = {v: k for k, v in TLP_MARKING_IDS.items()} | TLP1_MARKING_IDS

STANDARD_TYPES = frozenset(
    {
        "attack-pattern",
        "campaign",
        "course-of-action",
        "grouping",
        "identity",
        "incident",
        "indicator",
        "infrastructure",
        "intrusion-set",
        "location",
        "malware",
        "malware-analysis",
        "note",
        "observed-data",
        "opinion",
        "report",
        "threat-actor",
        "tool",
        "vulnerability",
        "relationship",
        "sighting",
        "marking-definition",
        "extension-definition",
        "language-content",
        "artifact",
        "autonomous-system",
        "directory",
        "domain-name",
        "email-addr",
        "email-message",
        "file",
        "ipv4-addr",
        "ipv6-addr",
        "mac-addr",
        "mutex",
        "network-traffic",
        "process",
        "software",
        "url",
        "user-account",
        "windows-registry-key",
        "x509-certificate",
    }
)
_ID = re.compile(r"^([a-z0-9][a-z0-9-]*[a-z0-9])--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_NO_VERSIONS = frozenset({"marking-definition"})


@dataclass(frozen=True, slots=True)
class CustomType:
    """A Mitra custom STIX object type, declared by an ``extension-definition`` that publishes its schema.

    ``properties`` are the JSON Schemas of the type's own properties (built with :mod:`mitra.core.typeschema`),
    ``required`` those it must carry; ``check`` holds the rules a schema cannot say and raises InvalidInput
    naming the property. ``validate_object`` runs both, so every door (REST, pages, CLI, imports, a
    partner's sync) gives the same verdict.
    """

    name: str
    description: str
    pillar: str
    properties: Mapping[str, Schema] = field(default_factory=dict, hash=False, compare=False)
    required: tuple[str, ...] = ()
    check: Callable[[Mapping[str, Any], str], None] | None = None
    # The type's JSON Schema (draft 2020-12), as published in its extension-definition; built once.
    schema: Schema = field(init=False, repr=False, hash=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "schema", object_schema(self.name, self.description, self.properties, required=self.required)
        )

    @property
    def extension_id(self) -> str:
        return f"extension-definition--{uuid.uuid5(MITRA_NAMESPACE, 'type:' + self.name)}"


@dataclass
class TypeRegistry:
    """Which object types the node stores: STIX standard, Mitra's own, accepted third-party."""

    custom: dict[str, CustomType] = field(default_factory=dict)
    accepted_prefixes: tuple[str, ...] = ("x-mitre-",)

    def register(self, custom_type: CustomType) -> None:
        self.custom[custom_type.name] = custom_type

    def is_known(self, type_name: str) -> bool:
        return type_name in STANDARD_TYPES or type_name in self.custom or type_name.startswith(self.accepted_prefixes)

    def extension_definitions(self) -> list[dict[str, Any]]:
        """The ``extension-definition`` objects that declare Mitra's types and handling."""
        created = "2025-01-07T00:00:00.000Z"
        definitions = [
            {
                "type": "extension-definition",
                "spec_version": "2.1",
                "id": HANDLING_EXTENSION_ID,
                "created_by_ref": MITRA_IDENTITY_ID,
                "created": created,
                "modified": SCHEMA_PUBLISHED,
                "name": "Mitra handling",
                "description": (
                    "Originator nation and agency, nations the object is releasable to, "
                    "originator control (ORCON) and TLP:RED named recipients."
                ),
                "schema": canonical_json(HANDLING_SCHEMA),
                "version": SCHEMA_VERSION,
                "extension_types": ["property-extension"],
            }
        ]
        for custom_type in sorted(self.custom.values(), key=lambda t: t.name):
            definitions.append(
                {
                    "type": "extension-definition",
                    "spec_version": "2.1",
                    "id": custom_type.extension_id,
                    "created_by_ref": MITRA_IDENTITY_ID,
                    "created": created,
                    "modified": SCHEMA_PUBLISHED,
                    "name": custom_type.name,
                    "description": custom_type.description,
                    # STIX lets ``schema`` be the definition itself as text: the JSON Schema, canonical.
                    "schema": canonical_json(custom_type.schema),
                    "version": SCHEMA_VERSION,
                    "extension_types": ["new-sdo"],
                }
            )
        return definitions


@dataclass(frozen=True, slots=True)
class HandlingInput:
    """What a person or an import says about an object's handling."""

    tlp: str
    originator_nation: str
    originator_agency: str
    releasable_to: tuple[str, ...] = ()
    orcon: bool = True
    red_recipients: tuple[str, ...] = ()


HANDLING_SCHEMA: Schema = {
    "$schema": DRAFT,
    "$id": f"{SCHEMA_BASE}handling.json",
    "title": "Mitra handling",
    "description": "The property extension a Mitra node writes into the objects it produces.",
    "type": "object",
    "properties": {
        "extension_type": {"const": "property-extension"},
        "originator_nation": nation(),
        "originator_agency": text(max_length=64),
        "releasable_to": array(nation()),
        "orcon": boolean(),
        "red_recipients": array(text(max_length=200)),
    },
    "required": ["extension_type", "originator_nation", "originator_agency"],
}

_FAST_CHECK = FastStixCheck(property_extensions=frozenset({HANDLING_EXTENSION_ID}))


_CONFORMING_HANDLINGS: set[str] = set()


def _check_handling(handling: dict[str, Any], *, where: str) -> None:
    """The handling against its schema; a page of a thousand objects carries a few handlings, each checked once."""
    key = _typed_key(handling)
    if key in _CONFORMING_HANDLINGS:
        return
    check_schema(HANDLING_SCHEMA, handling, where=where)
    if len(_CONFORMING_HANDLINGS) > 4096:
        _CONFORMING_HANDLINGS.clear()
    _CONFORMING_HANDLINGS.add(key)


def _typed_key(value: dict[str, Any]) -> str:
    """A key equal only for equal handlings, types included: ``repr`` spells ``True`` and ``1``, ``"1"`` and ``1``
    apart (JSON gives only str, int, float, bool, None, lists and dicts, whose reprs say their type)."""
    return repr(sorted(value.items()))


def validate_object(obj: Any, registry: TypeRegistry, *, where: str) -> dict[str, Any]:
    """Check one STIX 2.1 object; raise :class:`InvalidInput` saying what is wrong and where."""
    if not isinstance(obj, dict):
        raise InvalidInput(f"{where}: a STIX object must be a JSON object, not {type(obj).__name__}")
    type_name = obj.get("type")
    if not isinstance(type_name, str) or not type_name:
        raise InvalidInput(f"{where}: missing 'type'")
    where = f"{where} ({obj.get('id', type_name)})"
    if not registry.is_known(type_name):
        raise InvalidInput(f"{where}: unknown object type {type_name!r}")
    object_id = obj.get("id")
    match = _ID.match(object_id) if isinstance(object_id, str) else None
    if match is None or match.group(1) != type_name:
        raise InvalidInput(f"{where}: 'id' must be '{type_name}--<UUID>'")
    if obj.get("spec_version") != "2.1":
        raise InvalidInput(f"{where}: spec_version must be '2.1'")
    created = obj.get("created")
    if not isinstance(created, str):
        raise InvalidInput(f"{where}: missing 'created'")
    created_at = parse_timestamp(created, where=f"{where} created")
    if type_name not in _NO_VERSIONS:
        modified = obj.get("modified")
        if not isinstance(modified, str):
            raise InvalidInput(f"{where}: missing 'modified'")
        if parse_timestamp(modified, where=f"{where} modified") < created_at:
            raise InvalidInput(f"{where}: 'modified' is earlier than 'created'")
    handling = handling_of(obj)
    if handling is not None:
        _check_handling(handling, where=f"{where} handling")
    elif isinstance(obj.get("extensions"), dict) and HANDLING_EXTENSION_ID in obj["extensions"]:
        raise InvalidInput(f"{where} handling: the Mitra handling extension must be a JSON object")
    if type_name in STANDARD_TYPES and not _FAST_CHECK.accepts(obj):
        try:
            stix2.parse(obj, allow_custom=True, version="2.1")
        except (stix2.exceptions.STIXError, ValueError, TypeError, KeyError) as exc:
            raise InvalidInput(f"{where}: {exc}") from None
    elif type_name in registry.custom:
        custom = registry.custom[type_name]
        for name in custom.required:
            if name not in obj:
                raise InvalidInput(f"{where}: {type_name} needs property {name!r}")
        check_schema(custom.schema, obj, where=where)
        if custom.check is not None:
            custom.check(obj, where)
    return obj


def tlp_of(obj: Mapping[str, Any]) -> str | None:
    """The TLP 2.0 level in ``object_marking_refs``; ``"unknown"`` if two disagree."""
    levels = {TLP_BY_MARKING_ID[ref] for ref in obj.get("object_marking_refs", ()) if ref in TLP_BY_MARKING_ID}
    if not levels:
        return None
    if len(levels) > 1:
        return "conflicting:" + "+".join(sorted(levels))
    return levels.pop()


def handling_of(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    extensions = obj.get("extensions")
    if isinstance(extensions, dict):
        value = extensions.get(HANDLING_EXTENSION_ID)
        if isinstance(value, dict):
            return value
    return None


def apply_handling(obj: dict[str, Any], handling: HandlingInput) -> dict[str, Any]:
    """Return a copy of ``obj`` carrying ``handling``: TLP marking ref plus the handling extension."""
    if handling.tlp not in TLP_LEVELS:
        raise InvalidInput(f"tlp: {handling.tlp!r} is not a TLP 2.0 level")
    result = dict(obj)
    refs = [r for r in result.get("object_marking_refs", ()) if r not in TLP_BY_MARKING_ID]
    refs.append(TLP_MARKING_IDS[handling.tlp])
    result["object_marking_refs"] = refs
    extensions = dict(result.get("extensions") or {})
    extensions[HANDLING_EXTENSION_ID] = _extension(handling)
    result["extensions"] = extensions
    return result


def _extension(handling: HandlingInput) -> dict[str, Any]:
    return {
        "extension_type": "property-extension",
        "originator_nation": handling.originator_nation,
        "originator_agency": handling.originator_agency,
        "releasable_to": sorted(set(handling.releasable_to)),
        "orcon": handling.orcon,
        "red_recipients": sorted(set(handling.red_recipients)),
    }


def carries_handling(obj: Mapping[str, Any]) -> bool:
    """Whether the object is the node's own kind: produced by a Mitra node, its handling inside it.

    An object another producer published (MITRE's ATT&CK, a plain TAXII peer's) carries none: the node
    keeps it byte for byte as published under its (id, modified) and holds its own handling beside it,
    in the store's marking columns (docs/architecture.md, "Foreign objects keep their version").
    """
    return handling_of(obj) is not None


def handling_record(handling: HandlingInput) -> dict[str, Any]:
    """The handling of a foreign object as it travels beside it (the exchange's ``x_mitra_handling``)."""
    return _extension(handling) | {"tlp": handling.tlp}


def handling_from_record(value: Any, *, where: str) -> HandlingInput:
    """The handling a partner sent beside a foreign object; :class:`InvalidInput` if it is not one."""
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}: the handling sent beside it is not an object")
    try:
        handling = HandlingInput(
            tlp=str(value["tlp"]),
            originator_nation=str(value["originator_nation"]),
            originator_agency=str(value["originator_agency"]),
            releasable_to=tuple(str(n) for n in value.get("releasable_to", ())),
            orcon=bool(value.get("orcon", True)),
            red_recipients=tuple(str(r) for r in value.get("red_recipients", ())),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"{where}: the handling sent beside it lacks {exc}") from None
    if handling.tlp not in TLP_LEVELS:
        raise InvalidInput(f"{where}: the handling sent beside it has TLP {handling.tlp!r}")
    return handling


def read_handling(obj: Mapping[str, Any], *, where: str) -> HandlingInput:
    """The handling an object carries; :class:`InvalidInput` if it carries none or a bad one."""
    ext = handling_of(obj)
    if ext is None:
        raise InvalidInput(f"{where}: carries no Mitra handling extension")
    try:
        return HandlingInput(
            tlp=tlp_of(obj) or "missing",
            originator_nation=str(ext["originator_nation"]),
            originator_agency=str(ext["originator_agency"]),
            releasable_to=tuple(str(n) for n in ext.get("releasable_to", ())),
            orcon=bool(ext.get("orcon", True)),
            red_recipients=tuple(str(r) for r in ext.get("red_recipients", ())),
        )
    except (KeyError, TypeError) as exc:
        raise InvalidInput(f"{where}: handling extension lacks {exc}") from None


def to_policy_handling(handling: HandlingInput, *, held_by: str, revoked: bool, withdrawn: bool) -> Handling:
    return Handling(
        tlp=handling.tlp,
        originator_nation=handling.originator_nation,
        originator_agency=handling.originator_agency,
        held_by=held_by,
        releasable_to=frozenset(handling.releasable_to),
        orcon=handling.orcon,
        red_recipients=frozenset(handling.red_recipients),
        revoked=revoked,
        withdrawn=withdrawn,
    )


def iter_bundle(document: Any, *, where: str) -> Iterable[Any]:
    """The objects of a STIX bundle (or a bare list of objects)."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict) or document.get("type") != "bundle":
        raise InvalidInput(f'{where}: not a STIX bundle (expected "type": "bundle")')
    objects = document.get("objects", [])
    if not isinstance(objects, list):
        raise InvalidInput(f"{where}: 'objects' must be a list")
    return objects


def new_id(type_name: str) -> str:
    return f"{type_name}--{uuid.uuid4()}"
