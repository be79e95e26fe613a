"""Fetching the forms a page of events points to: one listing for many, one by one for few."""

from __future__ import annotations

import pytest

from ihub.connectors.allegro import streams
from ihub.connectors.allegro.client import AllegroApi, api_requester
from ihub.connectors.allegro.streams import FormsPosition, fetch_forms, forms_changed_since, wanted
from tests.connectors.allegro.test_client import QUICK, Tokens
from tests.fixtures.allegro import AllegroSandbox


def api_for(sandbox: AllegroSandbox) -> AllegroApi:
    return AllegroApi(api_requester(sandbox.settings, retry=QUICK), Tokens(sandbox))


def test_many_forms_come_from_one_listing(allegro_sandbox: AllegroSandbox) -> None:
    api = api_for(allegro_sandbox)
    ids = allegro_sandbox.create_orders(30)
    want = wanted(api.events("0"))
    assert set(want) == set(ids)
    fetched = fetch_forms(api, want)
    assert {f["id"] for f in fetched.forms} == set(ids)
    assert all(f["status"] == "READY_FOR_PROCESSING" for f in fetched.forms)
    assert fetched.requests == 1


def test_few_forms_are_fetched_one_by_one(allegro_sandbox: AllegroSandbox) -> None:
    api = api_for(allegro_sandbox)
    ids = allegro_sandbox.create_orders(3)
    fetched = fetch_forms(api, wanted(api.events("0")))
    assert {f["id"] for f in fetched.forms} == set(ids)
    assert fetched.requests == 3


def test_a_lagging_listing_is_completed_one_by_one(allegro_sandbox: AllegroSandbox) -> None:
    api = api_for(allegro_sandbox)
    ids = allegro_sandbox.create_orders(20, paid=False)
    allegro_sandbox.faults(list_lag_seconds=3600)
    for form_id in ids[:5]:
        allegro_sandbox.change(form_id, "pay")
    fetched = fetch_forms(api, wanted(api.events("0")))
    # The listing shows nothing yet (it lags an hour): every form came one by one.
    assert fetched.requests == 1 + 20
    paid = {f["id"] for f in fetched.forms if f["status"] == "READY_FOR_PROCESSING"}
    assert paid == set(ids[:5])


def test_out_of_order_events_still_want_the_newest_state(allegro_sandbox: AllegroSandbox) -> None:
    api = api_for(allegro_sandbox)
    allegro_sandbox.faults(out_of_order=True)
    (form_id,) = allegro_sandbox.create_orders(1)
    events = api.events("0")
    assert [e.type for e in events] == ["READY_FOR_PROCESSING", "FILLED_IN", "BOUGHT"]
    (form,) = fetch_forms(api, wanted(events)).forms
    assert form["id"] == form_id
    assert form["status"] == "READY_FOR_PROCESSING"
    assert form["revision"] == events[0].revision


def test_merged_forms_are_reported_gone(allegro_sandbox: AllegroSandbox) -> None:
    api = api_for(allegro_sandbox)
    first, second = allegro_sandbox.create_orders(2, paid=False)
    allegro_sandbox.control.post("/_emulator/merge", json={"ids": [first, second]})
    fetched = fetch_forms(api, wanted(api.events("0")))
    assert sorted(fetched.gone) == sorted([first, second])
    assert len(fetched.forms) == 1


def test_listings_past_the_result_window_continue_by_change_time(
    allegro_sandbox: AllegroSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(streams, "MAX_RESULT_WINDOW", 300)
    api = api_for(allegro_sandbox)
    for _ in range(9):
        allegro_sandbox.create_orders(50)  # nine distinct change times
    since = min(e.occurred_at for e in api.events("0"))
    seen: list[str] = []
    positions = []
    for forms, position in forms_changed_since(api, FormsPosition(since)):
        seen.extend(f["id"] for f in forms)
        positions.append(position)
    assert len(set(seen)) == 450
    assert positions[-1] is None
    assert any(p is not None and p.offset == 0 and p.since > since for p in positions)
