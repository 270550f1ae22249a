"""``GET /api/v1/maritime/feeds``: the health of each live AIS source of the running feed service.

The service is the pillar's worker (``FEEDS`` in ``app.state.workers``, started by ``mitra serve`` when
``MITRA_AIS_FEEDS`` is set);
without one the list is empty and ``running`` is false.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mitra.pillars.maritime.ais.feed import FEEDS, FeedHealth, FeedService
from mitra.pillars.maritime.ais.follow import FeedFollower
from mitra.web.auth import DataReader
from mitra.web.problems import PROBLEM_RESPONSES

router = APIRouter()


class BadLineRead(BaseModel):
    at: datetime = Field(description="When the line arrived")
    line: int = Field(description="Its number in the source, counted from 1 (0: a part cut off, no line)")
    reason: str = Field(description="What was wrong with it")
    text: str = Field(description="The start of its text")


class FeedHealthRead(BaseModel):
    name: str
    url: str
    kind: str = Field(description="tcp, udp or file")
    state: str = Field(description="connecting, up, backing off or stopped")
    state_since: datetime
    messages_per_second: float = Field(description="Over the last 10 seconds")
    messages: int
    lines: int
    stored: int = Field(description="Reports newly stored")
    duplicates: int = Field(description="Reports held already or repeated")
    bad_lines: int
    last_message_at: datetime | None = Field(description="When the last message arrived")
    newest_message_time: datetime | None = Field(description="The newest time a message carried")
    lag_seconds: float | None
    lag_basis: str = Field(description="message time, receive time, or empty before any message")
    last_error: str
    last_error_at: datetime | None
    reconnects: int
    bad_samples: list[BadLineRead] = Field(description="The latest bad lines, newest first")

    @classmethod
    def of(cls, health: FeedHealth) -> FeedHealthRead:
        return cls.model_validate(asdict(health))


class DetectionRead(BaseModel):
    """What streaming detection over the feed has done since the node started."""

    batches: int
    positions: int = Field(description="Positions followed (the stored ones taken up at start included)")
    events_stored: int = Field(description="Events stored new, updated, closed or withdrawn")
    too_late: int = Field(description="Positions behind their vessel's window: stored; `mitra ais detect` sees them")
    rejected: int = Field(description="Positions without a time or a place: stored; no detector can use them")
    failures: int = Field(description="Batches or watchers that failed (in the node's log)")
    catch_ups: int = Field(0, description="Times detection fell too far behind and took up the store again")
    area_changes: int = Field(0, description="Times the areas of interest changed and detection started again")
    restarts: int = Field(0, description="Times the detection process ended unasked and was started again")
    unwatched: int = Field(0, description="Positions the watched-vessel rules fell too far behind to look at")


class FeedList(BaseModel):
    running: bool = Field(description="Whether this node runs a feed service")
    items: list[FeedHealthRead]
    detection: DetectionRead | None = Field(description="Streaming detection over the feed, when it follows one")


def running_follower(request: Request) -> FeedFollower | None:
    """The app's followed feed, if it runs one."""
    worker = getattr(request.app.state, "workers", {}).get(FEEDS)
    return worker if isinstance(worker, FeedFollower) else None


def running_feeds(request: Request) -> FeedService | None:
    """The app's feed service, if it runs one."""
    follower = running_follower(request)
    if follower is not None:
        return follower.feed
    worker = getattr(request.app.state, "workers", {}).get(FEEDS)
    return worker if isinstance(worker, FeedService) else None


@router.get("/feeds", response_model=FeedList, responses=PROBLEM_RESPONSES)
def list_feeds(request: Request, actor: DataReader) -> FeedList:
    """Each live AIS source: state, messages/s, last message, lag, bad lines (with the latest), errors."""
    feeds = running_feeds(request)
    if feeds is None:
        return FeedList(running=False, items=[], detection=None)
    follower = running_follower(request)
    detection = DetectionRead.model_validate(asdict(follower.totals)) if follower is not None else None
    return FeedList(running=True, items=[FeedHealthRead.of(h) for h in feeds.health()], detection=detection)
