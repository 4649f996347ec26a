"""The dashboard listens on this machine only, however it is started.

The address comes from dashboard/.streamlit/config.toml, which Streamlit reads beside
the script whatever the working folder. A flag or STREAMLIT_SERVER_ADDRESS can still
name another address; then every page refuses to show data and names the command
that serves it on 127.0.0.1. A server started without any address (Streamlit's
default: every interface) counts as not loopback.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path

import streamlit as st

APP = Path(__file__).resolve().with_name("app.py")
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1, localhost or a unix socket; empty or None means every interface."""
    if not address:
        return False
    address = address.strip()
    if address.startswith("unix://"):
        return True
    if address.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def safe_command() -> str:
    return f"streamlit run {APP} --server.address 127.0.0.1"


def require_loopback() -> None:
    """Stop the page (st.stop) unless the server listens on a loopback address only."""
    address = st.get_option("server.address")
    if is_loopback(address):
        return
    shown = address or "every interface (no server.address set)"
    st.error(
        f"This dashboard shows customer-level data and only runs on this machine, but the server "
        f"listens on {shown}. Stop it and start it on 127.0.0.1 (or run `make dashboard` in the project folder):"
    )
    st.code(safe_command(), language="bash")
    st.stop()
