"""Alembic environment: jinli passes its engine in ``config.attributes['engine']``."""

from alembic import context
from sqlalchemy import create_engine

import records.models  # noqa: F401  (registers the tables)
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata
config = context.config


def run() -> None:
    engine = config.attributes.get("engine") or create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        context.run_migrations()


run()
