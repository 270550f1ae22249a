"""JSON Schema for Mitra's custom STIX types: small builders, and the one compiled validator per type.

Each custom type declares its properties as a JSON Schema (draft 2020-12). The schema is the type's
published contract: it travels inside the type's ``extension-definition`` so a partner (or any STIX
tool) can validate with any JSON Schema validator, and :func:`mitra.core.stix.validate_object` runs it
on every door. Rules a schema cannot say (a real calendar date, start before end, a valid polygon)
stay in the type's ``check``.

Only the type's own properties are constrained; the common STIX properties (``id``, ``created``,
``modified``, markings, extensions) are checked by ``validate_object`` for every type alike, and
unknown extra properties are allowed, as STIX allows custom properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema.exceptions

from mitra.foundation.errors import InvalidInput

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE = "https://mitra.invalid/schemas/"

NATION_PATTERN = r"^[A-Z]{3}$"
OBJECT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*[a-z0-9]--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
DATE_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
PARTIAL_DATE_PATTERN = r"^[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"
TIMESTAMP_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z$"

Schema = dict[str, Any]


def text(*, max_length: int | None = None, nonempty: bool = True) -> Schema:
    """A string; ``nonempty`` asks for at least one character that is not white space."""
    schema: Schema = {"type": "string"}
    if nonempty:
        schema["pattern"] = r"\S"
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def choice(values: Iterable[str]) -> Schema:
    return {"type": "string", "enum": sorted(set(values))}


def integer(*, minimum: int | None = None, maximum: int | None = None) -> Schema:
    schema: Schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def number(*, minimum: float | None = None, maximum: float | None = None) -> Schema:
    schema: Schema = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def boolean() -> Schema:
    return {"type": "boolean"}


def nation() -> Schema:
    """An ISO 3166-1 alpha-3 nation code."""
    return {"type": "string", "pattern": NATION_PATTERN}


def object_ref(*types: str) -> Schema:
    """The id of a STIX object, of one of ``types`` when given."""
    if not types:
        return {"type": "string", "pattern": OBJECT_ID_PATTERN}
    names = "|".join(sorted(t.replace("-", r"\-") for t in types))
    return {
        "description": f"the id of a {' or '.join(sorted(types))}",
        "type": "string",
        "pattern": rf"^({names})--[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$",
    }


def date() -> Schema:
    """A calendar date ``YYYY-MM-DD`` (whether the day exists is the type's ``check``)."""
    return {"type": "string", "pattern": DATE_PATTERN}


def partial_date() -> Schema:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    return {"type": "string", "pattern": PARTIAL_DATE_PATTERN}


def timestamp() -> Schema:
    """A STIX timestamp in UTC (``...Z``)."""
    return {"type": "string", "pattern": TIMESTAMP_PATTERN}


def array(items: Schema, *, max_items: int | None = None, min_items: int | None = None) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if max_items is not None:
        schema["maxItems"] = max_items
    if min_items is not None:
        schema["minItems"] = min_items
    return schema


def record(properties: Mapping[str, Schema], *, required: Sequence[str] = ()) -> Schema:
    """A JSON object with these properties (others allowed)."""
    schema: Schema = {"type": "object", "properties": dict(properties)}
    if required:
        schema["required"] = list(required)
    return schema


def nullable(schema: Schema) -> Schema:
    """``schema`` or JSON ``null`` (the property is known to be unknown)."""
    return {"anyOf": [schema, {"type": "null"}]}


def object_schema(
    type_name: str, description: str, properties: Mapping[str, Schema], *, required: Sequence[str]
) -> Schema:
    """The schema of one custom STIX object type: its own properties and which of them it requires."""
    unknown = [name for name in required if name not in properties]
    if unknown:
        raise ValueError(f"{type_name}: required properties without a schema: {unknown}")
    return {
        "$schema": DRAFT,
        "$id": f"{SCHEMA_BASE}{type_name}.json",
        "title": type_name,
        "description": description,
        "type": "object",
        "properties": {"type": {"const": type_name}, **properties},
        "required": ["type", *required],
    }


_VALIDATORS: dict[str, jsonschema.protocols.Validator] = {}


def validator_for(schema: Mapping[str, Any]) -> jsonschema.protocols.Validator:
    """The compiled validator of ``schema`` (built once per schema ``$id``); the schema itself is checked."""
    key = str(schema.get("$id"))
    found = _VALIDATORS.get(key)
    if found is None:
        plain = dict(schema)
        cls = jsonschema.validators.validator_for(plain)
        cls.check_schema(plain)
        found = _VALIDATORS[key] = cls(plain)
    return found


def _path(error: jsonschema.exceptions.ValidationError) -> str:
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(error.absolute_path)
    )


def schema_errors(schema: Mapping[str, Any], obj: Mapping[str, Any]) -> list[str]:
    """What is wrong with ``obj`` against ``schema``, each naming the property; empty when it conforms."""
    errors = sorted(validator_for(schema).iter_errors(obj), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{_path(e) or 'object'}: {_message(e)}" for e in errors]


_SHOWN = {
    NATION_PATTERN: "a nation code like MYS",
    DATE_PATTERN: "a date YYYY-MM-DD",
    PARTIAL_DATE_PATTERN: "YYYY, YYYY-MM or YYYY-MM-DD",
    TIMESTAMP_PATTERN: "a UTC timestamp like 2025-01-07T00:00:00Z",
}


def _message(error: jsonschema.exceptions.ValidationError) -> str:
    """The error in words a person reads: what the value should be, not the regular expression it missed."""
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "pattern":
        pattern = str(schema.get("pattern"))
        if pattern == r"\S":
            return "must not be empty"
        shown = _SHOWN.get(pattern) or schema.get("description")
        if shown:
            return f"{error.instance!r} is not {shown}"
    if error.validator == "anyOf" and error.context:  # ``nullable``: say what the value should have been
        meant = [e for e in error.context if e.schema != {"type": "null"}]
        return _message(meant[0] if meant else error.context[0])
    return str(error.message)


_COMPILED: dict[str, Callable[[Any], Any]] = {}


def _compiled(schema: Mapping[str, Any]) -> Callable[[Any], Any]:
    """``schema`` compiled to Python by ``fastjsonschema`` (about 15 times ``jsonschema``'s speed here).

    The schemas use only what draft-07 and draft 2020-12 read alike (types, patterns, enums, ranges,
    ``items`` as one schema, ``anyOf``/``oneOf``), so it compiles them as draft-07; ``jsonschema`` stays the
    reference and words every error (tests/test_type_doors.py holds the two to one verdict).
    """
    key = str(schema.get("$id"))
    found = _COMPILED.get(key)
    if found is None:
        found = _COMPILED[key] = fastjsonschema.compile(
            {**schema, "$schema": "http://json-schema.org/draft-07/schema#"}
        )
    return found


def conforms(schema: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
    """Whether ``obj`` conforms to ``schema`` (the fast, compiled check)."""
    try:
        _compiled(schema)(obj)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def check_schema(schema: Mapping[str, Any], obj: Mapping[str, Any], *, where: str) -> None:
    """Raise :class:`InvalidInput` naming the first property of ``obj`` that breaks ``schema``."""
    if conforms(schema, obj):
        return
    errors = schema_errors(schema, obj)  # the reference decides, and says what is wrong
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidInput(f"{where}: {errors[0]}{more}")
