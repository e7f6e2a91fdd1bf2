"""memory_files: uploaded documents whose chunks are in memory's index (a hidden conversation each)

Revision ID: 0004_memory_files
Revises: 0002_memory
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_memory_files"
down_revision = "0002_memory"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memory_files",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("file_id", sa.String(40), nullable=False),
        sa.Column("conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("conversation_id"),
        sa.UniqueConstraint("user_id", "file_id", name="uq_memory_files_user_file"),
    )


def downgrade() -> None:
    op.drop_table("memory_files")
