"""The tables jinli keeps. Only what must persist lives here; definitions (campaigns) are values.

Money is stored in fen (CNY cents) as integers: exact, and the same in SQLite and PostgreSQL.
Instants (``*_at``) are aware and stored in UTC; dates (``*_on``) are calendar dates.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import BigInteger, Column, Index, UniqueConstraint, extract, text
from sqlmodel import Field, SQLModel

from records.types import UTCDateTime


def _at(nullable: bool = True, index: bool = False):
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_birthday_key", "birthday_key"),
        Index("ix_customers_lucky", "animal_sf", "star_sign"),
        Index("ix_customers_lucky_lichun", "animal_lc", "star_sign"),
        # No index on tier, and half-empty pages on PostgreSQL: the daily recompute rewrites every row's
        # tier_as_of, and a new row version that changes no indexed column and fits on its page is a
        # HOT update, no entry in any index (migration 0013; README, Benchmarks).
        {"postgresql_with": {"fillfactor": 45}},
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    phone: str = Field(unique=True, max_length=20)  # E.164
    phone_status: str = Field(default="ok", max_length=10)  # ok | invalid (a gateway said so)
    store: str = Field(default="", max_length=100)
    gender: Optional[str] = Field(default=None, max_length=1)  # M | F, None when unknown (0006)
    joined_on: Optional[date] = None
    # Birthday as the customer celebrates it: the calendar, the birth date in that calendar
    # (lunar: month may be a leap month), and the solar date of birth.
    birth_calendar: Optional[str] = Field(default=None, max_length=5)  # solar | lunar
    birth_year: Optional[int] = None
    birth_month: Optional[int] = None
    birth_day: Optional[int] = None
    birth_leap: bool = False
    born_on: Optional[date] = None
    # Derived, indexed for set-based audiences: see domain.birthdays.birthday_key.
    birthday_key: Optional[int] = None
    animal_sf: Optional[int] = None  # earthly branch of the birth year, Spring Festival boundary
    animal_lc: Optional[int] = None  # same with the 立春 boundary
    star_sign: Optional[int] = None  # 0=白羊 ... 11=双鱼, of the solar date of birth
    referrer_id: Optional[int] = Field(default=None, foreign_key="customers.id", index=True)
    referral_code: str = Field(unique=True, max_length=16)
    opted_out: bool = False
    opted_out_at: Optional[datetime] = _at()
    tier: str = Field(default="P", max_length=1)
    tier_score: int = 0
    tier_as_of: Optional[date] = None
    pinned_tier: Optional[str] = Field(default=None, max_length=1)
    pinned_reason: Optional[str] = None
    pinned_at: Optional[datetime] = _at()
    created_at: Optional[datetime] = _at()
    updated_at: Optional[datetime] = _at()


class Holding(SQLModel, table=True):
    __tablename__ = "holdings"

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, max_length=64)  # the shop's contract number
    customer_id: int = Field(foreign_key="customers.id", index=True)
    product: str = Field(default="", max_length=100)
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    term: str = Field(max_length=8)
    term_days: int  # nominal length, for "longest term" comparisons
    start_on: date
    maturity_on: date = Field(index=True)
    monthly_return: bool = False
    created_at: Optional[datetime] = _at()
    updated_at: Optional[datetime] = _at()


def _monthly_return_index() -> Index:
    """Whose 月月返 holding pays out on a day: by the start date's day of the month (an expression index,
    partial to monthly-return holdings, covering what the notice reads; migration 0002)."""
    h = Holding.__table__.c
    return Index("ix_holdings_monthly_return_day", extract("day", h.start_on), h.customer_id, h.maturity_on, h.start_on,
                 h.amount_fen, h.term, sqlite_where=h.monthly_return.is_(True), postgresql_where=h.monthly_return.is_(True))


MONTHLY_RETURN_INDEX = _monthly_return_index()


class Movement(SQLModel, table=True):
    """A money movement on a holding: deposit 入金, top_up 加金, renewal 续金, withdrawal 出金."""

    __tablename__ = "movements"
    __table_args__ = (Index("ix_movements_customer_kind_on", "customer_id", "kind", "on"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, max_length=64)  # the shop's transaction number
    holding_id: int = Field(foreign_key="holdings.id", index=True)
    customer_id: int = Field(foreign_key="customers.id")
    kind: str = Field(max_length=10)
    on: date
    amount_fen: int = Field(sa_column=Column(BigInteger, nullable=False))
    created_at: Optional[datetime] = _at()


class TierChange(SQLModel, table=True):
    """Tier history: the tier a customer had from ``as_of`` on, and why (the score breakdown)."""

    __tablename__ = "tier_history"
    __table_args__ = (Index("ix_tier_history_customer_as_of", "customer_id", "as_of"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    # No foreign key (migration 0014): rows are written joined to customers, who are never deleted,
    # and on PostgreSQL the key's check cost more than half of writing the first run's million rows.
    customer_id: int
    as_of: date
    tier: str = Field(max_length=1)
    score: int
    reason: str = Field(default="recompute", max_length=20)  # recompute | pin | unpin
    note: str = ""  # the staff's reason for a pin
    # The breakdown: each indicator's measured value and the points it gave.
    deposit_fen: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    longest_term_days: int = 0
    renewals: int = 0
    topups: int = 0
    referrals: int = 0
    events: int = 0
    withdrawals: int = 0
    deposit_points: int = 0
    term_points: int = 0
    renewals_points: int = 0
    topups_points: int = 0
    referrals_points: int = 0
    events_points: int = 0
    withdrawals_points: int = 0
    points: int = 0  # the loyalty points balance (0008)
    points_points: int = 0
    recorded_at: Optional[datetime] = _at()


class Event(SQLModel, table=True):
    """A salon occurrence or a birthday banquet: something people can be invited to and attend."""

    __tablename__ = "events"

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)  # campaign · occurrence · salon
    campaign_id: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=20)  # salon | banquet | event (a staff-made event)
    title: str = ""
    slogan: str = ""
    term: str = ""
    venue: str = ""
    # The store holding it (0011): the campaign audience's one store, else "" (every store's staff see it).
    store: str = Field(default="", max_length=100, index=True)
    capacity: int = 0
    starts_at: Optional[datetime] = _at(index=True)
    created_at: Optional[datetime] = _at()
    # scheduled | cancelled (`jinli events cancel`: nothing more is planned for it; 0006)
    state: str = Field(default="scheduled", max_length=12, sa_column_kwargs={"server_default": "scheduled"})
    cancelled_at: Optional[datetime] = _at()


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = (
        UniqueConstraint("event_id", "customer_id"),
        Index("ix_invitations_event_tier_state", "event_id", "tier", "state"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", index=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    code: str = Field(unique=True, max_length=12)  # read aloud at the door: no 0/O, 1/I
    state: str = Field(default="invited", max_length=12)  # invited confirmed declined attended no_show
    tier: str = Field(default="P", max_length=1)
    invited_at: Optional[datetime] = _at()
    replied_at: Optional[datetime] = _at()


class CheckIn(SQLModel, table=True):
    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("event_id", "customer_id"),
        Index("ix_checkins_customer_at", "customer_id", "checked_in_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="events.id", index=True)
    customer_id: int = Field(foreign_key="customers.id")
    invitation_id: Optional[int] = Field(default=None, foreign_key="invitations.id")
    walk_in: bool = False
    checked_in_at: Optional[datetime] = _at(nullable=False)


class Referral(SQLModel, table=True):
    __tablename__ = "referrals"

    id: Optional[int] = Field(default=None, primary_key=True)
    referrer_id: int = Field(foreign_key="customers.id", index=True)
    referee_id: int = Field(foreign_key="customers.id", unique=True)
    source: str = Field(default="import", max_length=12)  # import | walk_in | staff
    referred_on: date
    event_id: Optional[int] = Field(default=None, foreign_key="events.id", index=True)
    campaign_id: Optional[str] = Field(default=None, max_length=64)
    converted_on: Optional[date] = None
    created_at: Optional[datetime] = _at()


class PointsEntry(SQLModel, table=True):
    """One earning (+) or spending (−) of loyalty points; a balance is the sum of the unexpired rows.

    An earning is its own lot (``lot_id`` 0). A spending is split over the lots it draws from, oldest
    expiry first, one row per lot carrying that lot's ``expires_on``: when a lot expires, it and what
    was spent from it leave the balance together, so the sum stays right without replaying history.
    The unique key makes earning idempotent (one award per rule and source record).
    """

    __tablename__ = "points_ledger"
    # The unique key also serves a customer's rows (customer_id leads). Spendings are looked up by
    # lot through a partial index: earnings (lot 0, nearly every row) cost it nothing to write.
    __table_args__ = (
        UniqueConstraint("customer_id", "reason", "source_kind", "source_id", "lot_id", name="uq_points_ledger_source"),
        Index("ix_points_ledger_spendings", "lot_id", sqlite_where=text("lot_id <> 0"), postgresql_where=text("lot_id <> 0")),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    points: int
    reason: str = Field(max_length=20)  # product renewal referral checkin | adjust redeem
    source_kind: str = Field(max_length=12)  # holding referral checkin | adjustment redemption
    source_id: int
    lot_id: int = 0  # a spending: the earning it draws from; 0 on an earning
    earned_on: date  # an earning's day, or the day of a spending
    expires_on: Optional[date] = None  # the first day the lot no longer counts; None: never
    note: str = ""  # the staff's reason, or the reward redeemed
    created_at: Optional[datetime] = _at(nullable=False)


class ReferralReward(SQLModel, table=True):
    """The gift owed to a referrer for one converted referral: owed → given, or owed → cancelled."""

    __tablename__ = "referral_rewards"
    __table_args__ = (Index("ix_referral_rewards_referrer_state", "referrer_id", "state"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    referral_id: int = Field(foreign_key="referrals.id", unique=True)
    referrer_id: int = Field(foreign_key="customers.id")
    referee_id: int = Field(foreign_key="customers.id")
    gift: str = Field(max_length=100)
    state: str = Field(default="owed", max_length=10)  # owed | given | cancelled
    owed_on: date  # the referee's first deposit
    given_at: Optional[datetime] = _at()
    given_by: Optional[str] = Field(default=None, max_length=80)
    cancelled_on: Optional[date] = None  # the day of the withdrawal that cancelled it
    cancel_reason: Optional[str] = None
    created_at: Optional[datetime] = _at(nullable=False)


class OutboxMessage(SQLModel, table=True):
    """One planned SMS. ``key`` (campaign · occurrence · customer · step) makes planning idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due_id", "state", "due_at", "id"),  # the claim: ORDER BY due_at, id (0002)
        Index("ix_outbox_customer_class_due", "customer_id", "message_class", "due_at"),
        Index("ix_outbox_step_event_tier_state", "step", "event_id", "tier", "state"),
        Index("ix_outbox_phone_sent_at", "phone", "sent_at"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=200)
    campaign_id: str = Field(max_length=64, index=True)
    occurrence_on: date
    step: str = Field(max_length=40)
    customer_id: int = Field(foreign_key="customers.id")
    event_id: Optional[int] = Field(default=None, foreign_key="events.id")
    phone: str = Field(max_length=20)
    body: str
    segments: int = 1
    message_class: str = Field(default="marketing", max_length=10)  # marketing | notice
    tier: str = Field(default="P", max_length=1)
    # planned sending sent delivered | failed undelivered suppressed
    state: str = Field(default="planned", max_length=12)
    reason: Optional[str] = None
    error_code: Optional[str] = Field(default=None, max_length=64)  # 64 since 0005: Tencent's codes are long
    attempts: int = 0
    provider_id: Optional[str] = Field(default=None, max_length=64, index=True)
    claimed_by: Optional[str] = Field(default=None, max_length=64)
    due_at: Optional[datetime] = _at(nullable=False)
    planned_at: Optional[datetime] = _at(nullable=False)
    sending_at: Optional[datetime] = _at()
    sent_at: Optional[datetime] = _at()
    final_at: Optional[datetime] = _at()
    updated_at: Optional[datetime] = _at()
    # What a domestic provider (aliyun, tencent) sends instead of ``body`` (0005): the approved
    # template's code and its variables as a JSON object of strings.
    template_code: Optional[str] = Field(default=None, max_length=64)
    template_params: Optional[str] = None
    # The campaign's priority when planned (0006): under the weekly cap a higher one displaces the
    # customer's lowest-priority unsent message (suppressed as cap_preempted).
    priority: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class CampaignHold(SQLModel, table=True):
    """A campaign whose sends are stopped by a configuration error (template, signature, credentials) until staff release it."""

    __tablename__ = "campaign_holds"

    campaign_id: str = Field(primary_key=True, max_length=64)
    reason: str
    error_code: Optional[str] = Field(default=None, max_length=64)
    message_id: Optional[int] = None  # the message whose send revealed it
    since: Optional[datetime] = _at(nullable=False)


