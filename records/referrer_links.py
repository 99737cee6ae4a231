"""Referrer links named in the customers file: resolved when both people exist, refused when unsound.

A referrer is named by phone, by referral code, or by name when exactly one customer has that name
(a name shared by several customers links nobody, and the row says so).

A row may name a referrer that appears later in the file, so unresolved names wait for the end.
A link that cannot be made (unknown referrer, self-referral, a cycle, a different existing referrer)
keeps the customer and reports the row as a warning in the rejects file. Links are resolved a batch
at a time with a few IN queries and written with one UPDATE (executemany on SQLite); only a referee who already refers
others needs the walk up the chain that rules out a cycle.

A new customer whose referrer is already in the table gets ``referrer_id`` in its INSERT (``link_at_insert``)
when the batch's own rows cannot change that link; its referrals row is written with the batch's other links,
in the same order as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

from sqlalchemy import Connection, select

from records import models
from records.bulk import among, bulk_inserter, update_by_id
from records.codes import normalise_code
from records.reasons import say, warning
from records.sheets import ImportSummary, Row
from domain.phone import mask, try_parse_mobile

customers_t = models.Customer.__table__
referrals_t = models.Referral.__table__
MAX_CHAIN = 10_000


@dataclass
class _Pending:
    phone: str
    referrer: str
    row: Row
    referrer_id: int | None = None  # set when the link went into the referee's INSERT


class PendingReferrers:
    def __init__(self, conn: Connection, region: str, today: date, now: datetime, language: str = "zh"):
        self.conn, self.region, self.today, self.now = conn, region, today, now
        self.language = language  # of the warnings written to the rejects file
        self.batch: list[_Pending] = []
        self.waiting: list[_Pending] = []
        # Runs a batch's link writes while the caller parses its next batch (it waits before its next read).
        self.later: Callable[..., None] | None = None

    def add(self, phone: str, referrer: str | None, row: Row) -> None:
        if referrer:
            self.batch.append(_Pending(phone, referrer, row))

    def link_at_insert(self, rows: list[dict]) -> None:
        """Set ``referrer_id`` on each new row (codes drawn, not yet inserted) whose link ``resolve_known``
        would make to a customer already in the table, the same way, whatever this batch inserts."""
        new = {row["phone"]: row for row in rows}
        texts = {item.referrer for item in self.batch if item.phone in new}
        if not texts:
            return
        phones = readings({item.referrer for item in self.batch}, self.region)
        found = _Linker(self)._referrers({text: phones[text] for text in texts})
        settled = _Settled(rows)
        named = _Named()
        for item in self.batch:
            row = new.get(item.phone)
            referrer = found.get(item.referrer) if row else None
            if _linkable(referrer) and not named.names(row) and settled.keeps(item.referrer, phones, referrer):
                row["referrer_id"] = item.referrer_id = referrer.id
            named.add(item.referrer, phones[item.referrer])

    def resolve_known(self, rejects, summary: ImportSummary) -> None:
        """Link this batch's rows whose referrer exists now; keep the others for the end of the file."""
        self.waiting += _Linker(self).link(self.batch, rejects, summary)
        self.batch = []

    def resolve_remaining(self, rejects, summary: ImportSummary) -> None:
        for item in _Linker(self).link(self.waiting, rejects, summary):
            english = f"referrer {item.referrer!r} not found; customer imported without referrer"
            found = say(self.language, "warn_referrer_not_found", english, referrer=item.referrer)
            rejects.add(item.row.number, warning(self.language, found), item.row.raw)
            summary.warnings += 1
        self.waiting = []


