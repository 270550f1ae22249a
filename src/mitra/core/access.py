"""The one gate before an operation: the policy engine's ``authorize``, its refusal raised with its reason.

Services, REST routes and pages call :func:`permit` (pages through ``web.rendering.permit``, which adds the
node from the request); what to show someone (a button, a form) asks :func:`may`. Neither decides
anything: the policy engine does.
"""

from __future__ import annotations

from mitra.foundation.errors import require
from mitra.policy import Action, Actor, authorize


def permit(actor: Actor, action: Action, *, nation: str) -> None:
    """Go on only if the policy lets ``actor`` take ``action`` on the node of ``nation``; else ``Forbidden``."""
    require(authorize(actor, action, node_nation=nation))


def may(actor: Actor, action: Action, *, nation: str) -> bool:
    """Whether the policy would let ``actor`` take ``action`` on the node of ``nation`` (to offer it, not to do it)."""
    return authorize(actor, action, node_nation=nation).allowed
