"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from records import db, models  # models registers the tables on SQLModel.metadata

pytestmark = pytest.mark.integration


# Expression indexes (the 月月返 day-of-month index) cannot be reflected; they have their own test.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrated_database_matches_the_models(app):
    with app.engine.connect() as conn:  # a brand-new database: every migration runs
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_migrated_customers_table_has_the_models_fillfactor(app):
    with app.engine.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'customers'")).scalar()
    assert options == [f"fillfactor={models.Customer.__table__.dialect_options['postgresql']['with']['fillfactor']}"]


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_db_upgrade_of_an_existing_postgresql_database_past_0013_says_to_rewrite_customers(app, cli):
    db.upgrade(app.raw_engine, "0012")  # a shop's database before this release
    upgraded = cli("db", "upgrade").output
    assert f"数据库结构：0012 → {db.HEAD_REVISION}" in upgraded
    assert "`VACUUM FULL customers`" in upgraded
    assert "VACUUM" not in cli("db", "upgrade").output  # already at head: nothing left to do


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_db_upgrade_of_a_new_postgresql_database_needs_no_rewrite(cli):
    upgraded = cli("db", "upgrade").output
    assert f"数据库结构：空 → {db.HEAD_REVISION}" in upgraded
    assert "VACUUM" not in upgraded


def test_upgrade_past_0014_keeps_the_tier_history_and_drops_only_its_key_to_customers(app):
    db.upgrade(app.raw_engine, "0013")  # a shop's database with a tier history
    with app.raw_engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, name, phone, phone_status, store, gender, birth_leap, referral_code, "
                          "opted_out, tier, tier_score) VALUES (7, '王芳', '+8613800138000', 'ok', '', '', false, 'R7', "
                          "false, 'A', 15)"))
        conn.execute(text("INSERT INTO tier_history (customer_id, as_of, tier, score, reason, note, deposit_fen, "
                          "longest_term_days, renewals, topups, referrals, events, withdrawals, deposit_points, "
                          "term_points, renewals_points, topups_points, referrals_points, events_points, "
                          "withdrawals_points) VALUES (7, '2025-06-01', 'A', 15, 'pin', '老客户', 0, 0, 0, 0, 0, 0, 0, "
                          "0, 0, 0, 0, 0, 0, 0)"))
    db.upgrade(app.raw_engine)
    with app.raw_engine.connect() as conn:
        rows = conn.execute(text("SELECT customer_id, tier, reason, note FROM tier_history")).all()
        keys = inspect(conn).get_foreign_keys("tier_history")
        referrer_keys = inspect(conn).get_foreign_keys("customers")
    assert [tuple(r) for r in rows] == [(7, "A", "pin", "老客户")]
    assert keys == []
    assert [k["constrained_columns"] for k in referrer_keys] == [["referrer_id"]]
