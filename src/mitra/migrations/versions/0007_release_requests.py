"""release requests: a person who may not release asks, a release officer decides

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "release_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_id", sa.String(length=120), nullable=False),
        sa.Column("nation", sa.String(length=3), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requester_agency", sa.String(length=32), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_release_requests")),
    )
    op.create_index("ix_release_requests_status_id", "release_requests", ["status", "id"])
    op.create_index(op.f("ix_release_requests_object_id"), "release_requests", ["object_id"])
    op.create_index(op.f("ix_release_requests_requested_by"), "release_requests", ["requested_by"])


def downgrade() -> None:
    op.drop_table("release_requests")
