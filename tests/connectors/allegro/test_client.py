"""The order API client against the emulator: shapes, limits, errors, retries."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from ihub.connectors.allegro.client import AllegroApi, api_requester
from ihub.kit.http import AuthenticationFailed, RateLimited, RequestRejected, RetryPolicy
from tests.fixtures.allegro import AllegroSandbox, MakeSandbox

QUICK = RetryPolicy(attempts=3, initial_wait=0.01, max_wait=0.05)


class Tokens:
    """A token source that refreshes through the emulator when told the token was refused."""

    def __init__(self, sandbox: AllegroSandbox) -> None:
        self.oauth = sandbox.oauth()
        self.pair = sandbox.authorize()
        self.refreshes = 0

    def access_token(self) -> str:
        return self.pair.access_token

    def refresh_after(self, rejected: str) -> str:
        self.refreshes += 1
        self.pair = self.oauth.refresh(self.pair.refresh_token)
        return self.pair.access_token


def api_for(sandbox: AllegroSandbox) -> tuple[AllegroApi, Tokens]:
    tokens = Tokens(sandbox)
    return AllegroApi(api_requester(sandbox.settings, retry=QUICK), tokens), tokens


def test_event_stats_and_an_exclusive_journal(allegro_sandbox: AllegroSandbox) -> None:
    api, _ = api_for(allegro_sandbox)
    empty = api.event_stats()
    assert empty.latest_event_id is None
    assert empty.server_time is not None

    allegro_sandbox.create_orders(2, paid=True)
    events = api.events("0", limit=1000)
    assert [e.type for e in events[:3]] == ["BOUGHT", "FILLED_IN", "READY_FOR_PROCESSING"]
    assert len(events) == 6
    assert [int(e.id) for e in events] == sorted(int(e.id) for e in events)
    assert api.event_stats().latest_event_id == events[-1].id
    assert api.events(events[2].id, limit=1000) == events[3:]
    assert api.events(events[0].id, limit=2) == events[1:3]
    assert events[0].form_id == events[2].form_id
    assert events[0].revision != events[2].revision


def test_invalid_parameters_are_rejected_with_allegros_words(
    allegro_sandbox: AllegroSandbox,
) -> None:
    api, _ = api_for(allegro_sandbox)
    with pytest.raises(RequestRejected, match=r"getOrderEvents\.from"):
        api.events("not-a-number")
    with pytest.raises(RequestRejected, match="Not valid time UUID"):
        api.checkout_form("7c9e6679-7425-40de-944b-e07fc1f90ae7")  # a UUID v4
    with pytest.raises(RequestRejected, match="maximal result size of 10000"):
        api.checkout_forms(offset=9950, limit=100)


def test_an_unknown_or_merged_form_is_none(allegro_sandbox: AllegroSandbox) -> None:
    api, _ = api_for(allegro_sandbox)
    first, second = allegro_sandbox.create_orders(2, paid=False)
    merged = allegro_sandbox.control.post("/_emulator/merge", json={"ids": [first, second]})
    assert api.checkout_form(first) is None
    form = api.checkout_form(merged.json()["id"])
    assert form is not None
    assert len(form["lineItems"]) >= 2


def test_the_api_needs_its_media_type_and_a_bearer_token(allegro_sandbox: AllegroSandbox) -> None:
    api_url = allegro_sandbox.api_url
    tokens = allegro_sandbox.authorize()
    plain = httpx.get(f"{api_url}/order/events", headers={"Accept": "application/json"})
    assert plain.status_code == 406
    anonymous = httpx.get(
        f"{api_url}/order/events", headers={"Accept": "application/vnd.allegro.public.v1+json"}
    )
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "unauthorized"
    ok = httpx.get(
        f"{api_url}/order/events",
        headers={
            "Accept": "application/vnd.allegro.public.v1+json",
            "Authorization": f"Bearer {tokens.access_token}",
        },
    )
    assert ok.status_code == 200
    assert ok.headers["trace-id"]


def test_a_refused_token_is_refreshed_once_and_the_call_repeated(
    make_allegro_sandbox: MakeSandbox,
) -> None:
    sandbox = make_allegro_sandbox(access_token_ttl=1)
    api, tokens = api_for(sandbox)
    grant = sandbox.emulator.authority.access[tokens.pair.access_token]
    grant.expires_at = grant.expires_at.replace(year=2000)  # expired at Allegro
    assert api.event_stats().latest_event_id is None
    assert tokens.refreshes == 1


def test_a_second_refusal_is_an_authentication_failure(allegro_sandbox: AllegroSandbox) -> None:
    api, tokens = api_for(allegro_sandbox)
    tokens.refresh_after = lambda rejected: "garbage"  # type: ignore[method-assign]
    tokens.pair = tokens.pair.__class__(
        "also-garbage", tokens.pair.refresh_token, tokens.pair.expires_at
    )
    with pytest.raises(AuthenticationFailed, match="Cannot convert access token"):
        api.event_stats()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_throttling_and_server_failures_are_retried(
    allegro_sandbox: AllegroSandbox, status: int
) -> None:
    api, _ = api_for(allegro_sandbox)
    allegro_sandbox.faults(fail=[{"path": "/api/order/events", "status": status, "times": 2}])
    assert api.events("0") == []
    assert allegro_sandbox.stats()["requests"]["/api/order/events"] == 3


def test_a_blocked_client_waits_a_minute_as_a_whole_run(make_allegro_sandbox: MakeSandbox) -> None:
    sandbox = make_allegro_sandbox(rate_limit_per_minute=3, block_seconds=60)
    api, _ = api_for(sandbox)
    call: Callable[[], object] = api.event_stats
    for _ in range(3):
        call()
    with pytest.raises(RateLimited) as blocked:
        call()
    assert blocked.value.retry_after == 60
    assert "RateLimitExceedException" in str(blocked.value)
    assert sandbox.stats()["rate_limited"] == 3  # every retry during the block was refused
