"""The Dialogue register's vocabularies and typed views over stored objects (its types are in ``types``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import parse_date
from mitra.foundation.words import N_

# What reports call the nations of a partnership (others are shown by their code).
NATION_NAMES = {"IND": "India", "MYS": "Malaysia"}


# The standing areas' names are msgids: pages say them with ``_()`` (a name a series gave is shown as it is).
STANDING_AREAS: dict[str, str] = {
    "counter-terrorism": N_("Counter-terrorism and deradicalisation"),
    "cyber-security": N_("Cyber security"),
    "maritime-security": N_("Maritime security"),
    "defence-industry": N_("Defence industry"),
    "critical-minerals": N_("Critical minerals and rare earths"),
    "trade": N_("Trade"),
    "institutional": N_("The Dialogue itself"),
}

STRENGTHS = ("deepen", "explore", "agree to", "institutionalise")
# OCDS milestone status codelist.
MILESTONE_STATUSES = ("scheduled", "met", "notMet", "partiallyMet")
# How a person reads each OCDS status code.
STATUS_WORDS: dict[str, str] = {
    "scheduled": "scheduled",
    "met": "met",
    "notMet": "not met",
    "partiallyMet": "partially met",
}

_AREA_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")


def check_area_key(value: str, *, field_name: str = "key") -> str:
    if not _AREA_KEY.match(value):
        raise InvalidInput(f"{field_name}: {value!r} must be 2-41 lowercase letters, digits or hyphens")
    return value


@dataclass(frozen=True)
class Milestone:
    key: str
    title: str
    due_date: str | None
    status: str = "scheduled"
    party: str = "both"  # IND, MYS or both

    def due(self) -> date | None:
        return parse_date(self.due_date, where="due_date") if self.due_date else None


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    unit: str = "count"
    baseline: float = 0.0
    baseline_year: int | None = None
    targets: dict[str, float] = field(default_factory=dict)  # year -> target
    actuals: dict[str, float] = field(default_factory=dict)  # year -> actual recorded on the commitment


@dataclass(frozen=True)
class Evidence:
    ref: str
    relation: str = "supports"
    counts_toward: str | None = None
    amount: float = 1.0


@dataclass(frozen=True)
class CommitmentView:
    """A commitment as stored (latest visible version)."""

    id: str
    area: str
    text: str
    strength: str
    verifiable: bool
    session_ref: str | None
    source: str
    owners: dict[str, str]
    milestones: tuple[Milestone, ...]
    indicators: tuple[Indicator, ...]
    announced: str | None
    terms_of_reference: str | None
    delivered: str | None
    originator: str
    modified: str
    tlp: str

    @classmethod
    def of(cls, obj: dict[str, Any], *, originator: str, tlp: str) -> CommitmentView:
        return cls(
            id=str(obj["id"]),
            area=str(obj["area"]),
            text=str(obj["text"]),
            strength=str(obj["strength"]),
            verifiable=bool(obj.get("verifiable", True)),
            session_ref=obj.get("session_ref"),
            source=str(obj.get("source", "")),
            owners={str(k): str(v) for k, v in (obj.get("owners") or {}).items()},
            milestones=tuple(
                Milestone(
                    key=str(m["key"]),
                    title=str(m.get("title", m["key"])),
                    due_date=m.get("due_date"),
                    status=str(m.get("status", "scheduled")),
                    party=str(m.get("party", "both")),
                )
                for m in obj.get("milestones") or ()
            ),
            indicators=tuple(
                Indicator(
                    key=str(i["key"]),
                    name=str(i.get("name", i["key"])),
                    unit=str(i.get("unit", "count")),
                    baseline=float(i.get("baseline", 0)),
                    baseline_year=i.get("baseline_year"),
                    targets={str(k): float(v) for k, v in (i.get("targets") or {}).items()},
                    actuals={str(k): float(v) for k, v in (i.get("actuals") or {}).items()},
                )
                for i in obj.get("indicators") or ()
            ),
            announced=obj.get("announced"),
            terms_of_reference=obj.get("terms_of_reference"),
            delivered=obj.get("delivered"),
            originator=originator,
            modified=str(obj.get("modified", "")),
            tlp=tlp,
        )

    @property
    def title(self) -> str:
        return self.text if len(self.text) <= 90 else self.text[:87] + "..."


@dataclass(frozen=True)
class UpdateView:
    """One progress update as stored."""

    id: str
    commitment_ref: str
    date: str
    nation: str
    summary: str
    milestone_key: str | None
    milestone_status: str | None
    indicator_values: tuple[tuple[str, float], ...]
    evidence: tuple[Evidence, ...]
    originator: str
    received: bool

    @classmethod
    def of(cls, obj: dict[str, Any], *, originator: str, received: bool) -> UpdateView:
        return cls(
            id=str(obj["id"]),
            commitment_ref=str(obj["commitment_ref"]),
            date=str(obj["date"]),
            nation=str(obj["nation"]),
            summary=str(obj["summary"]),
            milestone_key=obj.get("milestone_key"),
            milestone_status=obj.get("milestone_status"),
            indicator_values=tuple((str(v["key"]), float(v["value"])) for v in obj.get("indicator_values") or ()),
            evidence=tuple(
                Evidence(
                    ref=str(e["ref"]),
                    relation=str(e.get("relation", "supports")),
                    counts_toward=e.get("counts_toward"),
                    amount=float(e.get("amount", 1)),
                )
                for e in obj.get("evidence") or ()
            ),
            originator=originator,
            received=received,
        )

    @property
    def year(self) -> int:
        return int(self.date[:4])


@dataclass(frozen=True)
class SessionView:
    id: str
    series_ref: str
    number: int
    date: str
    venue: str
    host_nation: str
    co_chairs: tuple[dict[str, str], ...]
    delegations: dict[str, list[str]]
    agenda: tuple[str, ...]
    readout: dict[str, str]
    originator: str

    @classmethod
    def of(cls, obj: dict[str, Any], *, originator: str) -> SessionView:
        return cls(
            id=str(obj["id"]),
            series_ref=str(obj["series_ref"]),
            number=int(obj["number"]),
            date=str(obj["date"]),
            venue=str(obj["venue"]),
            host_nation=str(obj["host_nation"]),
            co_chairs=tuple({str(k): str(v) for k, v in c.items()} for c in obj.get("co_chairs") or ()),
            delegations={str(k): [str(p) for p in v] for k, v in (obj.get("delegations") or {}).items()},
            agenda=tuple(str(a) for a in obj.get("agenda") or ()),
            readout={str(k): str(v) for k, v in (obj.get("readout") or {}).items()},
            originator=originator,
        )

    @property
    def ordinal(self) -> str:
        return ordinal(self.number)


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def session_line(session: SessionView) -> str:
    """``1st session: 7 January 2025, New Delhi; co-chairs ...``"""
    chairs = " and ".join(f"{c.get('name', '')} ({c.get('title', '')})" for c in session.co_chairs)
    held = date.fromisoformat(session.date)
    return f"{session.ordinal} session: {held.day} {held.strftime('%B %Y')}, {session.venue}; co-chairs {chairs}"


def _nonempty_text(obj: Any, name: str, where: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{where}: {name} must be text, not {value!r}")
    return value


def check_commitment(obj: Any, where: str) -> None:
    """A commitment: verbatim text, a strength of the vocabulary, an area key, milestones with OCDS statuses."""
    _nonempty_text(obj, "text", where)
    if obj.get("strength") not in STRENGTHS:
        raise InvalidInput(f"{where}: strength {obj.get('strength')!r} is not one of {list(STRENGTHS)}")
    check_area_key(str(obj.get("area")) if isinstance(obj.get("area"), str) else "", field_name=f"{where} area")
    milestones = obj.get("milestones", [])
    if not isinstance(milestones, list):
        raise InvalidInput(f"{where}: milestones must be a list")
    for index, milestone in enumerate(milestones):
        if not isinstance(milestone, dict):
            raise InvalidInput(f"{where}: milestones[{index}] must be an object")
        if "due_date" in milestone and milestone["due_date"] is not None:
            parse_date(milestone["due_date"], where=f"{where} milestones[{index}].due_date")


def check_update(obj: Any, where: str) -> None:
    """A progress update: a summary, a real date, the reporting nation's code."""
    _nonempty_text(obj, "summary", where)
    parse_date(obj.get("date"), where=f"{where} date")
    nation = obj.get("nation")
    if not isinstance(nation, str) or not re.fullmatch(r"[A-Z]{3}", nation):
        raise InvalidInput(f"{where}: nation {nation!r} is not a nation code like MYS")
