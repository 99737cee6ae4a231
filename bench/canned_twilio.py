"""A canned api.twilio.com on 127.0.0.1 that answers at once, in its own process, for the dispatch benchmark.

Every POST gets 201 and a Message shaped like Twilio's (a fresh SM sid each time), over HTTP/1.1
keep-alive with TCP_NODELAY. It is an asyncio protocol, not http.server: tens of thousands of
answers a second on one core, so the client under test is the limit, never the mock. It keeps the
arrival time of every POST so the benchmark can check a rate limit from the receiving end:

    GET /__stats -> {"requests": n, "first": t0, "last": tn, "busiest_second": k}   POST /__reset

Run: ``python -m bench.canned_twilio`` prints the port on its first line, then serves until killed.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token"
_BODY = "【金福金行】王芳您好，您的月月返产品本月收益已于6月18日发放，感谢您对金福金行的信任。"


def _message(number: int) -> bytes:
    sid = f"SM{number:032x}"
    return json.dumps({
        "account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "body": _BODY,
        "date_created": "Wed, 18 Jun 2025 01:00:00 +0000", "date_sent": None,
        "date_updated": "Wed, 18 Jun 2025 01:00:00 +0000", "direction": "outbound-api", "error_code": None,
        "error_message": None, "from": "+15005550006", "messaging_service_sid": None, "num_media": "0",
        "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
        "to": "+8613800000000", "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
    }, ensure_ascii=False).encode("utf-8")


class _State:
    def __init__(self) -> None:
        self.arrivals: list[float] = []

    def stats(self) -> bytes:
        a = self.arrivals
        busiest, start = 0, 0
        for end, t in enumerate(a):  # arrivals are in order: a sliding one-second window
            while t - a[start] > 1.0:
                start += 1
            busiest = max(busiest, end - start + 1)
        return json.dumps({"requests": len(a), "first": a[0] if a else None, "last": a[-1] if a else None,
                           "busiest_second": busiest}).encode()


class _Http(asyncio.Protocol):
    def __init__(self, state: _State):
        self.state, self.buffer, self.transport = state, b"", None

    def connection_made(self, transport) -> None:
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1")
            length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")[1:]
                           if line.lower().startswith("content-length:")), 0)
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length:]
            method, path = head.split(" ", 2)[:2]
            self._answer(method, path)

    def _answer(self, method: str, path: str) -> None:
        if path == "/__stats":
            status, payload = "200 OK", self.state.stats()
        elif path == "/__reset":
            self.state.arrivals.clear()
            status, payload = "200 OK", b"{}"
        elif method == "POST":
            self.state.arrivals.append(time.monotonic())
            status, payload = "201 CREATED", _message(len(self.state.arrivals))
        else:
            status, payload = "404 NOT FOUND", b'{"code": 20404, "message": "not found", "status": 404}'
        self.transport.write(f"HTTP/1.1 {status}\r\nContent-Type: application/json; charset=utf-8\r\n"
                             f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)


async def _serve() -> None:
    state = _State()
    server = await asyncio.get_running_loop().create_server(lambda: _Http(state), "127.0.0.1", 0, backlog=512)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()


class CannedTwilio:
    """The server in a child process (killed with its parent); ``base_url`` to point a client at it."""

    def __init__(self) -> None:
        root = Path(__file__).resolve().parents[1]
        self.process = subprocess.Popen([sys.executable, "-m", "bench.canned_twilio"], cwd=root, stdout=subprocess.PIPE,
                                        stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        port = int(self.process.stdout.readline())
        self.base_url = f"http://127.0.0.1:{port}"

    def _call(self, method: str, path: str) -> dict:
        request = urllib.request.Request(self.base_url + path, method=method, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def reset(self) -> None:
        self._call("POST", "/__reset")

    def stats(self) -> dict:
        return self._call("GET", "/__stats")

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> "CannedTwilio":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the benchmark dies, however it dies (Linux prctl)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


if __name__ == "__main__":
    try:
        asyncio.run(_serve())
    except KeyboardInterrupt:
        pass
