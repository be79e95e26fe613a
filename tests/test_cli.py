"""The ``ihub`` command, run as a user would: a subprocess with the test environment."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ihub.db import Database
from tests.fixtures.server import free_port
from tests.fixtures.worker import wait_for


def ihub(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ihub", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["worker"],
        ["scheduler"],
        ["migrate"],
        ["tenant", "create"],
        ["user", "create"],
        ["apikey", "revoke"],
    ],
)
def test_help_everywhere(command: list[str]) -> None:
    result = ihub(*command, "--help")
    assert result.returncode == 0
    assert "Usage:" in result.stdout


def test_tenant_user_and_key_lifecycle(database: Database) -> None:
    created = ihub(
        "tenant", "create", "--name", "Склад Север", "--admin-email", "boss@north.example"
    )
    assert created.returncode == 0, created.stderr
    tenant = json.loads(created.stdout)
    assert set(tenant) == {"tenant_id", "api_key", "admin_email", "admin_password"}
    assert tenant["api_key"].startswith("ihub_")
    headers = {"Authorization": f"Bearer {tenant['api_key']}"}

    user = json.loads(
        ihub(
            "user",
            "create",
            "--tenant-id",
            tenant["tenant_id"],
            "--email",
            "ops@north.example",
            "--role",
            "operator",
        ).stdout
    )
    assert user["role"] == "operator"
    assert len(user["password"]) >= 10

    key = json.loads(
        ihub("apikey", "create", "--tenant-id", tenant["tenant_id"], "--name", "bi").stdout
    )
    revoked = ihub("apikey", "revoke", key["api_key_id"])
    assert revoked.returncode == 0
    assert json.loads(revoked.stdout)["revoked_at"]
    del headers

    duplicate = ihub(
        "user", "create", "--tenant-id", tenant["tenant_id"], "--email", "ops@north.example"
    )
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr


def test_bad_configuration_is_refused_in_words(database: Database) -> None:
    result = ihub("migrate", env={"IHUB_ENV": "production"})
    assert result.returncode == 1
    assert "refusing to start in production" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_first_start_prints_credentials_once_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "IHUB_DATA_DIR": str(tmp_path), "IHUB_QUEUE": f"cli-{port}"}
    env.pop("IHUB_DATABASE_URL", None)  # a fresh SQLite of its own, like a first start
    env.pop("IHUB_BROKER_URL", None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ihub", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(url), timeout=60, interval=0.2)
        output = log.read_text()
        key = next(word for word in output.split() if word.startswith("ihub_"))
        assert f"Web UI    {url}" in output
        assert "Login     admin@example.com" in output
        response = httpx.get(f"{url}/api/v1/runs", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200
        started = httpx.post(
            f"{url}/api/v1/runs",
            headers={"Authorization": f"Bearer {key}"},
            json={"kind": "demo.counter", "params": {"count": 3, "delay_ms": 10}},
        )
        assert started.status_code == 202
        wait_for(
            lambda: (
                httpx.get(
                    f"{url}/api/v1/runs/{started.json()['id']}",
                    headers={"Authorization": f"Bearer {key}"},
                ).json()["status"]
                == "completed"
            ),
            timeout=60,
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    output = log.read_text()
    assert process.returncode == 0, output[-2000:]
    assert "Warm shutdown" in output
    # A second start reuses the tenant and prints no credentials.
    with log.open("w") as out:
        again = subprocess.Popen(
            [sys.executable, "-m", "ihub", "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: _up(url), timeout=60, interval=0.2)
        time.sleep(0.5)
        assert "ihub_" not in log.read_text()
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(60)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
