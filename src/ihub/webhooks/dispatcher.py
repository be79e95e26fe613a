"""The delivery loop: claim due messages, send them on a thread pool, record each outcome.

The database is the queue. A claim marks messages ``sending`` until a lease ends and bumps
their attempt number; results are written only while that number is still the claim's. A
dispatcher that dies leaves its messages to be claimed again when the lease ends; a retry
waits as ``pending`` with its ``next_attempt_at``, found by whichever dispatch runs next, so
restarts lose nothing.

Claims and results share one transaction per turn of the loop, and deliveries finish in any
order: a slow receiver holds at most ``IHUB_WEBHOOKS_ENDPOINT_CONCURRENCY`` requests, while
the other endpoints' messages keep flowing through the remaining slots.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.orm import Session

from ihub.config import Settings
from ihub.db import Database, after_commit
from ihub.kit.clock import utcnow
from ihub.models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from ihub.webhooks import service
from ihub.webhooks.delivery import Job, Outcome, Sender
from ihub.webhooks.events import nudge, nudge_later
from ihub.webhooks.repository import DispatchQueries
from ihub.webhooks.signing import unseal

__all__ = ["Dispatcher", "retry_delay"]

log = structlog.get_logger(__name__)

SLOTS = 32  # concurrent requests of one dispatcher
WAKE_SECONDS = 1.0  # while requests are in flight, look for new due messages this often
LINGER_SECONDS = 0.01  # after one request finishes, wait this long for others to join the turn
BUDGET_SECONDS = 60.0  # then hand over to a fresh task, so no worker thread is held forever
SHORT_RETRY_SECONDS = 60.0  # retries sooner than this get a delayed nudge of their own


def retry_delay(settings: Settings, step: int, retry_after: float | None) -> float | None:
    """Seconds until retry number ``step + 1``, or None when the schedule is used up.

    The receiver's ``Retry-After`` is honoured when it asks for more time, up to the longest
    delay of the schedule.
    """
    schedule = settings.webhooks_retry_schedule
    if step >= len(schedule):
        return None
    jitter = settings.webhooks_retry_jitter
    delay = schedule[step] * (1 + random.uniform(-jitter, jitter))
    if retry_after is not None:
        delay = max(delay, min(retry_after, max(schedule)))
    return delay


class Dispatcher:
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.settings = settings

    def run(self, budget: float = BUDGET_SECONDS) -> int:
        """Deliver until nothing is due (or the budget is spent); returns the attempts made."""
        deadline = time.monotonic() + budget
        if not self._anything_due():
            return 0
        jobs = self._turn([], SLOTS)
        if not jobs:
            return 0
        attempts = 0
        in_flight: set[Future[Outcome]] = set()
        with (
            Sender(self.settings, max_connections=SLOTS) as sender,
            ThreadPoolExecutor(SLOTS, thread_name_prefix="webhook") as pool,
        ):
            while True:
                in_flight.update(pool.submit(sender.send, job) for job in jobs)
                if not in_flight:
                    break
                done, _ = wait(in_flight, timeout=WAKE_SECONDS, return_when=FIRST_COMPLETED)
                if done:  # requests sent together tend to finish together: record them so
                    done |= wait(in_flight - done, timeout=LINGER_SECONDS).done
                outcomes = [future.result() for future in done]
                in_flight -= done
                attempts += len(outcomes)
                room = SLOTS - len(in_flight) if time.monotonic() < deadline else 0
                jobs = self._turn(outcomes, room)
        if time.monotonic() >= deadline:
            nudge()  # there may be more; a new task carries on
        return attempts

    def _anything_due(self) -> bool:
        """A plain read first: most nudges and ticks find nothing, and then take no lock."""
        with self.database.scope(write=False) as session:
            return DispatchQueries(session).anything_due(utcnow())

    def _turn(self, outcomes: Sequence[Outcome], room: int) -> list[Job]:
        """Record finished attempts and claim up to ``room`` more, in one transaction."""
        if not outcomes and not room:
            return []
        with self.database.scope() as session:
            if outcomes:
                self._record(session, outcomes)
            return self._claim(session, room) if room else []

    def _claim(self, session: Session, room: int) -> list[Job]:
        now = utcnow()
        queries = DispatchQueries(session)
        busy = queries.lock_claimable_endpoints(now)
        endpoint_ids = list(busy)
        random.shuffle(endpoint_ids)  # fair shares when there is less room than work
        cap = self.settings.webhooks_endpoint_concurrency
        claimed: list[Any] = []
        for endpoint_id in endpoint_ids:
            wanted = min(cap - busy[endpoint_id], room - len(claimed))
            if wanted > 0:
                claimed.extend(queries.due_ids(endpoint_id, now, wanted))
        if not claimed:
            return []
        lease = timedelta(seconds=2 * self.settings.webhooks_timeout_seconds + 60)
        queries.mark_sending(claimed, now + lease)
        return [self._job(row, now) for row in queries.jobs(claimed)]

    @staticmethod
    def _job(row: Any, now: datetime) -> Job:
        secrets = [unseal(row.endpoint_id, row.secret)]
        rotating = row.previous_secret_expires_at and row.previous_secret_expires_at > now
        if row.previous_secret and rotating:
            secrets.append(unseal(row.endpoint_id, row.previous_secret))
        return Job(
            message_id=row.id,
            endpoint_id=row.endpoint_id,
            attempt=row.attempts,
            url=row.url,
            secrets=tuple(secrets),
            webhook_id=str(row.event_id),
            body=row.payload,
        )

    def _record(self, session: Session, outcomes: Sequence[Outcome]) -> None:
        endpoints, messages = DispatchQueries(session).lock_for_results(
            {o.job.endpoint_id for o in outcomes}, {o.job.message_id for o in outcomes}
        )
        soonest: float | None = None
        for outcome in outcomes:
            message = messages.get(outcome.job.message_id)
            if (
                message is None  # its endpoint was deleted meanwhile
                or message.status != MessageStatus.sending
                or message.attempts != outcome.job.attempt  # claimed again after our lease
            ):
                continue
            endpoint = endpoints[message.endpoint_id]
            session.add(_attempt_row(message, outcome))
            delay = self._settle(session, endpoint, message, outcome)
            if delay is not None and delay < SHORT_RETRY_SECONDS:
                soonest = delay if soonest is None else min(soonest, delay)
        if soonest is not None:
            after_commit(session, lambda: nudge_later(soonest))

    def _settle(
        self,
        session: Session,
        endpoint: WebhookEndpoint,
        message: WebhookMessage,
        outcome: Outcome,
    ) -> float | None:
        """Move the message on after an attempt; returns the retry delay if one is planned."""
        message.locked_until = None
        message.last_attempt_at = outcome.started_at
        message.last_status_code = outcome.status_code
        message.last_error = outcome.error
        if outcome.delivered:
            message.status = MessageStatus.delivered
            message.delivered_at = utcnow()
            message.next_attempt_at = None
            endpoint.failing_since = None
            return None
        endpoint.failing_since = endpoint.failing_since or outcome.started_at
        if endpoint.enabled:
            reason = self._disable_reason(endpoint, outcome)
            if reason:
                service.disable_endpoint(session, endpoint, reason)
        delay = None
        if endpoint.enabled:
            delay = retry_delay(self.settings, message.schedule_step, outcome.retry_after)
        if delay is None:
            message.status = MessageStatus.failed
            message.next_attempt_at = None
            return None
        message.status = MessageStatus.pending
        message.schedule_step += 1
        message.next_attempt_at = utcnow() + timedelta(seconds=delay)
        return delay

    def _disable_reason(self, endpoint: WebhookEndpoint, outcome: Outcome) -> str | None:
        if outcome.gone:
            return "The endpoint answered 410 Gone."
        limit = timedelta(days=self.settings.webhooks_disable_after_days)
        if endpoint.failing_since and utcnow() - endpoint.failing_since >= limit:
            return f"Every delivery failed for {self.settings.webhooks_disable_after_days:g} days."
        return None


def _attempt_row(message: WebhookMessage, outcome: Outcome) -> WebhookAttempt:
    return WebhookAttempt(
        tenant_id=message.tenant_id,
        message_id=message.id,
        attempt=outcome.job.attempt,
        url=outcome.job.url,
        created_at=outcome.started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        response_body=outcome.response_body,
        error=outcome.error,
    )
