"""REST edge of the exchange: a partner's change notification wakes this node's puller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from mitra.exchange.live import Syncer
from mitra.foundation.errors import Conflict, Forbidden
from mitra.policy import Actor
from mitra.web.auth import api_actor
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])


class NotifyRead(BaseModel):
    accepted: bool
    detail: str


@router.post("/notify", response_model=NotifyRead, status_code=202, responses=PROBLEM_RESPONSES)
def notify(request: Request, actor: Annotated[Actor, Depends(api_actor)]) -> NotifyRead:
    """A partner node says it has new objects; pull from it now rather than at the next round."""
    if not actor.is_partner:
        raise Forbidden("only partner node accounts notify")
    syncer: Syncer | None = getattr(request.app.state, "syncer", None)
    if syncer is None:
        raise Conflict("this node does not pull while serving (MITRA_SYNC_INTERVAL_SECONDS is 0)")
    syncer.wake()
    return NotifyRead(accepted=True, detail=f"pulling from partners now, woken by {actor.nation}")
