"""A gateway that appends each message as one JSON line to a file, for staging and demos."""

from __future__ import annotations

import fcntl
import json
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from messaging.gateways.base import OutgoingSms, SendResult, SentRecord


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class FileGateway:
    """Appends ``{"id", "to", "body", "provider_id", "at"}`` lines to ``path``; thread-safe."""

    name = "file"

    def __init__(self, path: Path, *, clock: Callable[[], datetime] = utc_now):
        self.path = Path(path)
        self._clock = clock
        self._lock = threading.Lock()

    def send(self, sms: OutgoingSms) -> SendResult:
        """Append ``sms`` (full E.164 number: the file is the delivery) and return a unique FILE id."""
        provider_id = f"FILE{uuid.uuid4().hex}"
        line = json.dumps(self._record(sms, provider_id), ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Append mode and one write() per line (far below the 8 KB buffer): other processes
            # appending to the same file cannot interleave inside a line. The lock: see file_lock.
            with file_lock(self.path), self.path.open("a", encoding="utf-8") as file:
                file.write(line)
        return SendResult(provider_id=provider_id, status="sent")

    def find_sent(self, *, message_id: int, phone: str, body: str, since: datetime,
                  until: datetime) -> list[SentRecord] | None:
        """The lines written for this outbox message (the file is the delivery, so it can always answer)."""
        if not self.path.exists():
            return []
        with self._lock, self.path.open(encoding="utf-8", errors="replace") as file:
            lines = [_parse(line) for line in file]
        return [SentRecord(r["provider_id"], _instant(r.get("at")), "sent") for r in lines
                if r and (r.get("id"), r.get("to"), r.get("body")) == (message_id, phone, body) and r.get("provider_id")]

    def _record(self, sms: OutgoingSms, provider_id: str) -> dict:
        at = self._clock().astimezone(timezone.utc).isoformat(timespec="seconds")
        return {"id": sms.message_id, "to": sms.to, "body": sms.body, "provider_id": provider_id, "at": at}


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock between processes on ``path`` (a ``.lock`` file beside it), so an erasure's
    rewrite of the file (records.erasure_files) never loses a line another process appends meanwhile."""
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _parse(line: str) -> dict | None:
    try:
        record = json.loads(line)
    except ValueError:  # a line cut by a crash mid-write
        return None
    return record if isinstance(record, dict) else None


def _instant(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
