"""A recompute rewrites only the customers whose tier, score or as-of date changes (on PostgreSQL each
rewritten row is a new row version and an entry in every index), and what it stores stays the same."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from records import models, tiers
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
