"""the audit trail: who changed what, when and why

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from alembic import op
import sqlalchemy as sa

import sqlmodel

import records.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_trail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', records.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('subject_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_trail_at', 'audit_trail', ['at'], unique=False)
    op.create_index('ix_audit_trail_customer', 'audit_trail', ['customer_id'], unique=False)
    op.create_index('ix_audit_trail_subject', 'audit_trail', ['subject', 'subject_id'], unique=False)


def downgrade() -> None:
    op.drop_table('audit_trail')
