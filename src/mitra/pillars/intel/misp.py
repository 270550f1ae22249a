"""MISP events (MISP JSON) to STIX 2.1 and back; MISP tags to Mitra markings and back.

Mapping: the event becomes a ``report`` (its ``object_refs`` name everything below); each
``to_ids`` attribute of a type with a STIX pattern becomes an ``indicator``; each MISP object
with such attributes becomes one indicator (comparisons on one STIX object type ANDed in one
observation, types ORed); galaxy clusters of threat actors, malware, tools and attack patterns
become those STIX objects. What has no STIX form (links, text, non-``to_ids`` attributes) is
kept on the report under ``x_misp_event`` so export gives it back. Ids come from MISP uuids,
so the same event imported again, or edited, gives the same ids.

Tags: ``tlp:clear/white/green/amber/amber+strict/red`` set the TLP 2.0 marking (``tlp:white``
is CLEAR, and its spelling is kept in ``x_misp_tlp_tag``); ``PAP:*`` goes to ``x_mitra_pap``;
every other tag is a label. Export reverses each step.
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mitra.core.stix import TLP_MARKING_IDS, tlp_of
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp
from mitra.pillars.intel.observables import KINDS, ValueKind, escape, kind_named, single_value

MAX_ATTRIBUTES = 50_000  # an event larger than this is refused whole: split it in MISP first
_NAMESPACE = uuid.UUID("0b7f3f0e-52a1-5d39-9b53-6a3c0d0e6c11")
_TLP_TAGS = {
    "tlp:clear": "clear",
    "tlp:white": "clear",
    "tlp:green": "green",
    "tlp:amber": "amber",
    "tlp:amber+strict": "amber+strict",
    "tlp:red": "red",
}
_PAP_LEVELS = {"PAP:CLEAR", "PAP:WHITE", "PAP:GREEN", "PAP:AMBER", "PAP:RED"}
_GALAXY_TYPES = {
    "threat-actor": "threat-actor",
    "mitre-intrusion-set": "intrusion-set",
    "mitre-malware": "malware",
    "malware": "malware",
    "tool": "tool",
    "mitre-tool": "tool",
    "mitre-attack-pattern": "attack-pattern",
}
_HASH_TYPES = ("md5", "sha1", "sha256", "sha512")


@dataclass(frozen=True)
class TagMarking:
    """What a list of MISP tags says about handling, and what is left as labels."""

    tlp: str | None = None
    tlp_tag: str | None = None  # the original spelling when it is not ``tlp:<level>``
    pap: str | None = None
    labels: tuple[str, ...] = ()


def marking_from_tags(tags: list[str], *, where: str) -> TagMarking:
    """Read TLP and PAP from MISP tags; two different TLP levels on one thing are refused."""
    tlp: str | None = None
    tlp_tag: str | None = None
    pap: str | None = None
    labels: list[str] = []
    for tag in tags:
        lowered = tag.strip().lower()
        if lowered in _TLP_TAGS:
            level = _TLP_TAGS[lowered]
            if tlp is not None and tlp != level:
                raise InvalidInput(f"{where}: tags say both TLP:{tlp.upper()} and TLP:{level.upper()}")
            tlp = level
            tlp_tag = tag if tag != f"tlp:{level}" else tlp_tag
        elif tag.strip().upper() in _PAP_LEVELS:
            pap = tag.strip()
        elif tag:
            labels.append(tag)
    return TagMarking(tlp=tlp, tlp_tag=tlp_tag, pap=pap, labels=tuple(labels))


def tags_from_marking(obj: dict[str, Any]) -> list[str]:
    """The MISP tags for a STIX object: its TLP (original spelling kept), PAP, then its labels."""
    tags: list[str] = []
    level = tlp_of(obj)
    if level in TLP_MARKING_IDS:
        kept = obj.get("x_misp_tlp_tag")
        tags.append(str(kept) if isinstance(kept, str) and _TLP_TAGS.get(kept.lower()) == level else f"tlp:{level}")
    if isinstance(obj.get("x_mitra_pap"), str):
        tags.append(str(obj["x_mitra_pap"]))
    tags.extend(str(label) for label in obj.get("labels", ()) or ())
    return tags


def _apply_marking(obj: dict[str, Any], marking: TagMarking) -> dict[str, Any]:
    if marking.tlp is not None:
        obj["object_marking_refs"] = [TLP_MARKING_IDS[marking.tlp]]
    if marking.tlp_tag is not None:
        obj["x_misp_tlp_tag"] = marking.tlp_tag
    if marking.pap is not None:
        obj["x_mitra_pap"] = marking.pap
    if marking.labels:
        obj["labels"] = list(marking.labels)
    return obj


@dataclass
class MispConversion:
    """STIX objects from one event, the ids whose MISP timestamp was missing, and what was left out."""

    objects: list[dict[str, Any]]
    timeless: set[str] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)
    report_id: str = ""

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _count_attributes(document: dict[str, Any]) -> int:
    event = document.get("Event", document)
    if not isinstance(event, dict):
        return 0
    total = len(event.get("Attribute") or [])
    for obj in event.get("Object") or []:
        if isinstance(obj, dict):
            total += len(obj.get("Attribute") or [])
    return total


def load_event(document: Any, *, where: str, max_attributes: int = MAX_ATTRIBUTES) -> Any:
    """A ``pymisp.MISPEvent`` from MISP JSON; :class:`InvalidInput` saying why not."""
    from pymisp import MISPEvent

    if not isinstance(document, dict):
        raise InvalidInput(f"{where}: a MISP event is a JSON object, not {type(document).__name__}")
    inner = document.get("Event", document)
    if not isinstance(inner, dict) or not isinstance(inner.get("info"), str) or not inner["info"].strip():
        raise InvalidInput(f'{where}: not a MISP event (expected an "Event" with an "info" text)')
    try:
        count = _count_attributes(document)
    except TypeError:
        raise InvalidInput(f"{where}: 'Attribute' and 'Object' must be lists") from None
    if count > max_attributes:
        raise InvalidInput(
            f"{where}: event has {count:,} attributes, more than the limit of {max_attributes:,}; "
            "split it in MISP and import the parts"
        )
    event = MISPEvent()
    try:
        event.load(copy.deepcopy(document))  # pymisp pops keys from what it is given
    except Exception as exc:  # pymisp raises many kinds (KeyError, ValueError, its own) on bad input
        raise InvalidInput(f"{where}: not a valid MISP event: {type(exc).__name__}: {exc}") from None
    return event


def _id(type_name: str, misp_uuid: Any, *fallback: Any) -> str:
    if isinstance(misp_uuid, str | uuid.UUID) and str(misp_uuid):
        try:
            parsed = uuid.UUID(str(misp_uuid))
        except ValueError:
            parsed = None
        if parsed is not None and parsed.variant == uuid.RFC_4122:
            return f"{type_name}--{parsed}"
        fallback = ("uuid", str(misp_uuid))  # STIX needs an RFC 4122 uuid: derive one, stably
    return f"{type_name}--{uuid.uuid5(_NAMESPACE, json.dumps([str(f) for f in fallback]))}"


def _stamp(value: Any) -> str | None:
    if isinstance(value, datetime):
        return format_timestamp(value if value.tzinfo else value.replace(tzinfo=UTC))
    return None


def _tags(thing: Any) -> list[str]:
    return [str(getattr(t, "name", "") or "") for t in (getattr(thing, "tags", None) or []) if getattr(t, "name", "")]


def _attr_record(attribute: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "uuid": str(getattr(attribute, "uuid", "") or ""),
        "type": str(getattr(attribute, "type", "") or ""),
        "category": str(getattr(attribute, "category", "") or ""),
        "value": str(getattr(attribute, "value", "") or ""),
        "to_ids": bool(getattr(attribute, "to_ids", False)),
        "comment": str(getattr(attribute, "comment", "") or ""),
    }
    relation = getattr(attribute, "object_relation", None)
    if relation:
        record["object_relation"] = str(relation)
    tags = _tags(attribute)
    if tags:
        record["tags"] = tags
    return record


def _comparisons(attribute: Any) -> list[tuple[str, str]] | None:
    """(STIX object type, comparison) pairs for one attribute, or None when it has no pattern."""
    misp_type = str(getattr(attribute, "type", "") or "")
    value = str(getattr(attribute, "value", "") or "")
    if "|" in misp_type:
        first, _, second = misp_type.partition("|")
        left, _, right = value.partition("|")
        if first == "filename" and second in _HASH_TYPES:
            name, digest = KINDS["filename"], KINDS[second]
            if name.check(left) is None and digest.check(right) is None:
                return [("file", name.comparison(left)), ("file", digest.comparison(right))]
        if misp_type == "domain|ip":
            domain, address = KINDS["domain"], kind_named("ip", right)
            if address is not None and domain.check(left) is None and address.check(right) is None:
                return [
                    ("domain-name", domain.comparison(left)),
                    ("domain-name", f"domain-name:resolves_to_refs[*].value = '{escape(right)}'"),
                ]
        return None
    kind: ValueKind | None = kind_named(misp_type, value)
    if kind is None or kind.check(value) is not None:
        return None
    return [(kind.path.split(":", 1)[0], kind.comparison(value))]


def _pattern(parts: list[tuple[str, str]]) -> str:
    groups: dict[str, dict[str, list[str]]] = {}
    for object_type, comparison in parts:
        path = comparison.split(" = ", 1)[0]
        groups.setdefault(object_type, {}).setdefault(path, []).append(comparison)
    observations = []
    for by_path in groups.values():
        terms = [c[0] if len(c) == 1 else "(" + " OR ".join(c) + ")" for c in by_path.values()]
        observations.append("[" + " AND ".join(terms) + "]")
    return " OR ".join(observations)


class _EventConverter:
    """One event's conversion: shared dates, the event's marking, and the objects made so far."""

    def __init__(self, event: Any, *, where: str) -> None:
        self.event = event
        self.where = where
        self.info = str(getattr(event, "info", "") or "")
        event_date = getattr(event, "date", None)
        self.day = event_date if isinstance(event_date, date) else date(1970, 1, 1)
        self.created = f"{self.day.isoformat()}T00:00:00.000Z"
        self.event_key = str(getattr(event, "uuid", "") or "") or json.dumps([self.info, self.created])
        report_id = _id("report", getattr(event, "uuid", None), "event", self.info, self.created)
        self.result = MispConversion(objects=[], report_id=report_id)
        self.marking = marking_from_tags(_tags(event), where=f"{where} event tags")
        self.refs: list[str] = []
        self.kept_attributes: list[dict[str, Any]] = []
        self.kept_objects: list[dict[str, Any]] = []

    def stamp_of(self, thing: Any, object_id: str) -> str:
        stamp = _stamp(getattr(thing, "timestamp", None))
        if stamp is None:
            self.result.timeless.add(object_id)
            return self.created
        return max(stamp, self.created)

    def base(self, type_name: str, object_id: str, modified: str, tags: list[str], label: str) -> dict[str, Any]:
        own = marking_from_tags(tags, where=f"{self.where} {label}")
        merged = TagMarking(
            tlp=own.tlp or self.marking.tlp,
            tlp_tag=own.tlp_tag if own.tlp else self.marking.tlp_tag,
            pap=own.pap or self.marking.pap,
            labels=own.labels,
        )
        obj = {
            "type": type_name,
            "spec_version": "2.1",
            "id": object_id,
            "created": self.created,
            "modified": modified,
        }
        return _apply_marking(obj, merged)

    def add(self, obj: dict[str, Any]) -> None:
        if obj["id"] in self.refs:
            self.result.skip("listed twice in the event (first kept)")
            return
        self.result.objects.append(obj)
        self.refs.append(obj["id"])

    def attributes(self) -> None:
        for index, attribute in enumerate(getattr(self.event, "attributes", None) or []):
            record = _attr_record(attribute)
            if getattr(attribute, "deleted", False):
                self.result.skip("attribute deleted in MISP")
                continue
            parts = _comparisons(attribute) if record["to_ids"] else None
            if parts is None:
                self.kept_attributes.append(record)
                self.result.skip("attribute without a STIX pattern (kept on the report)")
                continue
            key = (self.event_key, "attribute", index, record["type"], record["value"])
            object_id = _id("indicator", record["uuid"], *key)
            modified = self.stamp_of(attribute, object_id)
            obj = self.base("indicator", object_id, modified, record.get("tags", []), f"attribute {index}")
            obj |= {
                "name": f"{record['type']}: {record['value']}"[:300],
                "pattern": _pattern(parts),
                "pattern_type": "stix",
                "valid_from": self.created,
                "x_misp_attribute": record,
            }
            if record["comment"]:
                obj["description"] = record["comment"]
            self.add(obj)

    def proposals(self) -> None:
        """MISP proposals (ShadowAttributes) are edits someone suggested, not attributes: reported, not stored."""
        attributes = list(getattr(self.event, "attributes", None) or [])
        for misp_object in getattr(self.event, "objects", None) or []:
            attributes.extend(getattr(misp_object, "attributes", None) or [])
        count = len(getattr(self.event, "shadow_attributes", None) or [])
        count += sum(len(getattr(a, "shadow_attributes", None) or []) for a in attributes)
        for _ in range(count):
            self.result.skip("proposal (MISP ShadowAttribute): not an attribute until accepted in MISP")

    def objects(self) -> None:
        for index, misp_object in enumerate(getattr(self.event, "objects", None) or []):
            if getattr(misp_object, "deleted", False):
                self.result.skip("object deleted in MISP")
                continue
            live = [a for a in getattr(misp_object, "attributes", None) or [] if not getattr(a, "deleted", False)]
            records = [_attr_record(a) for a in live]
            parts: list[tuple[str, str]] = []
            for attribute, record in zip(live, records, strict=True):
                parts.extend((_comparisons(attribute) if record["to_ids"] else None) or [])
            summary = {
                "uuid": str(getattr(misp_object, "uuid", "") or ""),
                "name": str(getattr(misp_object, "name", "") or ""),
                "meta-category": str(getattr(misp_object, "meta-category", "") or ""),
                "comment": str(getattr(misp_object, "comment", "") or ""),
                "template_uuid": str(getattr(misp_object, "template_uuid", "") or ""),
                "attributes": records,
            }
            if not parts:
                self.kept_objects.append(summary)
                self.result.skip("object without a STIX pattern (kept on the report)")
                continue
            object_id = _id("indicator", summary["uuid"], self.event_key, "object", index)
            tags = [t for r in records for t in r.get("tags", [])]
            obj = self.base("indicator", object_id, self.stamp_of(misp_object, object_id), tags, f"object {index}")
            first = next((r["value"] for r in records if r["to_ids"]), "")
            obj |= {
                "name": f"{summary['name']}: {first}"[:300],
                "pattern": _pattern(parts),
                "pattern_type": "stix",
                "valid_from": self.created,
                "x_misp_object": summary,
            }
            if summary["comment"]:
                obj["description"] = summary["comment"]
            self.add(obj)

    def galaxies(self) -> None:
        for galaxy in getattr(self.event, "galaxies", None) or []:
            stix_type = _GALAXY_TYPES.get(str(getattr(galaxy, "type", "") or ""))
            for cluster in getattr(galaxy, "clusters", None) or []:
                if stix_type is None:
                    self.result.skip("galaxy cluster of a kind with no STIX object (kept as a tag)")
                    continue
                value = str(getattr(cluster, "value", "") or "")
                object_id = _id(stix_type, getattr(cluster, "uuid", None), "galaxy", stix_type, value)
                obj: dict[str, Any] = {
                    "type": stix_type,
                    "spec_version": "2.1",
                    "id": object_id,
                    "created": self.created,
                    "modified": self.created,
                    "name": value,
                    "x_misp_galaxy_cluster": {
                        "galaxy": str(getattr(galaxy, "type", "")),
                        "tag_name": str(getattr(cluster, "tag_name", "") or ""),
                    },
                }
                description = getattr(cluster, "description", None)
                if isinstance(description, str) and description:
                    obj["description"] = description
                if stix_type == "malware":
                    obj["is_family"] = True
                if self.marking.tlp is not None:
                    obj["object_marking_refs"] = [TLP_MARKING_IDS[self.marking.tlp]]
                self.result.timeless.add(object_id)
                self.add(obj)

    def report(self) -> None:
        orgc = getattr(self.event, "orgc", None) or getattr(self.event, "Orgc", None)
        org_name = str(getattr(orgc, "name", "") or "unknown MISP organisation")
        identity_id = _id("identity", getattr(orgc, "uuid", None), "org", org_name)
        self.result.objects.append(
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": identity_id,
                "created": self.created,
                "modified": self.created,
                "name": org_name,
                "identity_class": "organization",
            }
        )
        self.result.timeless.add(identity_id)
        report_id = self.result.report_id
        report = self.base("report", report_id, self.stamp_of(self.event, report_id), _tags(self.event), "event")
        report |= {
            "name": self.info[:300] or "MISP event",
            "published": self.created,
            "report_types": ["threat-report"],
            "created_by_ref": identity_id,
            "object_refs": list(dict.fromkeys(self.refs)) or [identity_id],
            "x_misp_event": {
                "uuid": str(getattr(self.event, "uuid", "") or ""),
                "date": self.day.isoformat(),
                "threat_level_id": str(getattr(self.event, "threat_level_id", "") or ""),
                "analysis": str(getattr(self.event, "analysis", "") or ""),
                "distribution": str(getattr(self.event, "distribution", "") or ""),
                "orgc": org_name,
                "orgc_uuid": str(getattr(orgc, "uuid", "") or ""),
                "attributes": self.kept_attributes,
                "objects": self.kept_objects,
            },
        }
        self.result.objects.append(report)


def event_to_stix(event: Any, *, where: str) -> MispConversion:
    """Convert a loaded event; every id is derived from a MISP uuid (or, lacking one, its content)."""
    converter = _EventConverter(event, where=where)
    converter.attributes()
    converter.proposals()
    converter.objects()
    converter.galaxies()
    converter.report()
    return converter.result


def parse_misp(document: Any, *, where: str, max_attributes: int = MAX_ATTRIBUTES) -> MispConversion:
    """MISP JSON to STIX objects in one step; :class:`InvalidInput` on anything unusable."""
    event = load_event(document, where=where, max_attributes=max_attributes)
    try:
        return event_to_stix(event, where=where)
    except InvalidInput:
        raise
    except Exception as exc:  # a half-loaded pymisp object can fail anywhere; say where, store nothing
        raise InvalidInput(f"{where}: cannot convert the MISP event: {type(exc).__name__}: {exc}") from None


def _attribute_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """A MISP attribute for a Mitra indicator with one equality comparison."""
    found = single_value(str(obj.get("pattern", "")))
    if found is None:
        return None
    kind, value = found
    return {
        "uuid": obj["id"].split("--", 1)[1],
        "type": kind.misp_type,
        "category": "Network activity" if kind.name in ("ipv4", "ipv6", "domain", "url") else "Payload delivery",
        "value": value,
        "to_ids": True,
        "comment": str(obj.get("description", "")),
    }


def _with_tags(record: dict[str, Any], tags: list[str]) -> dict[str, Any]:
    result = {k: v for k, v in record.items() if k != "tags"}
    if tags:
        result["Tag"] = [{"name": t} for t in tags]
    return result


def _current_tags(original: list[str], member: dict[str, Any], event_level: str | None) -> list[str]:
    """An attribute's tags as imported, its TLP tag following the indicator's marking now (narrowed in Mitra, say)."""
    level = tlp_of(member)
    if level not in TLP_MARKING_IDS:
        return original
    tags, had_tlp = [], False
    for tag in original:
        known = _TLP_TAGS.get(tag.lower())
        if known is None:
            tags.append(tag)
            continue
        had_tlp = True
        tags.append(tag if known == level else f"tlp:{level}")
    if not had_tlp and level != event_level:  # it inherited the event's level, and no longer has it
        tags.insert(0, f"tlp:{level}")
    return tags


def export_misp(report: dict[str, Any], members: list[dict[str, Any]]) -> dict[str, Any]:
    """A MISP event (``{"Event": ...}``) from a report and the objects it names that the caller may see,
    written by ``pymisp`` (so MISP's own attribute types, categories and defaults decide its shape)."""
    kept = report.get("x_misp_event") or {}
    event_uuid = kept.get("uuid") or report["id"].split("--", 1)[1]
    attributes: list[dict[str, Any]] = [_with_tags(a, list(a.get("tags", []))) for a in kept.get("attributes", [])]
    objects: list[dict[str, Any]] = []
    for obj in kept.get("objects", []):
        objects.append(obj | {"Attribute": [_with_tags(a, list(a.get("tags", []))) for a in obj.get("attributes", [])]})
    event_level = tlp_of(report)
    for member in members:
        if member.get("type") != "indicator":
            continue
        tags = tags_from_marking(member)
        if isinstance(member.get("x_misp_object"), dict):
            summary = dict(member["x_misp_object"])
            records = summary.pop("attributes", [])
            objects.append(
                summary
                | {
                    "Attribute": [
                        _with_tags(r, _current_tags(list(r.get("tags", [])), member, event_level)) for r in records
                    ]
                }
            )
            continue
        record = member.get("x_misp_attribute") or _attribute_of(member)
        if record is None:
            continue
        original = isinstance(member.get("x_misp_attribute"), dict)
        kept_tags = _current_tags(list(record.get("tags", [])), member, event_level) if original else tags
        attributes.append(_with_tags(record, kept_tags))
    for obj in objects:
        obj.pop("attributes", None)
    galaxy_tags = [
        str(m["x_misp_galaxy_cluster"]["tag_name"])
        for m in members
        if isinstance(m.get("x_misp_galaxy_cluster"), dict) and m["x_misp_galaxy_cluster"].get("tag_name")
    ]
    tags = tags_from_marking(report)
    tags.extend(t for t in galaxy_tags if t not in tags)
    event: dict[str, Any] = {
        "uuid": event_uuid,
        "info": str(report.get("name", "")),
        "date": kept.get("date") or str(report.get("published", report["created"]))[:10],
        "threat_level_id": kept.get("threat_level_id") or "4",
        "analysis": kept.get("analysis") or "2",
        "distribution": kept.get("distribution") or "0",
        "timestamp": str(int(_parse(report["modified"]).timestamp())),
        "Tag": [{"name": t} for t in tags],
        "Attribute": attributes,
        "Orgc": {"name": kept.get("orgc") or "", "uuid": kept.get("orgc_uuid") or ""},
        "Object": objects,
    }
    return {"Event": through_pymisp(event, where=str(report["id"]))}


def through_pymisp(event: dict[str, Any], *, where: str) -> dict[str, Any]:
    """The event as ``pymisp.MISPEvent`` writes it: its types, categories and defaults are MISP's own."""
    from pymisp import MISPEvent

    loaded = MISPEvent()
    try:
        loaded.from_dict(**event)
        written: dict[str, Any] = json.loads(loaded.to_json())  # JSON values (to_dict keeps dates as objects)
    except Exception as exc:  # pymisp raises many kinds on what MISP would refuse; say which report
        detail = str(exc) if len(str(exc)) <= 200 else str(exc)[:200] + "…"
        raise InvalidInput(f"{where}: not a valid MISP event ({type(exc).__name__}: {detail})") from None
    return written


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
