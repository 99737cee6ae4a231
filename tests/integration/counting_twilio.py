"""A loopback HTTP server shaped like Twilio's Messages API that counts what it accepts and lists it back.

Used by the multi-process daemon tests: each accepted message (To, Body) is kept, so a test can tell that
every message arrived exactly once; ``hang_first`` makes the first request wait (a send in flight) and
``slow()`` makes every answer wait. A GET of Messages.json answers the reconciler's list query (To, From,
``DateSent>`` / ``DateSent<`` by UTC day) with what the server really accepted, as Twilio's list does.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date, datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, delay: float, hang_first: float):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.delay, self.hang_first = delay, hang_first
        self.accepted: list[dict] = []
        self.lists = 0
        self.lock = threading.Lock()
        self.release = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self):
        form = dict(parse_qsl(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")))
        with self.server.lock:  # counted on arrival: Twilio has the message once the request is in
            number = len(self.server.accepted) + 1
            message = _message(number, form, datetime.now(timezone.utc))
            self.server.accepted.append(message)
        if number == 1 and self.server.hang_first:
            self.server.release.wait(self.server.hang_first)
        elif self.server.delay:
            self.server.release.wait(self.server.delay)
        self._answer(201, {**message, "status": "queued", "date_sent": None})

    def do_GET(self):
        query = dict(parse_qsl(urlsplit(self.path).query))
        with self.server.lock:
            self.server.lists += 1
            listed = [m for m in self.server.accepted if _wanted(m, query)]
        self._answer(200, {"messages": listed, "next_page_uri": None, "page": 0, "page_size": len(listed),
                           "uri": urlsplit(self.path).path})

    def _answer(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format, *args):  # noqa: A002
        pass


def _message(number: int, form: dict[str, str], at: datetime) -> dict:
    return {"sid": f"SM{number:032x}", "to": form.get("To", ""), "from": form.get("From"), "body": form.get("Body", ""),
            "messaging_service_sid": form.get("MessagingServiceSid"), "status": "sent",
            "date_created": format_datetime(at, usegmt=True), "date_sent": format_datetime(at, usegmt=True),
            "_day": at.date().isoformat()}


def _wanted(message: dict, query: dict[str, str]) -> bool:
    """Twilio's list filters: To and From exactly, DateSent>= and DateSent<= by UTC day."""
    day = date.fromisoformat(message["_day"])
    after, before = query.get("DateSent>"), query.get("DateSent<")
    return (message["to"] == query.get("To", message["to"]) and message["from"] == query.get("From", message["from"])
            and (not after or day >= date.fromisoformat(after[:10])) and (not before or day <= date.fromisoformat(before[:10])))


class CountingTwilio:
    def __init__(self, delay: float = 0.0, hang_first: float = 0.0):
        self._server = _Server(delay, hang_first)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def received(self) -> list[tuple[str, str]]:
        """(To, Body) of every message accepted, in arrival order."""
        with self._server.lock:
            return [(m["to"], m["body"]) for m in self._server.accepted]

    @property
    def accepted(self) -> Counter:
        """How many times each (To, Body) was accepted."""
        return Counter(self.received)

    @property
    def list_queries(self) -> int:
        with self._server.lock:
            return self._server.lists

    def slow(self, seconds: float) -> None:
        """Answer every later send after ``seconds`` (the messages still count on arrival)."""
        self._server.delay = seconds

    def close(self) -> None:
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()
