"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
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