class CampaignPause(SQLModel, table=True):
    """A campaign staff paused (`jinli campaigns pause`): none of its messages is sent, nothing new is planned."""

    __tablename__ = "campaign_pauses"

    campaign_id: str = Field(primary_key=True, max_length=64)
    reason: str = ""
    actor: str = Field(max_length=80)
    since: Optional[datetime] = _at(nullable=False)


class OptOutEvent(SQLModel, table=True):
    """Every opt-out or opt-in, from any source (reply, staff, provider report, import)."""

    __tablename__ = "optout_events"

    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: Optional[int] = Field(default=None, foreign_key="customers.id", index=True)
    phone: str = Field(max_length=20, index=True)
    action: str = Field(max_length=4)  # out | in
    source: str = Field(max_length=12)  # sms | staff | provider | import
    detail: str = ""
    at: Optional[datetime] = _at(nullable=False)


class LinkToken(SQLModel, table=True):
    """An RSVP or one-tap opt-out link in a text (0007): an unguessable token, never a code or a customer id.

    Opening the link only counts (``opens``, ``first_opened_at``): link scanners open URLs too. The
    page's buttons (POST) answer the invitation or opt the customer out.
    """

    __tablename__ = "link_tokens"

    id: Optional[int] = Field(default=None, primary_key=True)
    token: str = Field(unique=True, max_length=12)  # letters and digits, from secrets
    kind: str = Field(max_length=8)  # rsvp | optout
    invitation_id: Optional[int] = Field(default=None, foreign_key="invitations.id", index=True)  # rsvp links
    customer_id: int = Field(foreign_key="customers.id", index=True)
    created_at: Optional[datetime] = _at(nullable=False)
    first_opened_at: Optional[datetime] = _at()
    opens: int = 0
    answered_at: Optional[datetime] = _at()  # the last button pressed on the page


