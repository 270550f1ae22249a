"""Tables of the exchange: partners, sync cursors, refusals and TAXII status resources."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mitra.foundation.db import Base, UtcDateTime


class Partner(Base):
    """A partner node (or any TAXII 2.1 server) this node pulls from."""

    __tablename__ = "partners"

    nation: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    api_root_url: Mapped[str] = mapped_column(String(500))
    collection_id: Mapped[str | None] = mapped_column(String(100))
    # The credential this node presents at the partner's server (their partner account for us).
    token: Mapped[str | None] = mapped_column(Text)
    basic_user: Mapped[str | None] = mapped_column(String(100))
    public_key: Mapped[str | None] = mapped_column(String(100))
    require_signature: Mapped[bool] = mapped_column(Boolean, default=True)
    default_tlp: Mapped[str] = mapped_column(String(20), default="amber")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SyncState(Base):
    """Where the pull from one partner stands; advanced in the same transaction as each page."""

    __tablename__ = "sync_state"

    partner: Mapped[str] = mapped_column(String(3), primary_key=True)
    next_token: Mapped[str | None] = mapped_column(String(200))
    added_after: Mapped[str | None] = mapped_column(String(40))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    refused: Mapped[int] = mapped_column(BigInteger, default=0)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class Refusal(Base):
    """An object a partner sent that this node refused, and why."""

    __tablename__ = "exchange_refusals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(String(3), index=True)
    object_id: Mapped[str | None] = mapped_column(String(120))
    modified: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class TaxiiStatus(Base):
    """A TAXII 2.1 status resource for an objects POST."""

    __tablename__ = "taxii_status"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner: Mapped[str] = mapped_column(String(3))
    request_timestamp: Mapped[str] = mapped_column(String(40))
    total_count: Mapped[int] = mapped_column(Integer)
    success_count: Mapped[int] = mapped_column(Integer)
    failure_count: Mapped[int] = mapped_column(Integer)
    details: Mapped[str] = mapped_column(Text)
