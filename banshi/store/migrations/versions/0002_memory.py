"""memory: indexed messages (FTS5 / tsvector), vectors, facts, jobs, /v1 threads

Revision ID: 0002_memory
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_memory"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "memory_docs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(32), sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("said_at", sa.DateTime(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_memory_docs_user_said", "memory_docs", ["user_id", "said_at"])
    op.create_table(
        "memory_vectors",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.String(32), sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("message_id"),
    )
    op.create_index("ix_memory_vectors_user_id_id", "memory_vectors", ["user_id", "id"])
    op.create_table(
        "memory_facts",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("attribute", sa.String(100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("superseded_by", sa.String(32), nullable=True),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("source_message_id", sa.String(32), sa.ForeignKey("messages.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("conversation_id", sa.String(32), nullable=True),
        sa.Column("vector", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_memory_facts_user_id", "memory_facts", ["user_id"])
    op.create_index("ix_memory_facts_key", "memory_facts", ["user_id", "subject", "attribute"])
    op.create_table(
        "memory_jobs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("message_id", sa.String(32), sa.ForeignKey("messages.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_memory_jobs_user_id", "memory_jobs", ["user_id"])
    op.create_index("ix_memory_jobs_status", "memory_jobs", ["status"])
    op.create_table(
        "memory_threads",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("conversation_id", sa.String(32), sa.ForeignKey("conversations.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_memory_threads_user_head", "memory_threads", ["user_id", "head"])

    if op.get_bind().dialect.name == "sqlite":
        # the keyword index: terms are pre-segmented, so unicode61 only splits on spaces;
        # ``context`` holds the previous turn's terms (an answer is found through its question);
        # ``owner`` holds "u<user id>" so a query matches only that user's rows
        op.execute("CREATE VIRTUAL TABLE memory_fts USING fts5(terms, context, owner, "
                   "tokenize = 'unicode61 remove_diacritics 2')")
        op.execute("CREATE TRIGGER memory_docs_ai AFTER INSERT ON memory_docs BEGIN "
                   "INSERT INTO memory_fts(rowid, terms, context, owner) "
                   "VALUES (new.id, new.terms, new.context, 'u' || new.user_id); END")
        op.execute("CREATE TRIGGER memory_docs_ad AFTER DELETE ON memory_docs BEGIN "
                   "DELETE FROM memory_fts WHERE rowid = old.id; END")
        op.execute("CREATE TRIGGER memory_docs_au AFTER UPDATE OF terms, context ON memory_docs BEGIN "
                   "UPDATE memory_fts SET terms = new.terms, context = new.context WHERE rowid = old.id; END")
    else:
        op.execute("ALTER TABLE memory_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
                   "(setweight(to_tsvector('simple', terms), 'A') || "
                   "setweight(to_tsvector('simple', context), 'C')) STORED")
        op.execute("CREATE INDEX ix_memory_docs_tsv ON memory_docs USING gin (tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS memory_fts")
    for table in ("memory_threads", "memory_jobs", "memory_facts", "memory_vectors", "memory_docs"):
        op.drop_table(table)
