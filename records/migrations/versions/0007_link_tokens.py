"""link_tokens: the unguessable tokens of RSVP and one-tap opt-out links in texts

An invitation text can carry ``{{ rsvp_url }}`` and a marketing text ``{{ optout_url }}``: a short
link to a page on `jinli serve`. Each link holds a token (at most 12 letters and digits) that names
the invitation or the customer without revealing either; opening the link is counted, and only the
page's buttons change anything.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel

import records.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('link_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('invitation_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', records.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_opened_at', records.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opens', sa.Integer(), nullable=False),
    sa.Column('answered_at', records.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('link_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_tokens_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_tokens_invitation_id'), ['invitation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('link_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_tokens_invitation_id'))
        batch_op.drop_index(batch_op.f('ix_link_tokens_customer_id'))
    op.drop_table('link_tokens')
