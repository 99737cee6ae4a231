"""campaign_planning_errors: each campaign's last planning failure, shown by `jinli campaigns list`

A row is written when planning a campaign fails (the daemon or `jinli run` skipped it) and deleted
when a later planning of that campaign succeeds.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import records.types

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'campaign_planning_errors',
        sa.Column('campaign_id', sa.String(length=64), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('error', sa.String(length=500), nullable=False),
        sa.Column('failed_at', records.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('worker', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('campaign_id'),
    )


def downgrade() -> None:
    op.drop_table('campaign_planning_errors')
