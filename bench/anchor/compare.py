"""Are the anchor's rows jinli's rows? Column by column, streamed in phone order (bounded memory).

Ids differ (jinli groups a batch's inserts by their set of columns), so customers are matched by
phone and a referrer by its phone. Referral codes are random on both sides (jinli draws them with
``secrets``): they are compared by shape — every code 7 symbols of the alphabet, none repeated —
not by value.
"""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from itertools import zip_longest

from bench.anchor.customers import ALPHABET, CODE_LENGTH

CUSTOMER_COLUMNS = ("phone", "name", "store", "joined_on", "birth_calendar", "birth_year", "birth_month", "birth_day",
                    "birth_leap", "born_on", "birthday_key", "animal_sf", "animal_lc", "star_sign", "phone_status",
                    "opted_out", "tier", "tier_score", "gender", "created_at", "updated_at")
CUSTOMERS = (f"SELECT {', '.join('c.' + c for c in CUSTOMER_COLUMNS)}, r.phone AS referrer_phone "
             "FROM customers c LEFT JOIN customers r ON r.id = c.referrer_id ORDER BY c.phone")
REFERRALS = ("SELECT e.phone, r.phone, f.source, f.referred_on, f.converted_on, f.event_id, f.created_at "
             "FROM referrals f JOIN customers e ON e.id = f.referee_id JOIN customers r ON r.id = f.referrer_id "
             "ORDER BY e.phone")
REFERRAL_COLUMNS = ("referee", "referrer", "source", "referred_on", "converted_on", "event_id", "created_at")


@dataclass
class Comparison:
    customers: int = 0
    referrals: int = 0
    differences: Counter = field(default_factory=Counter)  # column -> rows that differ
    examples: list[str] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)  # side -> "ok" or what is wrong

    @property
    def same(self) -> bool:
        return not self.differences and all(v == "ok" for v in self.codes.values())

    def summary(self) -> str:
        if self.same:
            return (f"the anchor's rows equal jinli's, column by column: {self.customers:,} customers "
                    f"({len(CUSTOMER_COLUMNS) + 1} columns), {self.referrals:,} referrals; referral codes by shape and uniqueness")
        wrong = ", ".join(f"{c} ({n:,} rows)" for c, n in self.differences.most_common())
        codes = "; ".join(f"{side} codes: {v}" for side, v in self.codes.items() if v != "ok")
        return "ANCHOR ROWS DIFFER from jinli's: " + "; ".join(x for x in (wrong, codes, *self.examples[:3]) if x)


def compare(jinli_path: str, anchor_path: str) -> Comparison:
    """Compare customers (with their referrer's phone), referrals and the codes' shape of two databases."""
    result = Comparison()
    jinli, anchor = sqlite3.connect(jinli_path), sqlite3.connect(anchor_path)
    try:
        result.customers = _stream(jinli.execute(CUSTOMERS), anchor.execute(CUSTOMERS),
                                   (*CUSTOMER_COLUMNS, "referrer_phone"), result)
        result.referrals = _stream(jinli.execute(REFERRALS), anchor.execute(REFERRALS), REFERRAL_COLUMNS, result,
                                   prefix="referrals.")
        result.codes = {"jinli": _codes_shape(jinli), "anchor": _codes_shape(anchor)}
    finally:
        jinli.close()
        anchor.close()
    return result


def _stream(left, right, columns: tuple[str, ...], result: Comparison, prefix: str = "") -> int:
    rows = 0
    for a, b in zip_longest(left, right):
        rows += 1
        if a is None or b is None:
            result.differences[prefix + "row count"] += 1
            continue
        for column, x, y in zip(columns, a, b):
            if x != y:
                result.differences[prefix + column] += 1
                if len(result.examples) < 5:
                    result.examples.append(f"{prefix}{column}: jinli {x!r}, anchor {y!r} (key {a[0][:6]}…)")
    return rows


def _codes_shape(conn: sqlite3.Connection) -> str:
    pattern = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
    total = distinct = bad = 0
    for (code,) in conn.execute("SELECT referral_code FROM customers"):
        total += 1
        bad += pattern.fullmatch(code) is None
    distinct = conn.execute("SELECT count(DISTINCT referral_code) FROM customers").fetchone()[0]
    if bad:
        return f"{bad:,} codes are not {CODE_LENGTH} symbols of the alphabet"
    return "ok" if distinct == total else f"{total - distinct:,} repeated codes"
