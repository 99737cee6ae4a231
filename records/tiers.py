"""A/B/C tiers: the playbook's indicators scored additively in one set-based query (DOMAIN.md §1).

The same query serves `recompute` (every customer, into a scratch table, then one UPDATE) and
`explain` (one customer), so what staff read is exactly what the recompute did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import (BigInteger, Column, Connection, Date, Integer, MetaData, Select, String, Table, and_, case,
                        cast, exists, func, insert, literal, literal_column, null, select, union_all, update)

from records import models, tier_moves
from records.core_tables import tier_history_of
from records.tier_names import TIERS
from records.points import counts_on
from records.terms import parse_term
from settings import TierSettings

INDICATORS = ("deposit", "term", "renewals", "topups", "referrals", "events", "withdrawals", "points")
VALUE_COLUMNS = {
    "deposit": "deposit_fen", "term": "longest_term_days", "renewals": "renewals", "topups": "topups",
    "referrals": "referrals", "events": "events", "withdrawals": "withdrawals", "points": "points",
}

customers_t = models.Customer.__table__
holdings_t = models.Holding.__table__
movements_t = models.Movement.__table__
checkins_t = models.CheckIn.__table__
history_t = models.TierChange.__table__
ledger_t = models.PointsEntry.__table__


def thresholds(settings: TierSettings, indicator: str) -> tuple[tuple[int, int], ...]:
    """An indicator's [threshold, points] pairs in the stored unit (fen, nominal days, counts)."""
    pairs = getattr(settings, indicator)
    if indicator == "deposit":
        return tuple((yuan * 100, points) for yuan, points in pairs)
    if indicator == "term":
        return tuple((parse_term(term).nominal_days, points) for term, points in pairs)
    return tuple(pairs)


def _points(value, pairs):
    if not pairs:
        return literal(0)
    return case(*[(value >= threshold, points) for threshold, points in pairs], else_=0)


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(timezone.utc)


def indicator_select(settings: TierSettings, as_of: date, tz: ZoneInfo, customer_ids: list[int] | None = None,
                     dialect: str = "sqlite") -> Select:
    """Per customer: each indicator's value as of ``as_of`` (inclusive); the same values on either
    database, by the query that database runs fastest."""
    if dialect == "postgresql":
        return _union_indicators(settings, as_of, tz, customer_ids)
    return _joined_indicators(settings, as_of, tz, customer_ids)


def _union_indicators(settings: TierSettings, as_of: date, tz: ZoneInfo, customer_ids: list[int] | None) -> Select:
    """indicator_select on PostgreSQL. Every source (active holdings with their flows, movements,
    deposited referees, check-ins, points) gives rows of the same shape, and one GROUP BY sums them:
    one hash aggregate and one join to the customers instead of five of each (backend CPU 7.5–8.6 →
    6.3–6.4 s at 1 M customers). With ``customer_ids`` each source reads only those customers' rows."""
    per = union_all(*_sources(settings, as_of, tz, customer_ids)).subquery("per_source")
    totals = select(per.c.customer_id, *[_total(per.c[name], name) for name in _SOURCE_COLUMNS]) \
        .group_by(per.c.customer_id).subquery("per_customer")
    c = customers_t.c
    query = (
        select(c.id.label("customer_id"), c.pinned_tier,
               # what the customer row holds now: the recompute compares with it without joining again
               c.tier.label("old_tier"), c.tier_score.label("old_score"), c.tier_as_of.label("old_as_of"),
               *[cast(func.coalesce(totals.c[name], 0), BigInteger if name == "deposit_fen" else Integer).label(name)
                 for name in _SOURCE_COLUMNS])
        .select_from(customers_t.outerjoin(totals, totals.c.customer_id == c.id))
    )
    return query.where(c.id.in_(customer_ids)) if customer_ids is not None else query


# What each source row carries; a source gives 0 (NULL for the longest term) for the others.
_SOURCE_COLUMNS = ("deposit_fen", "longest_term_days", "renewals", "topups", "referrals", "events", "withdrawals", "points")


def _total(column, name: str):
    return (func.max(column) if name == "longest_term_days" else func.sum(column)).label(name)


