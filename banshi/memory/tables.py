"""Memory's tables. The keyword index itself is database-specific and made by the migration
``0002_memory``: an FTS5 table ``memory_fts`` on SQLite (rowid = ``memory_docs.id``, kept in
step by triggers), a generated ``tsv`` column with a GIN index on PostgreSQL.

The same index holds the chunks of the user's documents (``MemoryFile``): each file's chunks
are the messages, with role ``document``, of a conversation of its own that the chat list does
not show; ``index.search`` returns them only when asked for that conversation (its ``scope``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from banshi.store.tables import Base, new_id, utcnow


class MemoryDoc(Base):
    """One indexed message: its keyword terms (jieba + stemmed English), and when it was said.
    A message without a row here is not recalled (incognito, memory off, or forgotten)."""

    __tablename__ = "memory_docs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(16))
    said_at: Mapped[datetime] = mapped_column(DateTime)
    terms: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[str] = mapped_column(Text, default="")  # the previous turn's terms

    __table_args__ = (Index("ix_memory_docs_user_said", "user_id", "said_at"),)


class MemoryVector(Base):
    """The dense embedding of an indexed message (float16, 384 values), filled by the worker."""

    __tablename__ = "memory_vectors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    vector: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (Index("ix_memory_vectors_user_id_id", "user_id", "id"),)


class MemoryFact(Base):
    """A durable fact about the user or someone they mentioned. ``status`` is ``active`` or
    ``superseded`` (kept as history; ``superseded_by`` names the newer fact)."""

    __tablename__ = "memory_facts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(100), default="user")  # "user" or a person
    attribute: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)  # the fact as a sentence, in the user's language
    status: Mapped[str] = mapped_column(String(16), default="active")
    superseded_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    origin: Mapped[str] = mapped_column(String(16), default="rule")  # rule, model, user, import
    source_message_id: Mapped[str | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), nullable=True)
    conversation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_memory_facts_key", "user_id", "subject", "attribute"),)


class MemoryJob(Base):
    """Work left for the memory worker: ``embed`` a message, ``extract`` facts from a user
    message. Kept in the database so a crash or restart loses nothing."""

    __tablename__ = "memory_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)  # pending, running, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class MemoryThread(Base):
    """A conversation that arrives through /v1 from a client resending the whole history:
    ``head`` fingerprints its first messages so the next request finds it again."""

    __tablename__ = "memory_threads"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    head: Mapped[str] = mapped_column(String(64))
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ix_memory_threads_user_head", "user_id", "head"),)


class MemoryFile(Base):
    """An uploaded file whose chunks are in the index: the messages (role ``document``, meta
    ``location``/``source``) of ``conversation_id``, a conversation made for it alone. Deleting
    the conversation deletes the chunks, their index rows and vectors (cascades)."""

    __tablename__ = "memory_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    file_id: Mapped[str] = mapped_column(String(40))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), unique=True)
    chunks: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "file_id", name="uq_memory_files_user_file"),)
