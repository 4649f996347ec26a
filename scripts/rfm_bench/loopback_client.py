"""A lean HTTP/1.1 client for the API load benchmark: GET over one kept-alive connection.

The load generator shares the machine's two cores with the server and the rebuild, so
its own CPU is taken from them: httpx's AsyncClient spent about 1.2 ms of CPU per
request here, more than the server spends on a cached customer answer. A CRM's
clients run elsewhere. This client does only what the benchmark needs (GET, a
Content-Length body, keep-alive) and fails loudly on anything else, so a response it
cannot read counts as an error, never as a fast answer.
"""
from __future__ import annotations

import asyncio
from urllib.parse import quote, urlencode


class ProtocolError(Exception):
    """The server's answer is not a plain HTTP/1.1 response with a Content-Length body."""


class LoopbackClient:
    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._fixed_headers = f"Host: {host}:{port}\r\n{extra}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> "LoopbackClient":
        return self

    async def __aexit__(self, *_exc) -> None:
        await self.close()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        self._reader = self._writer = None

    async def get(self, path: str, params: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        """(status, headers with lower-case names, body). Reconnects once if the kept connection was closed."""
        target = quote(path, safe="/") + (f"?{urlencode(params)}" if params else "")
        request = f"GET {target} HTTP/1.1\r\n{self._fixed_headers}\r\n".encode("utf-8")
        for attempt in (1, 2):
            fresh = self._writer is None
            if fresh:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                self._writer.write(request)
                head = await self._reader.readuntil(b"\r\n\r\n")
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if fresh or attempt == 2:
                    raise
                continue
            return await self._answer(head)
        raise AssertionError("unreachable")

    async def _answer(self, head: bytes) -> tuple[int, dict[str, str], bytes]:
        status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
        version, _, rest = status_line.partition(" ")
        if not version.startswith("HTTP/1.") or not rest[:3].isdigit():
            raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:80]!r}")
        headers = {}
        for line in header_lines:
            name, separator, value = line.partition(":")
            if not separator:
                raise ProtocolError(f"malformed header line: {line[:80]!r}")
            headers[name.strip().lower()] = value.strip()
        if "content-length" not in headers:
            raise ProtocolError("the answer has no Content-Length (chunked bodies are not read here)")
        body = await self._reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return int(rest[:3]), headers, body
