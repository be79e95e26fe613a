"""``ihub serve`` stops its worker, scheduler and API processes when it is asked to stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from ihub.db import Database
from tests.fixtures.server import free_port
from tests.fixtures.worker import wait_for


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(line) for line in out.stdout.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text()


@pytest.mark.worker
@pytest.mark.parametrize("processes", [1, 2])
def test_sigterm_stops_the_children_too(database: Database, tmp_path: Path, processes: int) -> None:
    port = free_port()
    command = ["serve", "--port", str(port), "--processes", str(processes)]
    # A worker and the scheduler, plus the API processes (and multiprocessing's resource
    # tracker) when there are several.
    expected = 2 + (processes if processes > 1 else 0)
    with (tmp_path / "serve.log").open("wb") as log:
        serve = subprocess.Popen(
            [sys.executable, "-m", "ihub", *command],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).is_success
        except httpx.HTTPError:
            return False

    spawned: list[int] = []
    try:
        wait_for(up, timeout=60, interval=0.2)
        spawned = wait_for(lambda: len(children(serve.pid)) >= expected and children(serve.pid))
        serve.send_signal(signal.SIGTERM)
        serve.wait(90)
        wait_for(lambda: not any(alive(pid) for pid in spawned), timeout=30)
    finally:
        if serve.poll() is None:
            spawned = spawned or children(serve.pid)
            os.killpg(serve.pid, signal.SIGKILL)
        for pid in spawned:  # the worker and the scheduler live in sessions of their own
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