class _Linker:
    """One round of linking: bulk look-ups, decisions in memory, then bulk writes."""

    def __init__(self, owner: PendingReferrers):
        self.owner, self.conn = owner, owner.conn
        self.updates: list[tuple[int, int]] = []  # (referee id, referrer id)
        self.referrals: list[tuple] = []  # (referrer id, referee id, referred on)

    def link(self, items: list[_Pending], rejects, summary: ImportSummary) -> list[_Pending]:
        """Make the links it can; returns the items whose referrer does not exist (yet)."""
        if not items:
            return []
        texts = {item.referrer for item in items if item.referrer_id is None}
        referrers = self._referrers(readings(texts, self.owner.region))
        referees = self._referees({item.phone for item in items})
        self.parents = self._parents({row["id"] for row in referees.values()})
        unknown = []
        for item in items:
            if item.referrer_id is not None:
                self._linked_at_insert(referees[item.phone], item.referrer_id)
                continue
            referrer = referrers.get(item.referrer)
            if referrer is None:
                unknown.append(item)
                continue
            problem = referrer if isinstance(referrer, str) else self._decide(referees[item.phone], referrer)
            if problem:
                said = self._say("warn_without_referrer", f"{problem}; customer imported without this referrer", problem=problem)
                rejects.add(item.row.number, warning(self.owner.language, said), item.row.raw)
                summary.warnings += 1
        self._flush(later=True)  # nothing reads them before the owner's next batch, which waits for them
        return unknown

    def _referrers(self, phones: dict[str, str | None]) -> dict[str, object]:
        """Each text's referrer row, or why a name links nobody; ``phones``: each text's reading (``readings``)."""
        codes = {text: normalise_code(text) for text, phone in phones.items() if phone is None}
        c = customers_t.c
        by_phone = {r.phone: r for r in self._rows(c.phone, {p for p in phones.values() if p})}
        by_code = {r.referral_code: r for r in self._rows(c.referral_code, set(codes.values()))}
        found = {text: by_phone.get(phone) for text, phone in phones.items() if phone}
        found.update({text: by_code.get(code) for text, code in codes.items()})
        found.update(self._by_name({text for text in codes if found.get(text) is None}))
        return {text: row for text, row in found.items() if row is not None}

    def _by_name(self, names: set[str]) -> dict[str, object]:
        """Each name held by exactly one customer -> that customer; a shared name -> why it links nobody."""
        c = customers_t.c
        rows = self.conn.execute(select(c.id, c.phone, c.referral_code, c.name).where(among(self.conn, c.name, sorted(names)))).all() if names else []
        holders: dict[str, list] = {}
        for row in rows:
            holders.setdefault(row.name, []).append(row)
        return {name: found[0] if len(found) == 1 else self._say(
                    "warn_referrer_ambiguous", f"referrer {name!r} is the name of {len(found)} customers: give the "
                    "referrer's phone or referral code", referrer=name, count=len(found))
                for name, found in holders.items()}

    def _say(self, key: str, english: str, **values) -> str:
        return say(self.owner.language, key, english, **values)

    def _rows(self, column, values: set[str]):
        if not values:
            return []
        c = customers_t.c
        return self.conn.execute(select(c.id, c.phone, c.referral_code).where(among(self.conn, column, sorted(values)))).all()

    def _referees(self, phones: set[str]) -> dict[str, dict]:
        c = customers_t.c
        rows = self.conn.execute(select(c.id, c.phone, c.referrer_id, c.joined_on).where(among(self.conn, c.phone, sorted(phones))))
        return {row.phone: dict(row._mapping) for row in rows}

    def _parents(self, ids: set[int]) -> set[int]:
        """Which of ``ids`` already refer somebody (only they can close a cycle)."""
        c = customers_t.c
        return set(self.conn.execute(select(c.referrer_id).where(among(self.conn, c.referrer_id, sorted(ids))).distinct()).scalars())

    def _decide(self, referee: dict, referrer) -> str | None:
        """Queue the link, or say in words why it cannot be made."""
        if referee["id"] == referrer.id:
            return self._say("warn_referrer_self", "a customer cannot refer themself")
        if referee["referrer_id"] == referrer.id:
            return None
        if referee["referrer_id"] is not None:
            return self._say("warn_referrer_kept", f"already referred by customer {referee['referrer_id']}, kept",
                             id=referee["referrer_id"])
        if referee["id"] in self.parents:
            self._flush()  # the walk reads the database: links queued so far must be in it
            if creates_cycle(self.conn, referrer.id, referee["id"]):
                return self._say("warn_referrer_cycle", f"referrer {mask(referrer.phone)} was themself referred "
                                 "(directly or not) by this customer", phone=mask(referrer.phone))
        referee["referrer_id"] = referrer.id
        self.parents.add(referrer.id)
        self.updates.append((referee["id"], referrer.id))
        self.referrals.append((referrer.id, referee["id"], referee["joined_on"] or self.owner.today))
        return None

    def _linked_at_insert(self, referee: dict, referrer_id: int) -> None:
        """A link made in the referee's INSERT: only its referrals row, queued where ``_decide`` would queue it."""
        self.parents.add(referrer_id)
        self.referrals.append((referrer_id, referee["id"], referee["joined_on"] or self.owner.today))

    def _flush(self, later: bool = False) -> None:
        """Write the links queued so far; ``later``: through the owner's ``later`` when it has one."""
        if self.updates or self.referrals:
            write = self.owner.later if later and self.owner.later else _call
            write(_write_links, self.conn, self.owner.now, self.updates, self.referrals)
        self.updates, self.referrals = [], []


