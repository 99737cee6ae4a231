"""Files jinli wrote that may hold an erased customer: the file gateway's output and import rejects files.

Each is rewritten without the person's lines, atomically (a new file beside it, then a rename), so a
crash leaves the old file or the new one, never half of one. Rejects files are found through the audit
trail: every import records the rejects file it wrote (``import.*`` entries); a rejects file moved or
written by a jinli older than this one is not known.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, select

from messaging.gateways.file import file_lock
from records import models
from records.traces import Traces

audit_t = models.AuditEntry.__table__


def clean_gateway_file(path: Path, phone_traces: Traces) -> int:
    """Remove the lines sent to the person from the file gateway's JSON lines; how many went."""
    if not path.is_file():
        return 0
    with file_lock(path):
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
        kept = [line for line in lines if not phone_traces.found_in(line)]
        if len(kept) != len(lines):
            _replace(path, "".join(kept).encode("utf-8"))
    return len(lines) - len(kept)


def rejects_files(conn: Connection) -> list[Path]:
    """The rejects files imports recorded in the audit trail that still exist."""
    a = audit_t.c
    found = set()
    for detail in conn.execute(select(a.detail).where(a.action.like("import.%"))).scalars():
        path = json.loads(detail or "{}").get("rejects")
        if path and Path(path).is_file():
            found.add(Path(path))
    return sorted(found)


def clean_rejects_file(path: Path, is_theirs: Callable[[list[str]], bool]) -> int | None:
    """Remove the person's rows from a CSV rejects file (its header kept); None if it is not CSV."""
    if path.suffix.lower() != ".csv":
        return None
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig", errors="replace"), newline="")))
    kept = rows[:1] + [row for row in rows[1:] if not is_theirs(row)]
    if len(kept) != len(rows):
        out = io.StringIO(newline="")
        csv.writer(out).writerows(kept)
        _replace(path, (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"))
    return len(rows) - len(kept)


def row_matcher(name: str, phone_traces: Traces) -> Callable[[list[str]], bool]:
    """A row is the person's when a cell holds their phone (any format) or is exactly their name."""
    def is_theirs(row: list[str]) -> bool:
        return any(phone_traces.found_in(cell) or cell.strip().lstrip("'") == name for cell in row)

    return is_theirs


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file beside ``path`` and rename it over ``path`` (same permissions)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
