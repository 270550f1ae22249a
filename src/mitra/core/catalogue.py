"""The shared catalogue of type names that one pillar's objects may cite from another.

A pillar never imports a sibling: a defence lesson citing a Dialogue commitment names the type from here,
and the dialogue pillar declares the type under the same name.
"""

from __future__ import annotations

COMMITMENT = "x-mitra-commitment"  # a Security Dialogue commitment (pillars.dialogue)
