"""Where a customer's personal data is kept: one declared line per table, read by `jinli customers erase`.

Each table that can hold a person's name, phone, birthday or free text says which rows are that
person's (columns holding their customer id, or their phone) and what becomes of each personal column:
``replace`` sets a value (``PHONE``: the erased customer's placeholder, ``REDACTED``: non-empty free
text becomes ``[已删除]``), ``scrub`` cuts the person's name, phone (any format) and birthday out of
free text that must stay readable (reason codes, staff's audit reasons). A table holding no personal
data is named in NO_PERSONAL_DATA. tests/integration/test_customer_erase.py checks that every table of
the models is in one of the two, so a new table adds itself here with one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

ERASED_STATUS = "erased"  # customers.phone_status of an erased customer's tombstone: in no audience, no list
ERASED_NAME = "已删除"
ERASED_TEXT = "[已删除]"


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


PHONE = _Marker("PHONE")  # the erased customer's placeholder (``erased:ID``: unique, not a phone number)
REDACTED = _Marker("REDACTED")  # free text: ERASED_TEXT when it held anything, else left empty


@dataclass(frozen=True)
class Personal:
    """One table's personal columns and how to find one person's rows in it."""

    table: str
    by_customer: tuple[str, ...] = ()  # columns holding the person's customer id
    by_phone: tuple[str, ...] = ()  # columns holding the person's E.164 number
    replace: Mapping[str, Any] = field(default_factory=dict)
    scrub: tuple[str, ...] = ()
    everywhere: bool = False  # scrub every row (small tables of errors that may quote anyone)


_BIRTHDAY = {"birth_calendar": None, "birth_year": None, "birth_month": None, "birth_day": None, "birth_leap": False,
             "born_on": None, "birthday_key": None, "animal_sf": None, "animal_lc": None, "star_sign": None}

PERSONAL_DATA: tuple[Personal, ...] = (
    Personal("customers", by_customer=("id",),
             replace={"name": ERASED_NAME, "phone": PHONE, **_BIRTHDAY, "pinned_reason": REDACTED}),
    Personal("tier_history", by_customer=("customer_id",), replace={"note": REDACTED}),
    Personal("outbox", by_customer=("customer_id",), by_phone=("phone",),
             replace={"phone": PHONE, "body": ERASED_TEXT, "template_params": None}, scrub=("reason",)),
    Personal("optout_events", by_customer=("customer_id",), by_phone=("phone",), replace={"phone": PHONE, "detail": REDACTED}),
    Personal("inbound_messages", by_customer=("customer_id",), by_phone=("phone",), replace={"phone": PHONE, "body": ERASED_TEXT}),
    Personal("audit_trail", by_customer=("customer_id",), scrub=("reason", "detail")),
    Personal("campaign_holds", scrub=("reason",), everywhere=True),
    Personal("campaign_planning_errors", scrub=("error",), everywhere=True),
    Personal("campaign_pauses", scrub=("reason",), everywhere=True),  # staff's words: may name a customer
    Personal("points_ledger", by_customer=("customer_id",), scrub=("note",)),  # staff's reason for an adjustment
    Personal("referral_rewards", by_customer=("referrer_id", "referee_id"), scrub=("cancel_reason",)),
    Personal("unlinked_referrals", by_customer=("customer_id",), replace={"referrer_given": ERASED_TEXT}),
)

# Tables with no name, phone, birthday or free text about a person (ids, amounts, dates, codes, states).
NO_PERSONAL_DATA = frozenset({
    "holdings", "movements", "events", "invitations", "checkins", "referrals", "planning_runs", "erased_phones",
    "link_tokens",  # an unguessable token, its kind and ids
    "staff", "signin_failures",  # staff accounts and sign-in attempts: no customer's data
    "tier_changes", "trigger_scans", "loyalty_runs",  # tier letters and dates; watermarks; the daemon's claims
})
