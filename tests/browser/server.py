"""A running ``streamlit run`` server and headless Chromium, for the browser tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server(NamedTuple):
    url: str
    process: subprocess.Popen
    # Everything the server printed (its log), a file so that a long log never blocks it.
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextlib.contextmanager
def streamlit_server(timeout: float = 60.0, env: dict | None = None):
    """Start the app on a free localhost port; yield a ``Server``; stop it afterwards."""
    port = free_port()
    log_dir = tempfile.TemporaryDirectory()
    log = Path(log_dir.name) / "server.log"
    with open(log, "w") as sink:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", str(ROOT / "streamlit_app.py"),
                "--server.port", str(port), "--server.address", "127.0.0.1",
                "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, text=True, env={**os.environ, **(env or {})},
        )
    url = f"http://127.0.0.1:{port}"
    server = Server(url, process, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError("streamlit exited:\n" + server.output())
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("streamlit did not start in time")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log_dir.cleanup()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_until_done(page, timeout: float = 60_000) -> None:
    """Wait until the script has finished its run (after any rerun has started)."""
    page.wait_for_timeout(300)
    page.wait_for_selector(DONE, timeout=timeout)
