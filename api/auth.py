"""Bearer-token check for every request except /health.

An ASGI middleware rather than a route dependency: it runs before routing and
parameter validation, so a caller without the token learns nothing (not even
which parameters are wrong or which paths exist) and /openapi.json is covered
too. The token is compared in constant time (hmac.compare_digest)."""

from __future__ import annotations

import hmac
import json

from .settings import Settings, is_loopback

OPEN_PATHS = frozenset({"/health"})


def _json_response(status: int, message: str, extra_headers: list[tuple[bytes, bytes]] | None = None):
    body = json.dumps({"detail": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return status, headers + (extra_headers or []), body


def token_matches(header: str | None, token: str) -> bool:
    """True when the Authorization header is `Bearer <token>`; constant time in the token."""
    if not header:
        return False
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), token.encode())


class BearerAuthMiddleware:
    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if not self.settings.auth_enabled:
            # Started some other way than `python -m api` (e.g. uvicorn --host 0.0.0.0):
            # with auth off, answer only when the listening socket is a loopback one.
            server = scope.get("server") or (None, None)
            if not is_loopback(server[0]):
                await self._send(send, *_json_response(
                    403, "RFM_API_AUTH=off is only allowed on 127.0.0.1; set RFM_API_TOKEN or listen on loopback."))
                return
            await self.app(scope, receive, send)
            return
        header = None
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                header = value.decode("latin-1")
                break
        if not token_matches(header, self.settings.token or ""):
            await self._send(send, *_json_response(
                401, "Missing or wrong bearer token (Authorization: Bearer <RFM_API_TOKEN>).",
                [(b"www-authenticate", b'Bearer realm="rfm_lifecycle"')]))
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _send(send, status: int, headers, body: bytes) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