def _row(customer_id, **values):
    """A source's select list in _SOURCE_COLUMNS' order."""
    zero = lambda name: null() if name == "longest_term_days" else literal_column("0")  # noqa: E731
    typed = [cast(values.get(name, zero(name)), BigInteger if name == "deposit_fen" else Integer).label(name)
             for name in _SOURCE_COLUMNS]
    return [customer_id.label("customer_id"), *typed]


def _only(column, customer_ids):
    """``column IN customer_ids`` (a list or a subquery); no condition for None."""
    return column.in_(customer_ids) if customer_ids is not None else literal(True)


def _holdings_of(customer_ids: list[int] | None):
    """The customers' holdings (a movement's own customer_id is not what its holding's deposit counts for)."""
    return select(holdings_t.c.id).where(holdings_t.c.customer_id.in_(customer_ids)) if customer_ids is not None else None


def _sources(settings: TierSettings, as_of: date, tz: ZoneInfo, customer_ids: list[int] | None) -> list[Select]:
    h, m, p = holdings_t.c, movements_t.c, ledger_t.c
    flows = (
        select(m.holding_id, func.sum(case(
            (m.kind == "top_up", m.amount_fen), (m.kind == "withdrawal", -m.amount_fen), else_=0)).label("delta"))
        .where(m.on <= as_of, _only(m.holding_id, _holdings_of(customer_ids))).group_by(m.holding_id).subquery("flows")
    )
    active = (
        select(*_row(h.customer_id, deposit_fen=h.amount_fen + func.coalesce(flows.c.delta, 0), longest_term_days=h.term_days))
        .select_from(holdings_t.outerjoin(flows, flows.c.holding_id == h.id))
        .where(h.start_on <= as_of, h.maturity_on > as_of, _only(h.customer_id, customer_ids))
    )

    def counted(kind: str, days: int | None):
        window = m.on > as_of - timedelta(days=days) if days else literal(True)
        return case((and_(m.kind == kind, window), 1), else_=0)

    moves = select(*_row(m.customer_id, renewals=counted("renewal", None), topups=counted("top_up", settings.topups_window_days),
                         withdrawals=counted("withdrawal", settings.withdrawals_window_days))) \
        .where(m.on <= as_of, _only(m.customer_id, customer_ids))
    sources = [active, moves, _referrals(as_of, customer_ids), _events(settings, as_of, tz, customer_ids)]
    if settings.points:  # no indicator, not read at all
        sources.append(select(*_row(p.customer_id, points=p.points)).where(counts_on(as_of), _only(p.customer_id, customer_ids)))
    return sources


def _referrals(as_of: date, customer_ids: list[int] | None) -> Select:
    """A row for each referee who has deposited, to the referrer. A join and DISTINCT, not EXISTS:
    PostgreSQL hashed every holding's customer to answer EXISTS for 200,000 referees."""
    referee = customers_t.alias("referee")
    deposited = (select(referee.c.referrer_id, referee.c.id)
                 .join(holdings_t, holdings_t.c.customer_id == referee.c.id)
                 .where(referee.c.referrer_id.is_not(None), holdings_t.c.start_on <= as_of,
                        _only(referee.c.referrer_id, customer_ids))
                 .distinct().subquery("deposited"))
    return select(*_row(deposited.c.referrer_id, referrals=literal_column("1")))


def _events(settings: TierSettings, as_of: date, tz: ZoneInfo, customer_ids: list[int] | None) -> Select:
    """A row for each check-in in the events window."""
    k = checkins_t.c
    since = _day_start(as_of - timedelta(days=settings.events_window_days - 1), tz)
    until = _day_start(as_of + timedelta(days=1), tz)
    return select(*_row(k.customer_id, events=literal_column("1"))) \
        .where(k.checked_in_at >= since, k.checked_in_at < until, _only(k.customer_id, customer_ids))


