"""The dashboard listens on 127.0.0.1 however it is started (issue 13).

A real `streamlit run <project>/dashboard/app.py` from another folder, with no flag for
the address: the kernel's socket table must show it listening on loopback only. A server
told to listen elsewhere shows no data (AppTest, the page's own check).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from dashboard import binding
from dashboard_paths import APP
from local_servers import free_port, stop, wait_until_healthy

START_TIMEOUT_S = 60


@pytest.mark.parametrize("address,expected", [
    ("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("unix:///tmp/rfm.sock", True), ("0.0.0.0", False), ("::", False), ("", False), (None, False),
    ("192.168.1.20", False), ("example.org", False),
])
def test_is_loopback(address, expected):
    assert binding.is_loopback(address) is expected


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket in LISTEN state on `port`, from /proc/net/tcp and tcp6."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            address_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:
                continue
            raw = bytes.fromhex(address_hex)
            # the kernel writes each 32-bit word in host (little-endian) order
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.add(socket.inet_ntop(family, raw))
    return found


def other_addresses() -> list[str]:
    """This machine's own non-loopback IPv4 addresses: the kernel's LOCAL host routes."""
    try:
        lines = Path("/proc/net/fib_trie").read_text().splitlines()
    except FileNotFoundError:
        return []
    found = {
        previous.split()[-1]
        for previous, line in zip(lines, lines[1:])
        if line.strip() == "/32 host LOCAL"
    }
    return sorted(address for address in found if not binding.is_loopback(address))


def test_started_from_another_folder_it_listens_on_loopback_only(tmp_path):
    port = free_port()
    # No STREAMLIT_* variable and a home without ~/.streamlit: only the project's files decide.
    environment = {key: value for key, value in os.environ.items() if not key.startswith("STREAMLIT_")}
    environment.update(HOME=str(tmp_path), RFM_DUCKDB_PATH=str(tmp_path / "none.duckdb"))
    log_path = tmp_path / "streamlit.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port)],
            cwd=tmp_path, env=environment, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_until_healthy(process, f"http://127.0.0.1:{port}/_stcore/health", START_TIMEOUT_S,
                               log_path.read_text, expected_body=b"ok")
            addresses = listening_addresses(port)
            assert addresses == {"127.0.0.1"}, addresses
            for address in other_addresses():
                with socket.socket() as probe:
                    probe.settimeout(2)
                    assert probe.connect_ex((address, port)) != 0, f"reachable on {address}:{port}"
        finally:
            stop(process)
    assert "0.0.0.0" not in log_path.read_text()


@pytest.mark.parametrize("address", ["0.0.0.0", "192.168.1.20", ""])
def test_a_server_listening_elsewhere_shows_no_data(dashboard_database, monkeypatch, address):
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(dashboard_database))
    streamlit_config.set_option("server.address", address)
    try:
        app = AppTest.from_file(str(APP), default_timeout=60)
        app.run()
    finally:
        streamlit_config.set_option("server.address", "127.0.0.1")
    assert not app.exception
    assert "only runs on this machine" in app.error[0].value
    assert binding.safe_command() in app.code[0].value
    assert not app.header  # no section drawn, no number shown
