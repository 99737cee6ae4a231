"""A loopback HTTP server shaped like Twilio's create-message endpoint that records every request.

Used by the multi-process daemon tests: each received (To, Body) is kept, so a test can tell that
every message arrived exactly once; ``hang_first`` makes the first request wait (a send in flight).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float, hang_first: float):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay, self.hang_first = delay, hang_first
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self):
        form = dict(parse_qsl(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")))
        with self.server.lock:
            self.server.received.append((form.get("To", ""), form.get("Body", "")))
            number = len(self.server.received)
        if number == 1 and self.server.hang_first:
            self.server.release.wait(self.server.hang_first)
        elif self.server.delay:
            self.server.release.wait(self.server.delay)
        payload = json.dumps({"sid": f"SM{number:032x}", "status": "queued"}).encode()
        try:
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format, *args):  # noqa: A002
        pass


class CountingTwilio:
    def __init__(self, delay: float = 0.0, hang_first: float = 0.0):
        self._server = _Server(delay, hang_first)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def received(self) -> list[tuple[str, str]]:
        with self._server.lock:
            return list(self._server.received)

    def close(self) -> None:
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()
