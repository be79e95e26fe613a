"""One HTTP attempt: sign, POST, and describe what came back. Knows nothing of the database."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType

import httpx
import structlog

from ihub import __version__
from ihub.config import Settings
from ihub.kit.clock import utcnow
from ihub.kit.egress import BlockedAddress, public_only_transport
from ihub.kit.http.errors import parse_retry_after
from ihub.webhooks.signing import signature_header

__all__ = ["EXCERPT_BYTES", "Job", "Outcome", "Sender"]

log = structlog.get_logger(__name__)

EXCERPT_BYTES = 4096


@dataclass(frozen=True)
class Job:
    """A claimed message, as plain data: the worker thread touches no ORM object."""

    message_id: uuid.UUID
    endpoint_id: uuid.UUID
    attempt: int  # the claim's fencing token
    url: str
    secrets: tuple[str, ...]
    webhook_id: str
    body: str


@dataclass(frozen=True)
class Outcome:
    job: Job
    started_at: datetime
    duration_ms: int
    status_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    retry_after: float | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None and self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver asks never to be called again."""
        return self.status_code == 410


class Sender:
    """Posts jobs over one keep-alive connection pool; safe to share between threads."""

    def __init__(self, settings: Settings, max_connections: int) -> None:
        self._timeout = settings.webhooks_timeout_seconds
        self._client = httpx.Client(
            transport=public_only_transport(
                allow_private=settings.webhooks_allow_private_networks,
                max_connections=max_connections,
            ),
            timeout=self._timeout,
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": f"ihub-webhooks/{__version__}"},
        )

    def __enter__(self) -> Sender:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._client.close()

    def send(self, job: Job) -> Outcome:
        started_at = utcnow()
        clock = time.monotonic()
        headers = {
            "content-type": "application/json",
            "webhook-id": job.webhook_id,
            "webhook-timestamp": str(int(started_at.timestamp())),
            "webhook-signature": signature_header(
                job.secrets, job.webhook_id, started_at, job.body
            ),
        }
        try:
            with self._client.stream(
                "POST", job.url, content=job.body.encode(), headers=headers
            ) as response:
                excerpt = _excerpt(response)
        except BlockedAddress as exc:
            return self._failed(job, started_at, clock, f"Refused: {exc}.")
        except httpx.TimeoutException:
            return self._failed(job, started_at, clock, f"No answer within {self._timeout:g} s.")
        except httpx.HTTPError as exc:
            return self._failed(job, started_at, clock, f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug must not leave the message claimed until its lease ends
            log.exception("webhook_send_crashed", message_id=str(job.message_id))
            return self._failed(job, started_at, clock, f"Internal error: {exc!r}")
        elapsed = time.monotonic() - clock
        error = None
        if elapsed > self._timeout:
            error = f"Answered after {elapsed:.1f} s, later than the {self._timeout:g} s allowed."
        elif response.is_redirect:
            error = f"Redirect to {response.headers.get('location', '?')} not followed."
        return Outcome(
            job,
            started_at,
            int(elapsed * 1000),
            status_code=response.status_code,
            response_body=excerpt,
            error=error,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )

    @staticmethod
    def _failed(job: Job, started_at: datetime, clock: float, error: str) -> Outcome:
        return Outcome(job, started_at, int((time.monotonic() - clock) * 1000), error=error)


def _excerpt(response: httpx.Response) -> str:
    """The first 4 KB of the body; the rest is never read (nor kept in memory)."""
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= EXCERPT_BYTES:
            break
    return b"".join(chunks)[:EXCERPT_BYTES].decode("utf-8", errors="replace")
