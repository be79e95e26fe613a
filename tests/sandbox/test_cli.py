"""``ihub sandbox onec`` serves the emulator on its own."""

from __future__ import annotations

import subprocess
import sys

import httpx

from tests.fixtures.server import free_port
from tests.fixtures.worker import wait_for


def test_the_sandbox_runs_alone_with_its_options() -> None:
    port = free_port()
    command = [sys.executable, "-m", "ihub", "sandbox", "onec", "--port", str(port)]
    options = ["--products", "80", "--password", "секрет", "--error-rate", "0"]
    process = subprocess.Popen([*command, *options], stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline() if process.stdout else ""
        assert f"http://127.0.0.1:{port}/ut11/odata/standard.odata/" in banner
        url = f"http://127.0.0.1:{port}/ut11/odata/standard.odata/Catalog_Номенклатура"

        def answer() -> httpx.Response | None:
            try:
                return httpx.get(
                    url,
                    params={"$format": "json", "$inlinecount": "allpages", "$top": "1"},
                    auth=("Администратор", "секрет"),
                )
            except httpx.HTTPError:
                return None

        response = wait_for(answer, timeout=30, interval=0.1)
        assert response.status_code == 200
        assert response.json()["odata.count"] == "80"
    finally:
        process.terminate()
        process.wait(10)


def test_bad_options_are_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ihub", "sandbox", "onec", "--error-rate", "2"],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "error_rate" in result.stderr
