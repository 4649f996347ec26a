"""`python -m api` (what `make api` runs): check the settings, then serve with uvicorn.

Unsafe or missing settings stop here with exit status 2 and a message naming
what to set, before any socket is opened."""

from __future__ import annotations

import sys

import uvicorn

from .settings import SettingsError, load_settings


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"rfm_lifecycle API not started: {error}", file=sys.stderr)
        return 2
    from .app import create_app

    app = create_app(settings)
    print(f"rfm_lifecycle API on http://{settings.host}:{settings.port} (OpenAPI: /openapi.json)", file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", server_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
