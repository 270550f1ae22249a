"""Webhook endpoints, managed by admins (the policy's ``MANAGE_USERS``): URL, shared secret, kinds; their log."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mitra.audit.service import AuditEvent, record
from mitra.core.access import permit
from mitra.core.notices import KINDS, DeliveryAttempt, NoticeDelivery, WebhookEndpoint
from mitra.core.records import actor_label
from mitra.foundation.errors import NotFound
from mitra.foundation.timestamps import now_utc
from mitra.foundation.words import N_, Said
from mitra.notify.choices import ChoiceProblems
from mitra.policy import Action, Actor

MIN_SECRET = 16


def check_endpoint(url: str, kinds: Iterable[str], secret: str) -> tuple[str, list[str], str]:
    """The URL, kinds and secret as stored, or every problem at once (``ChoiceProblems``)."""
    problems: dict[str, Said] = {}
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        problems["url"] = Said(N_("“%(url)s” is not a web address; write it as https://host/path"), {"url": url})
    elif len(url) > 500:
        problems["url"] = Said(N_("the address is %(length)s characters long; at most 500"), {"length": len(url)})
    chosen = sorted(set(kinds))
    unknown = [k for k in chosen if k not in KINDS]
    if unknown:
        problems["kinds"] = Said(N_("%(kinds)s is not a kind of notice"), {"kinds": ", ".join(unknown)})
    elif not chosen:
        problems["kinds"] = Said(N_("tick at least one kind of notice to send"))
    secret = secret.strip()
    if secret and len(secret) < MIN_SECRET:
        problems["secret"] = Said(
            N_("the secret has %(length)s characters; at least %(least)s (or leave it empty)"),
            {"length": len(secret), "least": MIN_SECRET},
        )
    if problems:
        raise ChoiceProblems(problems)
    return url, chosen, secret or secrets.token_urlsafe(32)


def add_endpoint(
    session: Session, *, nation: str, actor: Actor, url: str, kinds: Iterable[str], secret: str = ""
) -> WebhookEndpoint:
    """A new endpoint (an empty secret gets a random one, shown once to the admin); audited."""
    permit(actor, Action.MANAGE_USERS, nation=nation)
    url, chosen, secret = check_endpoint(url, kinds, secret)
    endpoint = WebhookEndpoint(
        url=url,
        secret=secret,
        kinds=" ".join(chosen),
        active=True,
        created_by=actor.username or "-",
        created_at=now_utc(),
    )
    session.add(endpoint)
    session.flush()
    record(session, AuditEvent(actor_label(actor), "webhook_add", None, {"id": endpoint.id, "url": url}))
    return endpoint


def set_active(session: Session, *, nation: str, actor: Actor, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Switch an endpoint off (its pending deliveries fail, saying so) or on again; audited."""
    permit(actor, Action.MANAGE_USERS, nation=nation)
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    endpoint.active = active
    record(
        session,
        AuditEvent(actor_label(actor), "webhook_enable" if active else "webhook_disable", None, {"id": endpoint_id}),
    )
    return endpoint


@dataclass(frozen=True, slots=True)
class LogLine:
    """One try of one delivery to an endpoint."""

    delivery_id: int
    notice_id: int
    state: str
    attempt: int
    at: object
    status_code: int | None
    error: str | None


@dataclass(frozen=True, slots=True)
class EndpointView:
    endpoint: WebhookEndpoint
    pending: int
    delivered: int
    failed: int
    log: list[LogLine]
    log_total: int


def endpoints(session: Session, *, nation: str, actor: Actor, log_limit: int = 50) -> list[EndpointView]:
    """Every endpoint with its counts and its newest ``log_limit`` tries (the page says how many there are)."""
    permit(actor, Action.MANAGE_USERS, nation=nation)
    views = []
    for endpoint in session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)):
        counts = dict(
            session.execute(
                select(NoticeDelivery.state, func.count())
                .where(NoticeDelivery.endpoint_id == endpoint.id)
                .group_by(NoticeDelivery.state)
            ).all()
        )
        tries = (
            select(DeliveryAttempt, NoticeDelivery)
            .join(NoticeDelivery, NoticeDelivery.id == DeliveryAttempt.delivery_id)
            .where(NoticeDelivery.endpoint_id == endpoint.id)
        )
        total = session.scalar(select(func.count()).select_from(tries.subquery())) or 0
        log = [
            LogLine(d.id, d.notice_id, d.state, a.attempt, a.at, a.status_code, a.error)
            for a, d in session.execute(tries.order_by(DeliveryAttempt.id.desc()).limit(log_limit)).all()
        ]
        views.append(
            EndpointView(
                endpoint,
                int(counts.get("pending", 0)),
                int(counts.get("delivered", 0)),
                int(counts.get("failed", 0)),
                log,
                int(total),
            )
        )
    return views
