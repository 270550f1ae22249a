"""The policy engine: the one place that decides who may see, export, release or change what.

Pure functions over plain values; no I/O. Every read path and every export path calls
:func:`decide`; every write path calls :func:`authorize`.
"""

from mitra.policy.decide import (
    Action,
    Actor,
    Decision,
    Export,
    Purpose,
    Release,
    RequestRelease,
    View,
    authorize,
    decide,
    hides_existence,
    named_in_lists,
    narrows,
)
from mitra.policy.markings import TLP_LEVELS, Handling, Role, Tlp
from mitra.policy.reasons import REASONS

__all__ = [
    "REASONS",
    "TLP_LEVELS",
    "Action",
    "Actor",
    "Decision",
    "Export",
    "Handling",
    "Purpose",
    "Release",
    "RequestRelease",
    "Role",
    "Tlp",
    "View",
    "authorize",
    "decide",
    "hides_existence",
    "named_in_lists",
    "narrows",
]
