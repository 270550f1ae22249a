"""The intelligence pages' forms: each type's fields, read into STIX properties (the marking: ``web.marking``).

The edge's work (pages call it); the service takes the STIX properties and the marking it returns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from stix2patterns.validator import run_validator

from mitra.core.patterns import plainly_valid
from mitra.core.stix import HandlingInput
from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp, parse_form_time, parse_timestamp
from mitra.pillars.intel.models import INCIDENT_DOMAINS, PROGRAMME_KINDS
from mitra.pillars.intel.service import create_object, edit_object
from mitra.policy import Actor
from mitra.web.i18n import N_, _

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mitra.core.objects import StixObject
    from mitra.node import Node


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One form field of an object type: its STIX property and how it is entered."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | list | bool | int | time | select
    required: bool = False
    choices: tuple[str, ...] = ()


_NAME = FieldSpec("name", N_("Name"), required=True)
_DESCRIPTION = FieldSpec("description", N_("Description"), "textarea")
_ALIASES = FieldSpec("aliases", N_("Aliases (one a line)"), "list")
FORM_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "threat-actor": (_NAME, _DESCRIPTION, _ALIASES, FieldSpec("threat_actor_types", N_("Types (one a line)"), "list")),
    "intrusion-set": (_NAME, _DESCRIPTION, _ALIASES),
    "campaign": (_NAME, _DESCRIPTION, _ALIASES, FieldSpec("objective", N_("Objective"))),
    "incident": (
        _NAME,
        _DESCRIPTION,
        FieldSpec("x_mitra_domain", N_("Domain"), "select", True, INCIDENT_DOMAINS),
    ),
    "report": (
        _NAME,
        _DESCRIPTION,
        FieldSpec("published", N_("Published (UTC)"), "time", True),
        FieldSpec("report_types", N_("Report types (one a line)"), "list"),
        FieldSpec("object_refs", N_("Objects reported on (ids, one a line)"), "list", True),
    ),
    "indicator": (
        _NAME,
        _DESCRIPTION,
        FieldSpec("pattern", N_("STIX pattern"), required=True),
        FieldSpec("valid_from", N_("Valid from (UTC)"), "time", True),
        FieldSpec("indicator_types", N_("Indicator types (one a line)"), "list"),
    ),
    "malware": (
        _NAME,
        _DESCRIPTION,
        FieldSpec("is_family", N_("A malware family"), "bool"),
        FieldSpec("malware_types", N_("Malware types (one a line)"), "list"),
    ),
    "vulnerability": (_NAME, _DESCRIPTION, FieldSpec("x_mitra_cve", N_("CVE id"))),
    "course-of-action": (
        _NAME,
        _DESCRIPTION,
        FieldSpec("x_mitra_programme", N_("Programme"), "select", True, PROGRAMME_KINDS),
    ),
    "sighting": (
        _DESCRIPTION,
        FieldSpec("sighting_of_ref", N_("Sighting of (id)"), required=True),
        FieldSpec("count", N_("Count"), "int"),
        FieldSpec("first_seen", N_("First seen (UTC)"), "time"),
        FieldSpec("last_seen", N_("Last seen (UTC)"), "time"),
        FieldSpec("where_sighted_refs", N_("Where sighted (identity ids, one a line)"), "list"),
    ),
    "relationship": (
        FieldSpec("source_ref", N_("Source (id)"), required=True),
        FieldSpec("relationship_type", N_("Relationship"), required=True),
        FieldSpec("target_ref", N_("Target (id)"), required=True),
        _DESCRIPTION,
    ),
}


class FormInvalid(InvalidInput):
    """Every wrong field of a submitted form at once, by field name, each in plain words (field, value, what is
    expected); the page shows each beside its field."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {text}" for name, text in problems.items()))
        self.problems = dict(problems)


_PATTERN_EXAMPLE = "[domain-name:value = 'example.com']"
_GRAMMAR_STOP = re.compile(r"line \d+:(\d+)")


def pattern_problem(pattern: str) -> str | None:
    """What is wrong with a STIX 2.1 pattern, in plain words (where the grammar stops reading), or ``None``."""
    if plainly_valid(pattern):
        return None
    errors = run_validator(pattern, stix_version="2.1")
    if not errors:
        return None
    where = _GRAMMAR_STOP.search(str(errors[0]))
    if where:
        return _(
            "{value} is not a STIX 2.1 pattern; it stops making sense at character {at} (expected, for example, "
            "{example})"
        ).format(value=repr(pattern), at=int(where.group(1)) + 1, example=_PATTERN_EXAMPLE)
    return _("{value} is not a STIX 2.1 pattern (expected, for example, {example})").format(
        value=repr(pattern), example=_PATTERN_EXAMPLE
    )


