"""staff accounts, sign-in failures (throttling), unlinked walk-in referrals, the store of an event

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import records.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('stores', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', records.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('signin_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_signin_failures_key_at', 'signin_failures', ['key', 'at'], unique=False)
    op.create_table('unlinked_referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('referrer_given', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('noted_by', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('noted_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_unlinked_referrals_customer_id'), 'unlinked_referrals', ['customer_id'], unique=False)
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_events_store'), ['store'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_store'))
        batch_op.drop_column('store')
    op.drop_index(op.f('ix_unlinked_referrals_customer_id'), table_name='unlinked_referrals')
    op.drop_table('unlinked_referrals')
    op.drop_index('ix_signin_failures_key_at', table_name='signin_failures')
    op.drop_table('signin_failures')
    op.drop_table('staff')
