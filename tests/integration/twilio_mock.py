"""Offline stand-ins for api.twilio.com: Prism serving Twilio's OpenAPI spec, behind a recording
proxy, and a canned server that answers whatever a test tells it to.

Prism checks requests against Twilio's contract (required fields, formats, basic auth) but not
what matters to us (From, Body), so the proxy records every request for tests to assert on.
The tools come from .ci/twilio-mock-setup.sh (into the git-ignored .ci/cache/).
"""

from __future__ import annotations

import atexit
import base64
import ctypes
import http.client
import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".ci" / "cache"
SPEC = CACHE / "twilio_api_v2010.json"
PRISM = CACHE / "node_modules" / "@stoplight" / "prism-cli" / "dist" / "index.js"
SETUP = ".ci/twilio-mock-setup.sh"

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2  # the spec insists on AC + 32 hex digits
AUTH_TOKEN = "test-auth-token"
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def missing_tools() -> str | None:
    """Why the Prism mock cannot start here (with the fix), or None when it can."""
    missing = [str(p.relative_to(ROOT)) for p in (SPEC, PRISM) if not p.exists()]
    if shutil.which("node") is None:
        missing.append("node on PATH")
    if not missing:
        return None
    return f"Twilio mock tools missing ({', '.join(missing)}): run {SETUP} (needs node, npm and the npm registry)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class ReceivedRequest:
    """One request as the mock received it; header names are lower-case, form values decoded."""

    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    status: int

    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(encoded).decode("utf-8").partition(":")
        return user, password


# --- a recording reverse proxy ------------------------------------------------------------------

class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str):
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = urlsplit(upstream)
        self.received: list[ReceivedRequest] = []
        self.lock = threading.Lock()


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as api.twilio.com does
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK and every answer takes 40 ms.
    disable_nagle_algorithm = True
    server: _Recorder

    def do_GET(self):
        self._forward()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

    def _forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, answer = self._upstream(body)
        with self.server.lock:
            self.server.received.append(_received(self, body, status))
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def _upstream(self, body: bytes):
        connection = http.client.HTTPConnection(self.server.upstream.hostname, self.server.upstream.port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def log_message(self, format, *args):  # noqa: A002 - keep test output clean
        pass


def _received(handler: BaseHTTPRequestHandler, body: bytes, status: int) -> ReceivedRequest:
    return ReceivedRequest(
        method=handler.command,
        path=handler.path,
        headers={k.lower(): v for k, v in handler.headers.items()},
        form=dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)),
        status=status,
    )


# --- Prism --------------------------------------------------------------------------------------

def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when pytest dies, even by SIGKILL (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def start_prism(port: int, log: Path) -> subprocess.Popen:
    command = ["node", str(PRISM), "mock", str(SPEC), "--host", "127.0.0.1", "--port", str(port),
               "--multiprocess", "false", "-v", "warn"]
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=CACHE,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )


def wait_until_serving(process: subprocess.Popen, port: int, log: Path, timeout: float = 60.0) -> None:
    """Return once the server answers HTTP on ``port``; raise with its log if it dies or hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Prism exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Prism not serving on port {port} after {timeout:.0f} s:\n{log.read_text(errors='replace')}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class TwilioMock:
    """Prism on a free loopback port behind a recording proxy; ``base_url`` is the proxy's."""

    def __init__(self, log: Path):
        port = free_port()
        started = time.monotonic()
        self.process = start_prism(port, log)
        atexit.register(stop, self.process)  # in case the fixture's teardown never runs
        try:
            wait_until_serving(self.process, port, log)
        except BaseException:
            stop(self.process)
            raise
        self.startup_seconds = time.monotonic() - started
        self.prism_url = f"http://127.0.0.1:{port}"
        self._proxy = _Recorder(self.prism_url)
        threading.Thread(target=self._proxy.serve_forever, args=(0.05,), name="twilio-mock-proxy", daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._proxy.server_address[1]}"

    @property
    def received(self) -> list[ReceivedRequest]:
        """Every request since the last ``clear()``, in arrival order."""
        with self._proxy.lock:
            return list(self._proxy.received)

    def clear(self) -> None:
        with self._proxy.lock:
            self._proxy.received.clear()

    def close(self) -> None:
        self._proxy.shutdown()
        self._proxy.server_close()
        stop(self.process)


# --- a canned Twilio ----------------------------------------------------------------------------

@dataclass(frozen=True)
class CannedAnswer:
    """What the canned server answers: status, body (a dict is sent as JSON), after a delay."""

    status: int = 201
    body: dict | str | None = None
    delay: float = 0.0


def twilio_error(code: int, status: int = 400, message: str = "error") -> CannedAnswer:
    """An answer shaped like Twilio's legacy errors: {"code", "message", "more_info", "status"}."""
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return CannedAnswer(status, body)


class _Canned(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _CannedHandler)
        self.answer = CannedAnswer()
        self.count = 0
        self.lock = threading.Lock()


class _CannedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # see _ProxyHandler
    server: _Canned

    def do_POST(self):
        form = dict(parse_qsl(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")))
        with self.server.lock:
            self.server.count += 1
            answer, number = self.server.answer, self.server.count
        time.sleep(answer.delay)
        body = answer.body if answer.body is not None else _message(number, form)
        payload = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format, *args):  # noqa: A002
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass


def _message(number: int, form: dict[str, str]) -> dict:
    return {"sid": f"SM{number:032x}", "status": "queued", "to": form.get("To"), "body": form.get("Body")}


class CannedTwilio:
    """A loopback HTTP server that answers every POST with ``answer`` (201 + a Message by default)."""

    def __init__(self):
        self._server = _Canned()
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="canned-twilio", daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, answer: CannedAnswer) -> None:
        self._server.answer = answer

    @property
    def requests(self) -> int:
        return self._server.count

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
