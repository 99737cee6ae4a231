"""Loyalty reports: points earned, spent, expired and outstanding (by store or month); the referral rewards list.

Points: every ledger row up to the day ``as_of``. earned = the earnings (+), spent = the spendings
(−, shown positive), expired = what was left of lots whose expiry came by ``as_of``, outstanding =
the balances on ``as_of``; so earned − spent − expired = outstanding. By store: the customer's store
today. By month: earned and spent in the month of the row's day, expired in the month of its
expiry, outstanding at the month's end (``as_of`` for its own month).
SQL groups the ledger by (store, day, expiry, sign): a few thousand rows, rolled up here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, and_, case, func, select

from records import models

ledger_t = models.PointsEntry.__table__
customers_t = models.Customer.__table__
rewards_t = models.ReferralReward.__table__
referrals_t = models.Referral.__table__
GROUPINGS = ("store", "month")


@dataclass
class PointsRow:
    key: str
    earned: int = 0
    spent: int = 0
    expired: int = 0
    outstanding: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Cell:
    store: str
    on: date
    expires_on: date | None
    earning: bool
    points: int


def _cells(conn: Connection, as_of: date) -> list[_Cell]:
    p, c = ledger_t.c, customers_t.c
    earning = case((p.points > 0, 1), else_=0)
    query = (select(c.store, p.earned_on, p.expires_on, earning, func.sum(p.points))
             .join_from(ledger_t, customers_t, c.id == p.customer_id).where(p.earned_on <= as_of)
             .group_by(c.store, p.earned_on, p.expires_on, earning))
    return [_Cell(store or "", on, expires, bool(kind), int(total)) for store, on, expires, kind, total in conn.execute(query)]


def points_report(conn: Connection, as_of: date, by: str | None) -> list[PointsRow]:
    """Rows grouped ``by`` store or month (None: none), then the total row last."""
    cells = _cells(conn, as_of)
    rows = _by_store(cells, as_of) if by == "store" else _by_month(cells, as_of) if by == "month" else []
    total = PointsRow("total")
    for cell in cells:
        _add_flows(total, cell, as_of)
        total.outstanding += cell.points if _counts(cell, as_of) else 0
    return rows + [total]


def _counts(cell: _Cell, on: date) -> bool:
    return cell.on <= on and (cell.expires_on is None or cell.expires_on > on)


def _add_flows(row: PointsRow, cell: _Cell, as_of: date, earned: bool = True, expired: bool = True) -> None:
    if earned:
        row.earned += cell.points if cell.earning else 0
        row.spent -= 0 if cell.earning else cell.points
    if expired and cell.expires_on is not None and cell.expires_on <= as_of:
        row.expired += cell.points


def _by_store(cells: list[_Cell], as_of: date) -> list[PointsRow]:
    rows: dict[str, PointsRow] = {}
    for cell in cells:
        row = rows.setdefault(cell.store, PointsRow(cell.store))
        _add_flows(row, cell, as_of)
        row.outstanding += cell.points if _counts(cell, as_of) else 0
    return [rows[key] for key in sorted(rows)]


def _month(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _month_end(month: str, as_of: date) -> date:
    year, number = map(int, month.split("-"))
    following = date(year + number // 12, number % 12 + 1, 1)
    return min(following - timedelta(days=1), as_of)


def _months(first: date, last: date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _by_month(cells: list[_Cell], as_of: date) -> list[PointsRow]:
    if not cells:
        return []
    rows = {month: PointsRow(month) for month in _months(min(c.on for c in cells), as_of)}
    for cell in cells:
        _add_flows(rows[_month(cell.on)], cell, as_of, expired=False)
        if cell.expires_on is not None and cell.expires_on <= as_of:
            _add_flows(rows[_month(cell.expires_on)], cell, as_of, earned=False)
    for month, row in rows.items():
        end = _month_end(month, as_of)
        row.outstanding = sum(cell.points for cell in cells if _counts(cell, end))
    return list(rows.values())


def _reward_conditions(state: str | None, campaign_id: str | None, event_id: int | None) -> list:
    rw, r = rewards_t.c, referrals_t.c
    return [cond for cond in (rw.state == state if state else None,
                              r.campaign_id == campaign_id if campaign_id else None,
                              r.event_id == event_id if event_id is not None else None) if cond is not None]


def rewards_list(conn: Connection, state: str | None = None, campaign_id: str | None = None,
                 event_id: int | None = None, limit: int = 1000) -> list[dict]:
    """Referral rewards newest first: state, gift, both people (phones unmasked: mask when showing), event, campaign."""
    rw, r = rewards_t.c, referrals_t.c
    referrer, referee = customers_t.alias("referrer"), customers_t.alias("referee")
    query = (select(rw.id, rw.state, rw.gift, rw.owed_on, rw.given_at, rw.given_by, rw.cancelled_on, rw.cancel_reason,
                    referrer.c.name.label("referrer_name"), referrer.c.phone.label("referrer_phone"),
                    referee.c.name.label("referee_name"), referee.c.phone.label("referee_phone"),
                    r.event_id, r.campaign_id)
             .join_from(rewards_t, referrals_t, r.id == rw.referral_id)
             .join(referrer, referrer.c.id == rw.referrer_id).join(referee, referee.c.id == rw.referee_id)
             .where(and_(True, *_reward_conditions(state, campaign_id, event_id)))
             .order_by(rw.owed_on.desc(), rw.id.desc()).limit(limit))
    return [dict(row) for row in conn.execute(query).mappings()]


def reward_counts(conn: Connection, campaign_id: str | None = None, event_id: int | None = None) -> dict[str, int]:
    """How many rewards are in each state (over every reward the campaign and event filters select)."""
    rw, r = rewards_t.c, referrals_t.c
    query = (select(rw.state, func.count()).join_from(rewards_t, referrals_t, r.id == rw.referral_id)
             .where(and_(True, *_reward_conditions(None, campaign_id, event_id))).group_by(rw.state))
    found = dict(conn.execute(query).all())
    return {state: found.get(state, 0) for state in ("owed", "given", "cancelled")}
