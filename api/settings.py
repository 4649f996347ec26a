"""What the API reads from the environment, checked once before the server starts.

The checks live here, not in the server command, so `python -m api` and the app
factory refuse the same unsafe settings: customer-level data must never be served
without a token on an address other machines can reach."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE = PROJECT_DIR / "rfm_lifecycle.duckdb"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# Customer answers kept per published snapshot (api/answer_cache.py): about 2.5 KB each.
DEFAULT_CACHED_CUSTOMERS = 20_000
LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


class SettingsError(ValueError):
    """A setting that makes the API unsafe or unable to start; the message says what to set."""


def is_loopback(address: str | None) -> bool:
    """127.0.0.0/8, ::1 or a loopback name; empty means every interface, which is not loopback."""
    if not address:
        return False
    address = address.strip().strip("[]")
    if address.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    token: str | None
    auth_enabled: bool
    cached_customers: int = DEFAULT_CACHED_CUSTOMERS


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read API_HOST, API_PORT, RFM_API_TOKEN, RFM_API_AUTH and RFM_API_CACHED_CUSTOMERS; raise
    SettingsError when unsafe or not valid."""
    environ = os.environ if environ is None else environ
    host = environ.get("API_HOST") or DEFAULT_HOST
    port_text = environ.get("API_PORT") or str(DEFAULT_PORT)
    try:
        port = int(port_text)
    except ValueError:
        raise SettingsError(f"API_PORT must be a port number (1-65535), not {port_text!r}.") from None
    if not 1 <= port <= 65535:
        raise SettingsError(f"API_PORT must be a port number (1-65535), not {port}.")

    cached_text = environ.get("RFM_API_CACHED_CUSTOMERS") or str(DEFAULT_CACHED_CUSTOMERS)
    if not cached_text.isascii() or not cached_text.isdigit() or int(cached_text) > 10_000_000:
        raise SettingsError(
            f"RFM_API_CACHED_CUSTOMERS must be a whole number from 0 (no cache) to 10000000, not {cached_text!r}.")
    cached_customers = int(cached_text)

    auth_setting = (environ.get("RFM_API_AUTH") or "on").strip().lower()
    if auth_setting not in ("on", "off"):
        raise SettingsError(f"RFM_API_AUTH is 'on' (the default) or 'off', not {auth_setting!r}.")
    token = environ.get("RFM_API_TOKEN") or None
    if token is not None and token.strip() != token:
        raise SettingsError("RFM_API_TOKEN has leading or trailing white space; set it without.")

    if auth_setting == "off":
        if not is_loopback(host):
            raise SettingsError(
                f"RFM_API_AUTH=off is only allowed on a loopback address (127.0.0.1), but API_HOST is {host!r}. "
                "Set RFM_API_TOKEN and drop RFM_API_AUTH=off, or listen on 127.0.0.1."
            )
        return Settings(host=host, port=port, token=None, auth_enabled=False, cached_customers=cached_customers)
    if not token:
        raise SettingsError(
            "The API needs a bearer token: set RFM_API_TOKEN to a long random string "
            "(e.g. RFM_API_TOKEN=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')). "
            "For development on this machine only, RFM_API_AUTH=off switches auth off."
        )
    if len(token) < 16:
        raise SettingsError("RFM_API_TOKEN is shorter than 16 characters; use a long random string.")
    return Settings(host=host, port=port, token=token, auth_enabled=True, cached_customers=cached_customers)