def _field_value(spec: FieldSpec, raw: str) -> tuple[Any, str | None]:
    """One field's STIX value from its text, or the problem with it (in plain words)."""
    if spec.kind == "list":
        return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()], None
    if spec.kind == "int":
        if not raw.isdigit():
            return None, _("{value} is not a whole number (0, 1, 2 …)").format(value=repr(raw))
        return int(raw), None
    if spec.kind == "time":
        try:
            return format_timestamp(parse_form_time(raw, where=spec.name)), None
        except InvalidInput:
            return None, _(
                "{value} is not a date and time; choose one in the picker (day, then hours and minutes, UTC)"
            ).format(value=repr(raw))
    if spec.kind == "select" and raw not in spec.choices:
        return None, _("{value} is not a choice here; choose one of {choices}").format(
            value=repr(raw), choices=", ".join(spec.choices)
        )
    if spec.name == "pattern":
        return raw, pattern_problem(raw)
    return raw, None


def object_from_form(type_name: str, form: Mapping[str, str]) -> dict[str, Any]:
    """STIX properties from a submitted form; :class:`FormInvalid` naming every bad field at once."""
    specs = FORM_FIELDS.get(type_name)
    if specs is None:
        raise InvalidInput(f"type: {type_name!r} is not an intelligence object type with a form")
    obj: dict[str, Any] = {"type": type_name}
    problems: dict[str, str] = {}
    for spec in specs:
        raw = str(form.get(spec.name, "")).strip()
        if spec.kind == "bool":
            obj[spec.name] = raw in ("on", "true", "1", "yes")
            continue
        if not raw:
            if spec.required:
                problems[spec.name] = _("{field} is required").format(field=_(spec.label).removesuffix(" (UTC)"))
            continue
        value, problem = _field_value(spec, raw)
        if problem:
            problems[spec.name] = problem
        else:
            obj[spec.name] = value
    if problems:
        raise FormInvalid(problems)
    if type_name == "vulnerability" and obj.get("x_mitra_cve"):
        obj["external_references"] = [{"source_name": "cve", "external_id": obj["x_mitra_cve"]}]
    if type_name == "indicator":
        obj["pattern_type"] = "stix"
    return obj


def cleared_fields(type_name: str, changes: Mapping[str, Any]) -> dict[str, None]:
    """The optional form fields left empty in an edit: ``None`` removes them in the new version."""
    return {
        spec.name: None
        for spec in FORM_FIELDS.get(type_name, ())
        if not spec.required and spec.kind != "bool" and spec.name not in changes
    }


def form_values(obj: Mapping[str, Any]) -> dict[str, str]:
    """An object's properties as form text, for the edit form."""
    values: dict[str, str] = {}
    for spec in FORM_FIELDS.get(str(obj.get("type")), ()):
        value = obj.get(spec.name)
        if value is None:
            values[spec.name] = ""
        elif spec.kind == "list" and isinstance(value, list):
            values[spec.name] = "\n".join(str(v) for v in value)
        elif spec.kind == "bool":
            values[spec.name] = "on" if value else ""
        elif spec.kind == "time":  # what <input type=datetime-local> shows: UTC, to the second
            values[spec.name] = format_timestamp(parse_timestamp(str(value), where=spec.name))[:19]
        else:
            values[spec.name] = str(value)
    return values


def create_from_form(
    session: Session, node: Node, *, actor: Actor, type_name: str, form: Mapping[str, str], handling: HandlingInput
) -> StixObject:
    """A new object from the creation form's fields, with the marking its marking fields gave."""
    obj = object_from_form(type_name, form)
    return create_object(session, node, actor=actor, obj=obj, handling=handling)


def edit_from_form(
    session: Session, node: Node, *, actor: Actor, object_id: str, form: Mapping[str, str], handling: HandlingInput
) -> StixObject:
    """A new version from the edit form; an optional field left empty is removed."""
    current = node.store.get(session, object_id=object_id, actor=actor)
    changes = object_from_form(current.type, form)
    changes |= cleared_fields(current.type, changes)
    return edit_object(session, node, actor=actor, object_id=object_id, changes=changes, handling=handling)
