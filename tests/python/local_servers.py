"""Servers the tests start on loopback (the API, the dashboard): a free port, waiting until one
answers its health check, and stopping it. Imported by name, like project_support."""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(process: subprocess.Popen, health_url: str, timeout_s: float,
                       output: Callable[[], str], expected_body: bytes | None = None) -> None:
    """Polls health_url until it answers 200 (with expected_body, when given); fails with the
    server's output when the process ends or the time runs out first."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(health_url, timeout=2) as response:
                if expected_body is None or response.read().strip() == expected_body:
                    return
        except OSError:  # refused, not yet listening, or an HTTP error status
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the server at {health_url} did not start:\n{output()}")
        time.sleep(0.3)


def stop(process: subprocess.Popen, timeout_s: float = 20) -> None:
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout_s)
