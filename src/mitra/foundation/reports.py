"""One import report for every importer: what became of each record read, with the lines it concerns.

Every record an importer reads ends in exactly one of five places: added, updated, unchanged
(held already, as it is), a duplicate of another record of the same input, or rejected with a
reason. ``notes`` are records kept that are worth knowing about (a value the source withheld).
Each reason keeps its exact count and the positions (lines, rows or objects, counted from 1) of
the first :data:`MAX_POSITIONS` records it concerns, so a million bad lines do not fill memory
and none is dropped silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

MAX_POSITIONS = 1000  # positions kept per reason; its count stays exact
SHOWN_POSITIONS = 20  # positions a readable line names before "and N more"

Kind = Literal["duplicates", "rejected", "notes"]
Outcome = Literal["added", "updated", "unchanged"]


@dataclass
class Reason:
    """How many records one reason concerns, and where the first of them are."""

    count: int = 0
    positions: list[int] = field(default_factory=list)

    def add(self, position: int | None, count: int = 1) -> None:
        self.count += count
        if position is not None and len(self.positions) < MAX_POSITIONS:
            self.positions.append(position)

    def shown(self, unit: str) -> str:
        if not self.positions:
            return ""
        names = ", ".join(str(p) for p in self.positions[:SHOWN_POSITIONS])
        more = self.count - min(len(self.positions), SHOWN_POSITIONS)
        plural = "s" if len(self.positions) > 1 else ""
        return f": {unit}{plural} {names}" + (f" and {more:,} more" if more > 0 else "")


@dataclass
class ImportReport:
    """What one import did with every record it read (see the module's docstring)."""

    source: str = ""
    unit: str = "line"  # what a position counts: "line", "row", "object"
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: dict[str, Reason] = field(default_factory=dict)
    rejected: dict[str, Reason] = field(default_factory=dict)
    notes: dict[str, Reason] = field(default_factory=dict)
    tallies: Counter[str] = field(default_factory=Counter)  # what the importer counts besides (by area, ...)
    report_id: str | None = None  # the object standing for the whole input, when there is one

    def count(self, outcome: Outcome, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)

    def reject(self, reason: str, position: int | None = None, count: int = 1) -> None:
        self.rejected.setdefault(reason, Reason()).add(position, count)

    def duplicate(self, reason: str, position: int | None = None, count: int = 1) -> None:
        self.duplicates.setdefault(reason, Reason()).add(position, count)

    def note(self, reason: str, position: int | None = None, count: int = 1) -> None:
        self.notes.setdefault(reason, Reason()).add(position, count)

    def reasons(self, kind: Kind) -> dict[str, int]:
        """Each reason of ``kind`` with how many records it concerns."""
        return {reason: r.count for reason, r in getattr(self, kind).items()}

    def positions(self, kind: Kind, reason: str) -> list[int]:
        held: dict[str, Reason] = getattr(self, kind)
        return list(held[reason].positions) if reason in held else []

    @property
    def duplicate_count(self) -> int:
        return sum(r.count for r in self.duplicates.values())

    @property
    def rejected_count(self) -> int:
        return sum(r.count for r in self.rejected.values())

    @property
    def skipped(self) -> int:
        """Records not stored: duplicates and rejects."""
        return self.duplicate_count + self.rejected_count

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    @property
    def accounted(self) -> int:
        """Records whose fate the report states; equals ``read`` when nothing went unreported."""
        return self.added + self.updated + self.unchanged + self.skipped

    def merge(self, other: ImportReport) -> None:
        """Add ``other``'s counts and reasons to this report (a later stage of the same import).

        Positions are kept only when both count the same unit: an object's place in a bundle
        converted from a CSV is not a line of the CSV.
        """
        same_unit = other.unit == self.unit
        self.read += other.read
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        for kind in ("duplicates", "rejected", "notes"):
            mine: dict[str, Reason] = getattr(self, kind)
            for reason, theirs in getattr(other, kind).items():
                held = mine.setdefault(reason, Reason())
                held.count += theirs.count
                if same_unit:
                    held.positions.extend(theirs.positions[: MAX_POSITIONS - len(held.positions)])
        self.tallies.update(other.tallies)
        self.report_id = self.report_id or other.report_id

    def lines(self) -> list[str]:
        """A readable report: the counts, then each reason with the positions it concerns."""
        head = f"{self.source}: " if self.source else ""
        out = [
            f"{head}read {self.read:,}, added {self.added:,}, updated {self.updated:,}, "
            f"unchanged {self.unchanged:,}, duplicates {self.duplicate_count:,}, rejected {self.rejected_count:,}"
        ]
        for title, kind in (("rejected", self.rejected), ("duplicate", self.duplicates), ("kept, note", self.notes)):
            for reason, r in sorted(kind.items(), key=lambda item: (-item[1].count, item[0])):
                out.append(f"  {title}: {reason} ({r.count:,}){r.shown(self.unit)}")
        return out

    def as_dict(self) -> dict[str, Any]:
        def listed(kind: dict[str, Reason]) -> list[dict[str, Any]]:
            return [
                {"reason": reason, "count": r.count, "positions": list(r.positions)}
                for reason, r in sorted(kind.items())
            ]

        return {
            "source": self.source,
            "unit": self.unit,
            "read": self.read,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": listed(self.duplicates),
            "rejected": listed(self.rejected),
            "notes": listed(self.notes),
            "tallies": dict(sorted(self.tallies.items())),
            "report_id": self.report_id,
        }
