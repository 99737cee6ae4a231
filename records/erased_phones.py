"""Erased customers' opted-out phones, kept only as keyed hashes, so a re-imported number stays opted out.

HMAC-SHA256 with the secret ``JINLI_ERASURE_KEY`` from the environment: without the key the table
cannot be read back into numbers, nor tested against a guess. Keep the key stable (a new key makes
the kept hashes match nothing).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime
from typing import Iterable

from sqlalchemy import Connection, func, select

from errors import ConfigError
from records import models

KEY_ENV = "JINLI_ERASURE_KEY"
SOURCE = "erasure"  # optout_events.source of an opt-out restored by this check
erased_t = models.ErasedPhone.__table__
customers_t = models.Customer.__table__


def erasure_key(purpose: str) -> bytes:
    """The secret key from the environment; ConfigError (one line, saying what needs it) without it."""
    key = os.environ.get(KEY_ENV, "")
    if not key:
        raise ConfigError(f"{KEY_ENV} is not set: {purpose} needs it (a secret of your choice, kept stable; "
                          "erased phones are kept only as keyed hashes)")
    return key.encode("utf-8")


def phone_digest(phone: str, key: bytes) -> str:
    """HMAC-SHA256 of an E.164 number, hex."""
    return hmac.new(key, phone.encode("utf-8"), hashlib.sha256).hexdigest()


def keep(conn: Connection, phone: str, key: bytes, now: datetime) -> None:
    """Remember an erased, opted-out number as its keyed hash (once)."""
    digest = phone_digest(phone, key)
    if conn.execute(select(erased_t.c.digest).where(erased_t.c.digest == digest)).first() is None:
        conn.execute(erased_t.insert().values(digest=digest, erased_at=now))


class ErasedCheck:
    """The check an import (or a walk-in) runs on the phones it adds: erased and opted out stays opted out."""

    def __init__(self, key: bytes | None):
        self.key = key

    @classmethod
    def load(cls, conn: Connection) -> "ErasedCheck":
        """A check that does nothing while no phone was ever erased; else it needs the key (ConfigError)."""
        if not conn.execute(select(func.count()).select_from(erased_t)).scalar():
            return cls(None)
        return cls(erasure_key("importing customers after an erasure"))

    def apply(self, conn: Connection, phones: Iterable[str], now: datetime) -> int:
        """Opt out every customer among ``phones`` whose number was erased while opted out; how many."""
        if self.key is None:
            return 0
        digests = {phone_digest(phone, self.key): phone for phone in phones}
        found = conn.execute(select(erased_t.c.digest).where(erased_t.c.digest.in_(sorted(digests)))).scalars().all()
        return _opt_out(conn, sorted(digests[d] for d in found), now)


def _opt_out(conn: Connection, phones: list[str], now: datetime) -> int:
    from messaging.optouts import opt_out  # messaging imports records: import on use

    c = customers_t.c
    rows = conn.execute(select(c.id, c.phone).where(c.phone.in_(phones), c.opted_out.is_(False))).all() if phones else []
    for row in rows:
        opt_out(conn, row.id, row.phone, SOURCE, now, "erased earlier while opted out")
    return len(rows)
