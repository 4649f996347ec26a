"""Checks on every value a caller sends, with messages that say what is allowed.

Values that pass are still only ever bound as SQL parameters; these checks are
there to give a clear 422 instead of an empty answer, and to keep absurd input
(10,000-character ids, control characters) away from the database."""

from __future__ import annotations

import datetime as dt

LIFECYCLE_SEGMENTS = ("prospect", "new", "one_time", "regular", "loyal", "inactive", "lost")
MAX_ID_LENGTH = 200
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
EARLIEST_DATE = dt.date(1900, 1, 1)


class InvalidParameter(ValueError):
    """A parameter the API refuses; `name` is the parameter, the message is shown to the caller."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def customer_id(value: str, name: str = "customer_id") -> str:
    """Trimmed, 1..200 characters, printable (any script: ids are keys in the CRM, not ASCII)."""
    trimmed = value.strip()
    if not trimmed:
        raise InvalidParameter(name, f"{name} is empty.")
    if len(trimmed) > MAX_ID_LENGTH:
        raise InvalidParameter(name, f"{name} is longer than {MAX_ID_LENGTH} characters.")
    if not trimmed.isprintable():
        raise InvalidParameter(name, f"{name} holds control or other non-printable characters.")
    return trimmed


def segment(value: str) -> str:
    """One of the lifecycle segments, lower case as in the marts."""
    if value not in LIFECYCLE_SEGMENTS:
        shown = value if len(value) <= 40 and value.isprintable() else "the value given"
        raise InvalidParameter(
            "segment", f"Unknown segment {shown!r}; use one of: {', '.join(LIFECYCLE_SEGMENTS)}."
        )
    return value


def iso_date(value: str, name: str) -> dt.date:
    """YYYY-MM-DD, a real calendar day from 1900 on."""
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(name, f"{name} must be a date as YYYY-MM-DD, e.g. 2025-12-31.") from None
    if day < EARLIEST_DATE:
        raise InvalidParameter(name, f"{name} must be on or after {EARLIEST_DATE.isoformat()}.")
    return day


def change_cursor(value: str) -> tuple[dt.date, str]:
    """The changes cursor: `<period end YYYY-MM-DD>/<customer_id>`, as returned in next_cursor."""
    if len(value) < 12 or value[10] != "/":
        raise InvalidParameter("cursor", "cursor must be a next_cursor value from an earlier answer.")
    return iso_date(value[:10], "cursor"), customer_id(value[11:], "cursor")
