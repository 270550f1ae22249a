"""Markings as the policy engine sees them: TLP 2.0 levels, roles and an object's handling."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tlp(StrEnum):
    """TLP 2.0 levels (FIRST), by their STIX ``tlp_2_0`` names."""

    CLEAR = "clear"
    GREEN = "green"
    AMBER = "amber"
    AMBER_STRICT = "amber+strict"
    RED = "red"


TLP_LEVELS: tuple[str, ...] = tuple(level.value for level in Tlp)


class Role(StrEnum):
    """What a person (or a partner node's account) may do on a node."""

    VIEWER = "viewer"
    ANALYST = "analyst"
    RELEASE_OFFICER = "release_officer"
    ADMIN = "admin"
    PARTNER = "partner"


@dataclass(frozen=True, slots=True)
class Handling:
    """How one object may be handled, as held by the node of nation ``held_by``.

    ``tlp`` is kept as the raw string so that an unknown marking reaches the engine and
    is denied there rather than failing somewhere else. ``red_recipients`` name agencies
    (``"MYS:NSC"``) or people (``"MYS:NSC:aziz"``).
    """

    tlp: str
    originator_nation: str
    originator_agency: str
    held_by: str
    releasable_to: frozenset[str] = field(default_factory=frozenset)
    orcon: bool = True
    red_recipients: frozenset[str] = field(default_factory=frozenset)
    revoked: bool = False
    withdrawn: bool = False

    @property
    def received(self) -> bool:
        """True when this node holds a copy that another nation originated."""
        return self.originator_nation != self.held_by
