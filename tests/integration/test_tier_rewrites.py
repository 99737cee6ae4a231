"""A recompute rewrites only the customers whose tier, score or as-of date changes (on PostgreSQL each
rewritten row is a new row version and an entry in every index), and what it stores stays the same."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from records import bulk, models, tiers
from tests.factories import NOW, SHANGHAI, add_customer, add_holding

AS_OF = date(2025, 6, 1)
customers_t = models.Customer.__table__


@pytest.fixture
def backend() -> str:
    return "postgresql"  # xmin, a row version's id, is PostgreSQL's


def versions(conn) -> dict[int, str]:
    return dict(conn.execute(text("SELECT id, xmin::text FROM customers")).all())


def stored(conn) -> dict[int, tuple]:
    c = customers_t.c
    return {row.id: (row.tier, row.tier_score, row.tier_as_of) for row in conn.execute(select(c.id, c.tier, c.tier_score, c.tier_as_of))}


@pytest.mark.postgres
def test_a_second_recompute_rewrites_only_the_customer_whose_tier_changed(app):
    with app.engine.begin() as conn:
        still, changing = add_customer(conn), add_customer(conn)
        add_holding(conn, still, 100_000, "1y", date(2025, 5, 1))
        tiers.recompute(conn, app.settings.tiers, AS_OF, SHANGHAI, NOW)
    with app.engine.begin() as conn:
        before = versions(conn)
        add_holding(conn, changing, 50_000, "1y", date(2025, 5, 20))
        tiers.recompute(conn, app.settings.tiers, AS_OF, SHANGHAI, NOW)
        after, rows = versions(conn), stored(conn)
    assert after[still] == before[still]
    assert after[changing] != before[changing]
    assert rows[still][2] == rows[changing][2] == AS_OF
    assert rows[changing][0] != "P"


def hot_counts(conn) -> tuple[int, int]:
    """customers' (updated rows, of which HOT) so far; PostgreSQL 15 flushes a backend's counts lazily."""
    conn.execute(text("SELECT pg_stat_force_next_flush()"))
    conn.commit()  # the flush happens as the transaction ends
    conn.execute(text("SELECT pg_stat_clear_snapshot()"))
    row = conn.execute(text("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'customers'")).one()
    conn.commit()
    return row.n_tup_upd, row.n_tup_hot_upd


def bulk_customers(conn, count: int) -> list[int]:
    """``count`` customers written the way an import writes them (COPY on PostgreSQL)."""
    columns = ("name", "phone", "store", "joined_on", "referral_code", "created_at", "updated_at")
    with bulk.bulk_inserter(conn, customers_t, {}, columns) as writer:
        for n in range(count):
            writer.add(("客户", f"+86138{n:08d}", "南京路店", date(2020, 1, 1), f"B{n:06d}", NOW, NOW))
    return list(conn.execute(select(customers_t.c.id).order_by(customers_t.c.id)).scalars())


@pytest.mark.postgres
def test_the_first_recompute_after_a_bulk_import_changes_tiers_by_hot_updates_only(app):
    with app.engine.connect() as conn:
        ids = bulk_customers(conn, 400)
        for cid in ids[::2]:  # half of them become tier C or better: their tier column changes
            add_holding(conn, cid, 100_000, "1y", date(2025, 5, 1))
        conn.commit()
        before = hot_counts(conn)
        tiers.recompute(conn, app.settings.tiers, AS_OF, SHANGHAI, NOW)
        conn.commit()
        after = hot_counts(conn)
        moved = conn.execute(select(func.count()).where(customers_t.c.tier != "P")).scalar()
    assert moved == 200
    assert after[0] - before[0] == 400
    assert after[1] - before[1] == 400