def _joined_indicators(settings: TierSettings, as_of: date, tz: ZoneInfo, customer_ids: list[int] | None) -> Select:
    """indicator_select on SQLite: the customers joined to one grouped query per source (SQLite groups by
    sorting; the sources' own indexes give most of them in order: 11.6 s at 1 M, against 17.6 s for
    the union, the bench's full run of 2026-11-30)."""
    flows = (
        select(movements_t.c.holding_id, func.sum(case(
            (movements_t.c.kind == "top_up", movements_t.c.amount_fen),
            (movements_t.c.kind == "withdrawal", -movements_t.c.amount_fen), else_=0)).label("delta"))
        .where(movements_t.c.on <= as_of).group_by(movements_t.c.holding_id).subquery("flows")
    )
    active = (
        select(holdings_t.c.customer_id,
               func.sum(holdings_t.c.amount_fen + func.coalesce(flows.c.delta, 0)).label("deposit_fen"),
               func.max(holdings_t.c.term_days).label("longest_term_days"))
        .select_from(holdings_t.outerjoin(flows, flows.c.holding_id == holdings_t.c.id))
        .where(holdings_t.c.start_on <= as_of, holdings_t.c.maturity_on > as_of)
        .group_by(holdings_t.c.customer_id).subquery("active")
    )
    m = movements_t.c

    def count(kind: str, days: int | None):
        window = m.on > as_of - timedelta(days=days) if days else literal(True)
        return func.sum(case((and_(m.kind == kind, window), 1), else_=0))

    moves = (
        select(m.customer_id, count("renewal", None).label("renewals"),
               count("top_up", settings.topups_window_days).label("topups"),
               count("withdrawal", settings.withdrawals_window_days).label("withdrawals"))
        .where(m.on <= as_of).group_by(m.customer_id).subquery("moves")
    )
    referee = customers_t.alias("referee")
    deposited = exists().where(holdings_t.c.customer_id == referee.c.id, holdings_t.c.start_on <= as_of)
    refs = (
        select(referee.c.referrer_id.label("customer_id"), func.count().label("referrals"))
        .where(referee.c.referrer_id.is_not(None), deposited).group_by(referee.c.referrer_id).subquery("refs")
    )
    since = _day_start(as_of - timedelta(days=settings.events_window_days - 1), tz)
    until = _day_start(as_of + timedelta(days=1), tz)
    evs = (
        select(checkins_t.c.customer_id, func.count().label("events"))
        .where(checkins_t.c.checked_in_at >= since, checkins_t.c.checked_in_at < until)
        .group_by(checkins_t.c.customer_id).subquery("evs")
    )
    c = customers_t.c
    balances = _balances(settings, as_of)
    query = (
        select(c.id.label("customer_id"), c.pinned_tier,
               # what the customer row holds now: the recompute compares with it without joining again
               c.tier.label("old_tier"), c.tier_score.label("old_score"), c.tier_as_of.label("old_as_of"),
               cast(func.coalesce(active.c.deposit_fen, 0), BigInteger).label("deposit_fen"),
               func.coalesce(active.c.longest_term_days, 0).label("longest_term_days"),
               func.coalesce(moves.c.renewals, 0).label("renewals"),
               func.coalesce(moves.c.topups, 0).label("topups"),
               func.coalesce(refs.c.referrals, 0).label("referrals"),
               func.coalesce(evs.c.events, 0).label("events"),
               func.coalesce(moves.c.withdrawals, 0).label("withdrawals"),
               (func.coalesce(balances.c.points, 0) if balances is not None else literal(0)).label("points"))
        .select_from(_joined(customers_t.outerjoin(active, active.c.customer_id == c.id)
                             .outerjoin(moves, moves.c.customer_id == c.id)
                             .outerjoin(refs, refs.c.customer_id == c.id)
                             .outerjoin(evs, evs.c.customer_id == c.id), balances))
    )
    return query.where(c.id.in_(customer_ids)) if customer_ids is not None else query


def _balances(settings: TierSettings, as_of: date):
    """Each customer's points balance on ``as_of``; None when points are no indicator (not read at all)."""
    if not settings.points:
        return None
    p = ledger_t.c
    return (select(p.customer_id, func.sum(p.points).label("points")).where(counts_on(as_of))
            .group_by(p.customer_id).subquery("balances"))


def _joined(joins, balances):
    return joins.outerjoin(balances, balances.c.customer_id == customers_t.c.id) if balances is not None else joins


