"""The loopback HTTP server the Aliyun and Tencent mocks share: one thread, 127.0.0.1, a record of requests."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Received:
    """One request as the mock saw it: lower-case header names, the raw query string and body."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    content_type: str = "application/json"


class ProviderMock:
    """Serves ``handle(Received) -> Answer`` on 127.0.0.1 in a daemon thread until ``close()``."""

    def __init__(self):
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), name=type(self).__name__, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        """host:port, as the SDKs' endpoint setting takes it."""
        return f"127.0.0.1:{self.server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: Received) -> Answer:  # pragma: no cover - each mock overrides it
        raise NotImplementedError

    @staticmethod
    def push(url: str, payload) -> tuple[int, dict | str]:
        """POST ``payload`` as JSON to ``url``, as the provider pushes receipts and replies (unsigned); (status, answer)."""
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, text = response.status, response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        try:
            return status, json.loads(text)
        except ValueError:
            return status, text


def request_id() -> str:
    return str(uuid.uuid4()).upper()


def _handler(mock: ProviderMock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self._serve()

        def do_GET(self) -> None:  # noqa: N802
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            parts = urlsplit(self.path)
            received = Received(self.command, parts.path or "/", parts.query,
                                {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            answer = mock.handle(received)
            payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format, *args) -> None:  # noqa: A002 - keep the test output clean
            pass

    return Handler
