"""Retries with exponential backoff that honour ``Retry-After`` (tenacity underneath)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_random_exponential

from ihub.kit.failures import Transient

__all__ = ["RetryPolicy"]

T = TypeVar("T")


def _retryable(max_retry_after: float) -> Callable[[BaseException], bool]:
    def check(exc: BaseException) -> bool:
        if not isinstance(exc, Transient):
            return False
        # A server asking for a long pause is better served by retrying the whole run later
        # (the run machinery honours ``retry_after``) than by a worker sleeping in a call.
        return exc.retry_after is None or exc.retry_after <= max_retry_after

    return check


@dataclass(frozen=True)
class RetryPolicy:
    """How one call is retried when it fails transiently.

    Attributes:
        attempts: tries in total, the first one included.
        initial_wait: the first backoff in seconds; it doubles per retry, with full jitter.
        max_wait: the longest backoff between two tries.
        max_retry_after: a ``Retry-After`` longer than this is not waited for; the error goes
            up to the caller (a run then retries later as a whole).
    """

    attempts: int = 4
    initial_wait: float = 0.5
    max_wait: float = 30.0
    max_retry_after: float = 60.0

    def call(self, fn: Callable[[], T], *, sleep: Callable[[float], None] | None = None) -> T:
        """Call ``fn`` until it succeeds, fails terminally or runs out of attempts."""
        backoff = wait_random_exponential(multiplier=self.initial_wait, max=self.max_wait)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            retry_after = getattr(failure, "retry_after", None)
            return float(retry_after) if retry_after is not None else float(backoff(state))

        retrying = Retrying(
            retry=retry_if_exception(_retryable(self.max_retry_after)),
            stop=stop_after_attempt(self.attempts),
            wait=wait,
            reraise=True,
            sleep=sleep or time.sleep,
        )
        return retrying(fn)