def _call(fn, *args) -> None:
    fn(*args)


def _write_links(conn: Connection, now: datetime, updates: list[tuple[int, int]], referrals: list[tuple]) -> None:
    """Each referee's referrer_id (those not set at INSERT), and the referrals rows."""
    if updates:
        update_by_id(conn, customers_t.c.referrer_id, updates)
    with bulk_inserter(conn, referrals_t, {"source": "import", "created_at": now},
                       ("referrer_id", "referee_id", "referred_on"), ignore_conflicts=False) as inserter:
        for row in referrals:
            inserter.add(row)


def readings(texts: set[str], region: str) -> dict[str, str | None]:
    """Each referrer text's phone number, or None when it names a referral code or a name."""
    return {text: try_parse_mobile(text, region) for text in texts}


def _linkable(referrer) -> bool:
    """A customer row found (not a reason why a name links nobody, not nothing)."""
    return referrer is not None and not isinstance(referrer, str)


class _Settled:
    """What a batch's new rows (codes drawn) can change in a referrer look-up made before they are inserted."""

    def __init__(self, rows: list[dict]):
        self.codes = {row["referral_code"] for row in rows}
        self.names = {row["name"] for row in rows}

    def keeps(self, text: str, phones: dict[str, str | None], referrer) -> bool:
        """Whether ``text`` finds ``referrer`` after the insert too. A phone or a code stays its holder's
        (the batch's codes are refused or drawn unlike any in the table); a name is looked up only when no
        code matches, and then must stay one customer's."""
        if phones[text] is not None or referrer.referral_code == normalise_code(text):
            return True
        return normalise_code(text) not in self.codes and text not in self.names


class _Named:
    """Who the referrer texts of a batch's earlier rows could name: a row named so may be someone's referrer
    before its own link is decided, which brings in the cycle check (its link then waits, as before)."""

    def __init__(self) -> None:
        self.phones: set[str] = set()
        self.codes: set[str] = set()
        self.texts: set[str] = set()

    def add(self, text: str, phone: str | None) -> None:
        if phone is not None:
            self.phones.add(phone)
        else:
            self.codes.add(normalise_code(text))
            self.texts.add(text)

    def names(self, row: dict | None) -> bool:
        return row is not None and (row["phone"] in self.phones or row["referral_code"] in self.codes
                                    or row["name"] in self.texts)


def creates_cycle(conn: Connection, referrer_id: int, referee_id: int) -> bool:
    """Whether linking referrer → referee would close a loop (the referee is up the referrer's chain)."""
    has_referees = conn.execute(select(customers_t.c.id).where(customers_t.c.referrer_id == referee_id).limit(1)).first()
    if not has_referees:
        return False
    current, steps = referrer_id, 0
    while current is not None and steps < MAX_CHAIN:
        if current == referee_id:
            return True
        current = conn.execute(select(customers_t.c.referrer_id).where(customers_t.c.id == current)).scalar()
        steps += 1
    return False
