"""Sending what is due: each pending delivery composed for its person, sent outside any transaction, logged.

A delivery that fails is tried again later, 30 s after the first failure and twice as long after each next one,
up to ``MITRA_WEBHOOK_MAX_ATTEMPTS`` tries; then it is marked failed. Every try is a row of the delivery log.
Sends run on a few worker threads with timeouts, so a receiver that hangs delays no other delivery and never
holds the node's write lock (the outcome is written after, in one short transaction).
"""

from __future__ import annotations

import smtplib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from mitra.core.notices import DeliveryAttempt, Notice, NoticeAddress, NoticeDelivery, WebhookEndpoint
from mitra.foundation.timestamps import now_utc
from mitra.node import Node
from mitra.notify.compose import Composed, compose
from mitra.notify.email import Mailer, SmtpMailer
from mitra.notify.webhook import SendOutcome, post_webhook

FIRST_RETRY = timedelta(seconds=30)
BATCH = 200
WORKERS = 4


@dataclass
class DeliveryReport:
    """What one round did: deliveries sent, to be tried again, and given up."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Job:
    delivery_id: int
    attempts: int
    channel: str
    composed: Composed | None
    address: str | None
    url: str | None
    secret: str | None
    problem: str | None  # why it cannot be sent at all (no address, endpoint disabled, person gone)


def retry_delay(attempt: int) -> timedelta:
    """How long after failed try number ``attempt`` (1-based) the next one is due."""
    return FIRST_RETRY * int(2 ** (attempt - 1))


def deliver_due(node: Node, *, mailer: Mailer | None = None, now: datetime | None = None) -> DeliveryReport:
    """Send every delivery due by ``now`` (a batch at a time until none is due); what happened."""
    report = DeliveryReport()
    chosen = mailer if mailer is not None else (SmtpMailer(node.settings) if node.settings.smtp_host else None)
    while True:
        moment = now or now_utc()
        jobs = _due_jobs(node, chosen, moment)
        if not jobs:
            return report
        with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix=f"deliver-{node.nation}") as pool:
            outcomes = list(pool.map(lambda job: _send(node, chosen, job), jobs))
        _record(node, jobs, outcomes, moment, report)
        if len(jobs) < BATCH:
            return report


def _due_jobs(node: Node, mailer: Mailer | None, now: datetime) -> list[_Job]:
    jobs = []
    with node.db.read() as session:
        due = session.scalars(
            select(NoticeDelivery)
            .where(NoticeDelivery.state == "pending", NoticeDelivery.due_at <= now)
            .order_by(NoticeDelivery.due_at, NoticeDelivery.id)
            .limit(BATCH)
        ).all()
        for delivery in due:
            notice = session.get(Notice, delivery.notice_id)
            assert notice is not None  # deliveries go with their notice (ON DELETE CASCADE)
            composed = compose(session, node.store, notice, link_base=node.settings.link_base)
            address = url = secret = problem = None
            if composed is None:
                problem = f"{notice.username} is no longer an active user"
            elif delivery.channel == "email":
                row = session.get(NoticeAddress, notice.username)
                address = row.email if row else None
                if address is None:
                    problem = f"{notice.username} has no e-mail address"
                elif mailer is None:
                    problem = "no SMTP server is set (MITRA_SMTP_HOST)"
            else:
                endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
                if endpoint is None or not endpoint.active:
                    problem = "the webhook endpoint was disabled"
                else:
                    url, secret = endpoint.url, endpoint.secret
            jobs.append(_Job(delivery.id, delivery.attempts, delivery.channel, composed, address, url, secret, problem))
    return jobs


def _send(node: Node, mailer: Mailer | None, job: _Job) -> SendOutcome:
    if job.problem is not None or job.composed is None:
        return SendOutcome(None, job.problem)
    if job.channel == "email":
        assert mailer is not None
        assert job.address is not None
        try:
            mailer.send(to=job.address, subject=job.composed.subject, text=job.composed.text)
        except (OSError, smtplib.SMTPException) as exc:
            return SendOutcome(None, f"SMTP: {type(exc).__name__}: {exc}")
        return SendOutcome(250, None)
    assert job.url is not None
    assert job.secret is not None
    return post_webhook(
        job.url, job.secret, job.composed.payload(node.nation), timeout=node.settings.webhook_timeout_seconds
    )


def _record(node: Node, jobs: list[_Job], outcomes: list[SendOutcome], now: datetime, report: DeliveryReport) -> None:
    limit = node.settings.webhook_max_attempts
    with node.db.write() as session:
        for job, outcome in zip(jobs, outcomes, strict=True):
            delivery = session.get(NoticeDelivery, job.delivery_id)
            if delivery is None or delivery.state != "pending":  # removed, or done by another round meanwhile
                continue
            attempt = delivery.attempts + 1
            delivery.attempts = attempt
            session.add(
                DeliveryAttempt(
                    delivery_id=delivery.id,
                    attempt=attempt,
                    at=now_utc(),
                    status_code=outcome.status_code,
                    error=outcome.error,
                )
            )
            if outcome.error is None:
                delivery.state, delivery.delivered_at, delivery.last_error = "delivered", now_utc(), None
                report.sent += 1
                continue
            delivery.last_error = outcome.error
            report.errors.append(f"delivery {delivery.id} ({delivery.channel}), try {attempt}: {outcome.error}")
            if job.problem is not None or attempt >= limit:
                delivery.state = "failed"
                report.failed += 1
            else:
                delivery.due_at = now + retry_delay(attempt)
                report.retrying += 1
