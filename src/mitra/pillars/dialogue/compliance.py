"""Compliance scoring (G20 Research Group method) and lags; pure functions over register values.

Rules, per nation, per commitment, per calendar year Y (documented in docs/dialogue.md):

* *Due items* of nation N in Y are the commitment's milestones for N or for both sides that fall due on or
  before 31 December Y, plus every indicator target set for Y.
* A milestone counts as met for N if N's latest update dated on or before 31 December Y reports it ``met``
  (else the status stored on the commitment). A target is reached if N's actual for Y is at least the target.
* **+1 (full compliance)**: there are due items and N meets all of them; or, with nothing due, N posted an
  update in Y backed by at least one piece of evidence the viewer can see.
* **-1 (no compliance)**: N posted no update in Y and meets none of its due items; or N itself reports a due
  milestone ``notMet`` and meets no due item.
* **0 (partial compliance or work in progress)**: everything else.

A score list is shown as a percentage the way the G20 Research Group does: ``(mean + 1) / 2 * 100``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class DueItem:
    label: str
    satisfied: bool
    reported_not_met: bool = False


@dataclass(frozen=True)
class Score:
    value: int  # -1, 0 or +1
    reason: str


def score_year(*, due: Sequence[DueItem], updates_in_year: int, evidenced_updates_in_year: int) -> Score:
    """One nation's score on one commitment in one year (see the module's rules)."""
    met = [item for item in due if item.satisfied]
    if due and len(met) == len(due):
        return Score(1, f"all {len(due)} due item(s) met")
    if not due and evidenced_updates_in_year:
        return Score(1, f"{evidenced_updates_in_year} update(s) with visible evidence, nothing else due")
    if not met and any(item.reported_not_met for item in due):
        return Score(-1, "reported a due milestone not met, and met nothing due")
    if not met and updates_in_year == 0:
        return Score(-1, "no update this year" + (f", 0 of {len(due)} due item(s) met" if due else ""))
    if due:
        return Score(0, f"{len(met)} of {len(due)} due item(s) met")
    return Score(0, f"{updates_in_year} update(s) without visible evidence")


def as_percentage(scores: Sequence[int]) -> float | None:
    """G20 Research Group conversion of a mean score in [-1, 1] to a percentage; None with no scores."""
    if not scores:
        return None
    mean = sum(scores) / len(scores)
    return round((mean + 1) / 2 * 100, 1)


@dataclass(frozen=True)
class Lag:
    """Announced -> terms of reference -> delivered, in whole months; open stages measured to ``today``."""

    announced: date | None
    terms_of_reference: date | None
    delivered: date | None
    to_terms_months: int | None
    to_delivery_months: int | None
    open_months: int | None  # announced to today when not delivered


def months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def measure_lag(*, announced: date | None, terms_of_reference: date | None, delivered: date | None, today: date) -> Lag:
    return Lag(
        announced=announced,
        terms_of_reference=terms_of_reference,
        delivered=delivered,
        to_terms_months=months_between(announced, terms_of_reference) if announced and terms_of_reference else None,
        to_delivery_months=months_between(announced, delivered) if announced and delivered else None,
        open_months=months_between(announced, today) if announced and not delivered else None,
    )
