"""tier_changes (tier moves up and down), trigger_scans (trigger campaigns' watermarks), loyalty_runs (the daemon's recomputes)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import records.types


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tier_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('old_tier', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('new_tier', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('recorded_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'changed_on', 'old_tier', 'new_tier', name='uq_tier_changes_move')
    )
    op.create_index('ix_tier_changes_changed_on', 'tier_changes', ['changed_on'], unique=False)
    op.create_table('trigger_scans',
    sa.Column('campaign_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('enabled_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_id', sa.BigInteger(), nullable=False),
    sa.Column('seen_id', sa.BigInteger(), nullable=False),
    sa.Column('last_on', sa.Date(), nullable=True),
    sa.Column('scanned_at', records.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('campaign_id', 'kind')
    )
    op.create_table('loyalty_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('started_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('worker', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('loyalty_runs')
    op.drop_table('trigger_scans')
    op.drop_index('ix_tier_changes_changed_on', table_name='tier_changes')
    op.drop_table('tier_changes')
