"""Pages of work over the order API: checkout forms changed since a moment, and the current
state of the forms a page of journal events points to.

Events carry no order state, so every event means "fetch its checkout form" (A.5). Allegro has
no call that fetches several forms by id; its listing filtered on ``updatedAt`` does return up
to 100 forms a request, and every form an event points to changed at or after that event. So a
page of events about many forms is served by listing the forms changed since its oldest event
(the few the listing misses, or shows older than the event, are then fetched one by one). The
listing is allowed to lag or shift: the one-by-one fetch is the fallback, and a later event
brings any form that changed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ihub.connectors.allegro.client import (
    FORMS_PAGE_MAX,
    MAX_RESULT_WINDOW,
    AllegroApi,
    JournalEvent,
    parse_time,
)

__all__ = [
    "FetchedForms",
    "FormsPosition",
    "Wanted",
    "fetch_forms",
    "forms_changed_since",
    "wanted",
]

# From this many forms on, one listing request (100 forms) beats one request per form.
BULK_FROM = 10
# Requests in flight per seller when fetching forms one by one (Allegro throttles parallel
# requests per user with an unpublished leaky bucket; integrators keep it at about 3).
CONCURRENCY = 3


@dataclass(frozen=True)
class Wanted:
    """A form that new events point to: the newest of those events' time and revision."""

    occurred_at: datetime
    revision: str | None

    def satisfied_by(self, revision: str | None, updated_at: datetime | None) -> bool:
        """Does a version of the form with this revision and change time cover the events?"""
        if self.revision is not None and revision == self.revision:
            return True
        return updated_at is not None and updated_at >= self.occurred_at

    def satisfied_by_form(self, form: dict[str, Any] | None) -> bool:
        return form is not None and self.satisfied_by(
            form.get("revision"), parse_time(form.get("updatedAt"))
        )


def wanted(events: Iterable[JournalEvent]) -> dict[str, Wanted]:
    """Each form the events point to, with its newest event (events come oldest first, but
    may be out of order, so the latest time wins)."""
    result: dict[str, Wanted] = {}
    for event in events:
        if event.form_id is None:
            continue
        known = result.get(event.form_id)
        if known is None or event.occurred_at >= known.occurred_at:
            result[event.form_id] = Wanted(event.occurred_at, event.revision)
    return result


@dataclass(frozen=True)
class FormsPosition:
    """Where a listing of forms changed since a moment stands: resumable after a crash."""

    since: datetime
    offset: int = 0


def forms_changed_since(
    api: AllegroApi, position: FormsPosition
) -> Iterator[tuple[list[dict[str, Any]], FormsPosition | None]]:
    """Pages of forms changed at or after ``position.since``, oldest change first, each with
    the position after it (None at the end).

    Listings stop at offset + limit = 10 000 (A.6); past that the listing starts again from
    the last change time seen (keyset), so any number of forms can be read.
    """
    while True:
        limit = min(FORMS_PAGE_MAX, MAX_RESULT_WINDOW - position.offset)
        if limit <= 0:
            position = FormsPosition(position.since)  # at the window's edge: start it again
            continue
        page = api.checkout_forms(offset=position.offset, limit=limit, updated_gte=position.since)
        if len(page.forms) < limit:
            yield page.forms, None
            return
        following = FormsPosition(position.since, position.offset + limit)
        if following.offset + FORMS_PAGE_MAX > MAX_RESULT_WINDOW:
            last = parse_time(page.forms[-1].get("updatedAt"))
            if last is None or last <= position.since:
                yield page.forms, None  # a full window of one instant: nothing more to key on
                return
            following = FormsPosition(last)
        yield page.forms, following
        position = following


@dataclass(frozen=True)
class FetchedForms:
    forms: list[dict[str, Any]]
    gone: list[str]  # forms Allegro no longer knows (merged into another, A.5)
    requests: int
    listed_to: FormsPosition | None  # where the listing stopped: the next page goes on there


def fetch_forms(
    api: AllegroApi, wanted: dict[str, Wanted], listed_to: FormsPosition | None = None
) -> FetchedForms:
    """The current state of every wanted form, plus whatever else the listing brought.

    ``listed_to`` is where the previous page's listing stopped. The next page's events are
    later, so its forms changed later too: the listing goes on from there instead of reading
    the same forms again (a form that changed meanwhile moved further down the listing).
    """
    found: dict[str, dict[str, Any]] = {}
    requests = 0
    if len(wanted) >= BULK_FROM:
        since = min(w.occurred_at for w in wanted.values())
        if listed_to is None or listed_to.since > since:
            listed_to = FormsPosition(since)
        for forms, following in forms_changed_since(api, listed_to):
            requests += 1
            found.update((str(form.get("id")), form) for form in forms)
            listed_to = following or FormsPosition(listed_to.since, listed_to.offset + len(forms))
            if all(w.satisfied_by_form(found.get(form_id)) for form_id, w in wanted.items()):
                break
    missing = [
        form_id for form_id, w in wanted.items() if not w.satisfied_by_form(found.get(form_id))
    ]
    gone = []
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        for form_id, form in zip(missing, pool.map(api.checkout_form, missing), strict=True):
            requests += 1
            if form is None:
                gone.append(form_id)
                found.pop(form_id, None)
            else:
                found[form_id] = form
    return FetchedForms(list(found.values()), gone, requests, listed_to)
