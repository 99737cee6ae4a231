"""Staff accounts for the web pages: argon2id password hashes, a role (door|manager|admin) and stores.

Door staff see the events of their stores (and store-less, shop-wide events) at the door; managers
also see their stores' reports and customers under /manage; admins see everything. The shared
JINLI_STAFF_TOKEN signs in as an admin named ``*token*`` (a single-person shop needs no accounts).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, insert, select, update

from errors import InvalidValue, NotFound
from records import models

staff_t = models.StaffMember.__table__
ROLES = ("door", "manager", "admin")
TOKEN_NAME = "*token*"
MIN_PASSWORD = 8
_NAME = re.compile(r"[^\x00-\x1f\x7f*:/\\]{1,50}")
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("jinli-no-such-account")  # verified against for an unknown name: the same time either way


@dataclass(frozen=True)
class Staff:
    """Who is signed in: a name, a role and the stores they see (empty for admins: every store)."""

    name: str
    role: str
    stores: tuple[str, ...] = ()
    id: int | None = None

    @property
    def actor(self) -> str:
        """How the audit trail names them."""
        return f"staff:{self.name}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def can_manage(self) -> bool:
        return self.role in ("manager", "admin")

    def sees_event(self, store: str) -> bool:
        """An event of one of their stores, or a shop-wide event (no store); admins see all."""
        return self.is_admin or not store or store in self.stores

    def report_stores(self) -> tuple[str, ...] | None:
        """The stores their reports are limited to; None: every store."""
        return None if self.is_admin else self.stores


TOKEN_STAFF = Staff(TOKEN_NAME, "admin")


def check_name(name: str) -> str:
    """A staff name: 1 to 50 characters, no control characters, no * : / \\."""
    name = (name or "").strip()
    if not _NAME.fullmatch(name):
        raise InvalidValue(f"staff name {name!r}: 1 to 50 characters, without control characters or * : / \\")
    return name


def check_role(role: str, stores: tuple[str, ...]) -> None:
    if role not in ROLES:
        raise InvalidValue(f"role {role!r}: expected door, manager or admin")
    if role != "admin" and not stores:
        raise InvalidValue(f"a {role} sees only their stores: name at least one with --store (an admin sees every store)")


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(f"password: at least {MIN_PASSWORD} characters")
    return password


def add_staff(conn: Connection, name: str, role: str, stores: tuple[str, ...], password: str, now: datetime) -> int:
    """A new account; InvalidValue when the name is taken or a value is wrong."""
    name, stores = check_name(name), tuple(dict.fromkeys(s.strip() for s in stores if s.strip()))
    check_role(role, stores)
    if conn.execute(select(staff_t.c.id).where(staff_t.c.name == name)).first():
        raise InvalidValue(f"staff {name!r} already exists (change a password with `jinli staff passwd`)")
    values = dict(name=name, role=role, stores=json.dumps(list(stores), ensure_ascii=False),
                  password_hash=_hasher.hash(check_password(password)), disabled=False, created_at=now, updated_at=now)
    return conn.execute(insert(staff_t).values(values)).inserted_primary_key[0]


def set_password(conn: Connection, name: str, password: str, now: datetime) -> None:
    """A new password (signs the account out everywhere: sessions carry the hash's fingerprint)."""
    _row(conn, name)
    conn.execute(update(staff_t).where(staff_t.c.name == name)
                 .values(password_hash=_hasher.hash(check_password(password)), updated_at=now))


def set_disabled(conn: Connection, name: str, disabled: bool, now: datetime) -> None:
    _row(conn, name)
    conn.execute(update(staff_t).where(staff_t.c.name == name).values(disabled=disabled, updated_at=now))


def list_staff(conn: Connection) -> list[dict]:
    rows = conn.execute(select(staff_t).order_by(staff_t.c.name)).mappings()
    return [{"name": r["name"], "role": r["role"], "stores": _stores(r), "disabled": r["disabled"],
             "created_at": r["created_at"]} for r in rows]


def verify(conn: Connection, name: str, password: str) -> tuple[Staff, str] | None:
    """The account and its session fingerprint when the password is right and the account enabled; else None."""
    row = conn.execute(select(staff_t).where(staff_t.c.name == (name or "").strip())).mappings().first()
    try:
        _hasher.verify(row["password_hash"] if row else _DUMMY, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row["disabled"]:
        return None
    return staff_of(row), fingerprint(row["password_hash"])


def by_id(conn: Connection, staff_id: int) -> tuple[Staff, str] | None:
    """An enabled account and its fingerprint (a session checks both on every request)."""
    row = conn.execute(select(staff_t).where(staff_t.c.id == staff_id)).mappings().first()
    if row is None or row["disabled"]:
        return None
    return staff_of(row), fingerprint(row["password_hash"])


def fingerprint(secret: str) -> str:
    """A short digest of a password hash or token: a session made before a change of either is void."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


def staff_of(row) -> Staff:
    return Staff(row["name"], row["role"], tuple(_stores(row)), row["id"])


def _stores(row) -> list[str]:
    return json.loads(row["stores"] or "[]")


def _row(conn: Connection, name: str):
    row = conn.execute(select(staff_t).where(staff_t.c.name == name)).mappings().first()
    if row is None:
        raise NotFound(f"staff {name!r} not found (see `jinli staff list`)")
    return row