def score_select(settings: TierSettings, as_of: date, tz: ZoneInfo, customer_ids: list[int] | None = None,
                 dialect: str = "sqlite") -> Select:
    """Indicator values, each indicator's points, the total and the tier (a pin wins)."""
    values = indicator_select(settings, as_of, tz, customer_ids, dialect).subquery("v")
    points = [
        _points(values.c[VALUE_COLUMNS[name]], thresholds(settings, name)).label(f"{name}_points")
        for name in INDICATORS
    ]
    # OFFSET 0 keeps "s" a subquery of its own: flattened, each indicator's CASE would be evaluated
    # again in the score and twice more in the tier (PostgreSQL: 5.2 → 4.5 s at 1 M customers).
    scored = select(values, *points).offset(0).subquery("s")
    total = sum((scored.c[f"{name}_points"] for name in INDICATORS), literal(0))
    tier = case(
        (scored.c.pinned_tier.is_not(None), scored.c.pinned_tier),
        (total >= settings.a_min_score, "A"),
        (total >= settings.b_min_score, "B"),
        (scored.c.deposit_fen >= settings.c_min_deposit * 100, "C"),
        else_="P",
    )
    return select(scored, total.label("score"), tier.label("tier"))


_BREAKDOWN = [*VALUE_COLUMNS.values(), *(f"{n}_points" for n in INDICATORS)]


def _scratch_table(dialect: str = "sqlite") -> Table:
    """The scores, one row per customer. On SQLite its key is the rowid the joins look rows up by; on
    PostgreSQL the joins hash it, and a key would only be a million index entries to write."""
    columns = [Column("customer_id", Integer, primary_key=dialect != "postgresql", nullable=False), Column("pinned_tier", String(1)),
               Column("old_tier", String(1)), Column("old_score", Integer), Column("old_as_of", Date),
               Column("deposit_fen", BigInteger)]
    columns += [Column(name, Integer) for name in _BREAKDOWN if name != "deposit_fen"]
    columns += [Column("score", Integer), Column("tier", String(1))]
    return Table("tier_scores", MetaData(), *columns, prefixes=["TEMPORARY"])


# PostgreSQL, for this transaction only: the scoring hashes and aggregates a million customers, which
# spills to disk in dozens of batches under the default 4 MB work_mem; JIT compiling that plan took
# 2.3 s at 1 M customers and gained nothing back (EXPLAIN ANALYZE in the README's benchmarks).
PG_SETTINGS = {"work_mem": "256MB", "jit": "off"}


def recompute(conn: Connection, settings: TierSettings, as_of: date, tz: ZoneInfo, now: datetime) -> dict[str, int]:
    """Score every customer as of ``as_of``; record changed tiers in the history; return counts per tier."""
    _tune(conn)
    scratch = _scratch_table(conn.dialect.name)
    scratch.drop(conn, checkfirst=True)
    scratch.create(conn)
    scored = score_select(settings, as_of, tz, dialect=conn.dialect.name).subquery("scored")
    conn.execute(insert(scratch).from_select([c.name for c in scratch.c], select(*[scored.c[c.name] for c in scratch.c])))
    _record_changes(conn, scratch, as_of, now)
    tier_moves.record_moves(conn, scratch, as_of, now)  # before the UPDATE: it compares with the old tiers
    _store(conn, scratch, as_of)
    counts = tier_counts(conn, scratch)  # the scores' tiers are now the customers' (a narrower table to count)
    scratch.drop(conn)
    return counts