class InboundMessage(SQLModel, table=True):
    """A reply received through the inbound webhook, recorded against the customer."""

    __tablename__ = "inbound_messages"

    id: Optional[int] = Field(default=None, primary_key=True)
    provider_id: str = Field(unique=True, max_length=64)
    phone: str = Field(max_length=20, index=True)
    customer_id: Optional[int] = Field(default=None, foreign_key="customers.id")
    body: str
    intent: str = Field(default="", max_length=12)  # opt_out opt_in confirm decline other
    received_at: Optional[datetime] = _at(nullable=False)


class PlanningRun(SQLModel, table=True):
    """That a campaign's day was planned (or skipped as too old to catch up): the daemon's memory."""

    __tablename__ = "planning_runs"
    __table_args__ = (UniqueConstraint("campaign_id", "day"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    campaign_id: str = Field(max_length=64)
    day: date
    outcome: str = Field(max_length=10)  # planned | caught_up | skipped
    planned: int = 0
    ran_at: Optional[datetime] = _at(nullable=False)
    worker: str = Field(default="", max_length=64)


class AuditEntry(SQLModel, table=True):
    """Who changed what, when and why: one trail for every command and page that changes state.

    ``customer_id`` is a plain column, not a foreign key: the trail outlives an erased customer.
    """

    __tablename__ = "audit_trail"
    __table_args__ = (Index("ix_audit_trail_customer", "customer_id"), Index("ix_audit_trail_subject", "subject", "subject_id"))

    id: Optional[int] = Field(default=None, primary_key=True)
    at: Optional[datetime] = _at(nullable=False, index=True)
    actor: str = Field(max_length=80)  # "os:alice" from the command line, "staff:王芳" from the web
    action: str = Field(max_length=40)  # e.g. tiers.pin, optout.add, campaign.pause, outbox.resolve
    subject: str = Field(max_length=20)  # customer | campaign | event | outbox | ...
    subject_id: str = Field(default="", max_length=64)
    customer_id: Optional[int] = None
    reason: str = ""
    detail: str = ""  # JSON: what changed
class CampaignPlanningError(SQLModel, table=True):
    """A campaign's last planning failure (one line, no personal data); deleted when planning it next succeeds."""

    __tablename__ = "campaign_planning_errors"

    campaign_id: str = Field(primary_key=True, max_length=64)
    day: date
    error: str = Field(max_length=500)
    failed_at: Optional[datetime] = _at(nullable=False)
    worker: str = Field(default="", max_length=64)


class ErasedPhone(SQLModel, table=True):
    """A keyed hash (HMAC-SHA256, key JINLI_ERASURE_KEY) of an erased customer's opted-out phone (0010).

    Kept only so the number, if imported again, stays opted out; the number itself is gone.
    """

    __tablename__ = "erased_phones"

    digest: str = Field(primary_key=True, max_length=64)  # hex
    erased_at: Optional[datetime] = _at(nullable=False)


class StaffMember(SQLModel, table=True):
    """A staff account for the web pages: door staff, managers, admins, each limited to stores (admins: all)."""

    __tablename__ = "staff"

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=50)
    password_hash: str = Field(max_length=200)  # argon2id, as argon2-cffi writes it
    role: str = Field(max_length=10)  # door | manager | admin
    stores: str = ""  # JSON list of store names
    disabled: bool = False
    created_at: Optional[datetime] = _at(nullable=False)
    updated_at: Optional[datetime] = _at()


class SigninFailure(SQLModel, table=True):
    """One wrong sign-in, by account ("account:NAME") and by address ("ip:ADDR"): the throttle's memory,
    in the database so that several `jinli serve` processes count together."""

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_key_at", "key", "at"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=120)
    at: Optional[datetime] = _at(nullable=False)


class UnlinkedReferral(SQLModel, table=True):
    """A walk-in named a referrer nobody could find: the guest is registered, the referral waits for staff to link it
    (with `jinli referrals add`); listed on the manager's screen until the guest has a referral."""

    __tablename__ = "unlinked_referrals"

    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    event_id: Optional[int] = Field(default=None, foreign_key="events.id")
    referrer_given: str = Field(max_length=64)  # what the door typed
    noted_by: str = Field(max_length=80)  # the audit actor
    noted_at: Optional[datetime] = _at(nullable=False)


class TierMove(SQLModel, table=True):
    """A customer's tier moving up or down (0012): written set-based by `tiers recompute` and by pins.

    What `jinli report tiers --changes` lists and the tier_up / tier_down triggers fire on. A first
    scoring (a customer never scored before) is no move. The unique key makes a concurrent second
    recompute of the same day write nothing twice.
    """

    __tablename__ = "tier_changes"
    __table_args__ = (UniqueConstraint("customer_id", "changed_on", "old_tier", "new_tier", name="uq_tier_changes_move"),
                      Index("ix_tier_changes_changed_on", "changed_on"))

    id: Optional[int] = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id")
    old_tier: str = Field(max_length=1)
    new_tier: str = Field(max_length=1)
    direction: str = Field(max_length=4)  # up | down
    changed_on: date  # the recompute's as-of day
    reason: str = Field(default="recompute", max_length=20)  # recompute | pin | unpin
    recorded_at: Optional[datetime] = _at(nullable=False)


class TriggerScan(SQLModel, table=True):
    """A trigger campaign's memory (0012): when it was first seen enabled, and how far its records are scanned.

    ``last_id``: every source row with an id up to it is handled; ``seen_id``: the highest id the last
    scan could see (the next scan trusts it: a row committed late under a lower id is still read once
    more). ``last_on``: the date-driven kind (holding_matured_not_renewed) handled maturities up to it.
    """

    __tablename__ = "trigger_scans"

    campaign_id: str = Field(primary_key=True, max_length=64)
    kind: str = Field(primary_key=True, max_length=40)
    enabled_at: Optional[datetime] = _at(nullable=False)
    last_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    seen_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    last_on: Optional[date] = None
    scanned_at: Optional[datetime] = _at()


class LoyaltyRun(SQLModel, table=True):
    """A recompute of tiers and points the daemon claimed (0012): one per day ("daily·2025-06-02") and one per
    import ("import·<audit entry id>"); the unique key lets one daemon of several run it."""

    __tablename__ = "loyalty_runs"

    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=80)
    started_at: Optional[datetime] = _at(nullable=False)
    worker: str = Field(default="", max_length=64)
