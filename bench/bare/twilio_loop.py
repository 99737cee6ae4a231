"""The dispatch baseline: a thread pool calling ``messages.create`` on the real twilio client. Nothing else.

One Client (hence one keep-alive requests.Session) per thread, as jinli's gateway keeps, pointed at
the same local endpoint by setting the API domain's base URL. No database, no rate limit, no outbox.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from twilio.rest import Client


def send_all(base_url: str, account_sid: str, auth_token: str, from_number: str, messages: list[tuple[str, str]],
             workers: int) -> tuple[float, int]:
    """Send every (to, body) through ``workers`` threads; returns (seconds, messages accepted)."""
    local = threading.local()

    def client() -> Client:
        found = getattr(local, "client", None)
        if found is None:
            found = local.client = Client(account_sid, auth_token)
            found.api.base_url = base_url
        return found

    def send(message: tuple[str, str]) -> bool:
        to, body = message
        return bool(client().messages.create(to=to, from_=from_number, body=body).sid)

    with ThreadPoolExecutor(workers, thread_name_prefix="bare-send") as pool:
        started = time.perf_counter()
        sent = sum(pool.map(send, messages))
        return time.perf_counter() - started, sent