def _tune(conn: Connection) -> None:
    """PG_SETTINGS for the rest of the caller's transaction (SET LOCAL), in one statement; nothing on SQLite."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(*[func.set_config(name, value, True) for name, value in PG_SETTINGS.items()]))


def _store(conn: Connection, scratch: Table, as_of: date) -> None:
    """Each customer's new tier, score and as-of date; a row already holding all three is not rewritten
    (on PostgreSQL every rewritten row is a new row version and an entry in each of the table's indexes)."""
    conn.execute(store_statement(scratch, as_of))


def store_statement(scratch: Table, as_of: date):
    """_store's UPDATE (bench/pg_tier_time.py explains it)."""
    c, s = customers_t.c, scratch.c
    changed = (s.old_tier != s.tier) | (s.old_score != s.score) | s.old_as_of.is_(None) | (s.old_as_of != as_of)
    return update(customers_t).where(c.id == s.customer_id, changed).values(tier=s.tier, tier_score=s.score, tier_as_of=as_of)


def _record_changes(conn: Connection, scratch: Table, as_of: date, now: datetime) -> None:
    """A history row for each customer whose tier or score changes, and for each scored the first time
    into a tier above P. A first score of P with no points is what `tier_on` reads before any record,
    so it is not written: after an import that is most of a million rows (README, Benchmarks)."""
    s = scratch.c
    changed = select(
        s.customer_id, literal(as_of, Date).label("as_of"), s.tier, s.score, literal("recompute").label("reason"),
        literal("").label("note"), *[s[name] for name in _BREAKDOWN], literal(now, models.TierChange.__table__.c.recorded_at.type).label("recorded_at"),
    ).where(
        (s.old_tier != s.tier) | (s.old_score != s.score) | (s.old_as_of.is_(None) & ((s.tier != "P") | (s.score != 0)))
    )
    names = ["customer_id", "as_of", "tier", "score", "reason", "note", *_BREAKDOWN, "recorded_at"]
    conn.execute(insert(history_t).from_select(names, changed))


def tier_counts(conn: Connection, table: Table = customers_t) -> dict[str, int]:
    """How many customers are in each tier (``table``: the customers, or a recompute's scores)."""
    counts = dict(conn.execute(select(table.c.tier, func.count()).group_by(table.c.tier)).all())
    return {tier: counts.get(tier, 0) for tier in TIERS}


@dataclass(frozen=True)
class Breakdown:
    """Why a customer is in their tier: each indicator's value and points, the total, the pin."""

    customer_id: int
    as_of: date
    values: dict[str, int]
    points: dict[str, int]
    score: int
    computed_tier: str
    pinned_tier: str | None
    tier: str


def explain(conn: Connection, settings: TierSettings, customer_id: int, as_of: date, tz: ZoneInfo) -> Breakdown:
    """The score of one customer, computed by the very query the recompute runs."""
    row = conn.execute(score_select(settings, as_of, tz, [customer_id], conn.dialect.name)).mappings().one()
    values = {name: row[VALUE_COLUMNS[name]] for name in INDICATORS}
    points = {name: row[f"{name}_points"] for name in INDICATORS}
    unpinned = _tier_of(settings, row["score"], row["deposit_fen"])
    return Breakdown(customer_id, as_of, values, points, row["score"], unpinned, row["pinned_tier"], row["tier"])


def _tier_of(settings: TierSettings, score: int, deposit_fen: int) -> str:
    if score >= settings.a_min_score:
        return "A"
    if score >= settings.b_min_score:
        return "B"
    return "C" if deposit_fen >= settings.c_min_deposit * 100 else "P"


def set_pin(conn: Connection, settings: TierSettings, customer_id: int, tier: str | None, reason: str,
            as_of: date, tz: ZoneInfo, now: datetime) -> Breakdown:
    """Pin a tier by hand (``tier``) or remove the pin (None); either way record it in the history."""
    c = customers_t.c
    before = conn.execute(select(c.tier, c.tier_as_of).where(c.id == customer_id)).one()
    conn.execute(update(customers_t).where(c.id == customer_id).values(
        pinned_tier=tier, pinned_reason=reason if tier else None, pinned_at=now if tier else None))
    result = explain(conn, settings, customer_id, as_of, tz)
    conn.execute(update(customers_t).where(c.id == customer_id).values(tier=result.tier, tier_score=result.score, tier_as_of=as_of))
    if before.tier_as_of is not None:
        tier_moves.record_move(conn, customer_id, before.tier, result.tier, as_of, "pin" if tier else "unpin", now)
    conn.execute(insert(history_t).values(
        customer_id=customer_id, as_of=as_of, tier=result.tier, score=result.score,
        reason="pin" if tier else "unpin", note=reason or "", recorded_at=now,
        **{VALUE_COLUMNS[n]: result.values[n] for n in INDICATORS},
        **{f"{n}_points": result.points[n] for n in INDICATORS},
    ))
    return result


def tier_on(conn: Connection, customer_id: int, on: date) -> str:
    """The tier a customer had on a date, from the history (P before any record)."""
    h = history_t.c
    row = conn.execute(
        select(h.tier).where(h.customer_id == customer_id, h.as_of <= on).order_by(h.as_of.desc(), h.id.desc()).limit(1)
    ).first()
    return row.tier if row else "P"


def history(conn: Connection, customer_id: int) -> list[dict]:
    """A customer's tier history, oldest first."""
    return tier_history_of(conn, customer_id)
