"""Engines, sessions and the node-wide writer lock; SQLite (WAL) by default, PostgreSQL too.

Write transactions are serialised by one row lock (``node_state``), so the object sequence
and the audit chain advance in commit order: a sync cursor never skips a late commit.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Dialect,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: Mitra stores only timezone-aware times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class NodeState(Base):
    """One row: the node's counters, locked by every write transaction."""

    __tablename__ = "node_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nation: Mapped[str] = mapped_column(String(3))
    object_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_head: Mapped[str] = mapped_column(String(64))


TURN_WAIT_SECONDS = 30.0  # how long a SQLite writer waits for its turn before SQLite's own lock decides


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


class Database:
    """The node's database: a reader and a writer session factory over one URL."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = _is_sqlite(url)
        self._turns: Path | None = None  # SQLite: the file whose lock gives writers of every process their turn
        if self.is_sqlite:
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                self._turns = Path(f"{path}.writers")
            self.reader = self._sqlite_engine(url, immediate=False, echo=echo)
            self.writer = self._sqlite_engine(url, immediate=True, echo=echo)
        else:
            engine = create_engine(url, echo=echo, pool_pre_ping=True)
            self.reader = engine
            self.writer = engine
        self._read = sessionmaker(self.reader, expire_on_commit=False)
        self._write = sessionmaker(self.writer, expire_on_commit=False)

    @property
    def write_sessions(self) -> sessionmaker[Session]:
        """The factory of write sessions, for after-commit listeners."""
        return self._write

    @staticmethod
    def _sqlite_engine(url: str, *, immediate: bool, echo: bool) -> Engine:
        engine = create_engine(url, echo=echo, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's BEGIN below be the only transaction control.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            # SQLite's default page cache is 2 MB: at 100,000 objects the indexes a page of received versions
            # updates no longer fit, and each store slowed with the size of the node. 64 MB a connection,
            # and the file memory-mapped (reads without a system call each).
            cursor.execute("PRAGMA cache_size=-65536")
            cursor.execute("PRAGMA mmap_size=268435456")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # A writer takes the write lock at BEGIN, so it never fails to upgrade later.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reads; closed (its transaction ended) at the end, objects stay readable."""
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction holding the node lock; committed on success, else rolled back."""
        with self._writers_turn(), self._write() as session:
            try:
                lock_node(session)
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def _writers_turn(self) -> Iterator[None]:
        """On SQLite, wait for the writers' lock file first (``flock``): SQLite's own wait for its write lock
        (``busy_timeout``) sleeps longer and longer between tries, so a process that writes in quick chunks (the
        AIS feed's detection) could keep one that waits out for half a minute. Here a waiter looks every
        millisecond and takes its turn in the writer's first pause. PostgreSQL queues lock waiters itself."""
        if self._turns is None:
            yield
            return
        with self._turns.open("a+b") as handle:
            deadline = time.monotonic() + TURN_WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        break  # SQLite's own lock and timeout decide from here (and say so if it times out)
                    time.sleep(0.001)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def dispose(self) -> None:
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (each with the same columns) in the caller's transaction, one driver ``executemany``.

    The values pass through each column type's bind processing (``UtcDateTime`` included), as through
    ``insert(table)``, but SQLAlchemy's per-row parameter building is skipped: a page of 1,000 received
    versions spent more time there than in SQLite. Only for plain values the columns' types take.
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = list(rows[0])
    # SQLAlchemy writes the statement, once (its own quoting and parameter style); the driver runs it.
    compiled = insert(table).compile(dialect=dialect, column_keys=columns)
    if set(compiled.params) != set(columns):  # a column default SQLAlchemy would have filled in per row
        raise ValueError(f"insert_rows into {table.name}: give every column of {sorted(compiled.params)}")
    order = list(compiled.positiontup or ()) if compiled.positional else columns
    processors = [
        (index, process)
        for index, name in enumerate(order)
        if (process := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    pick = itemgetter(*order)
    values: list[Any] = []
    for row in rows:
        fields = list(pick(row)) if len(order) > 1 else [row[order[0]]]
        for index, process in processors:
            fields[index] = process(fields[index])
        values.append(tuple(fields) if compiled.positional else dict(zip(order, fields, strict=True)))
    connection.exec_driver_sql(compiled.string, values)


def lock_node(session: Session) -> NodeState:
    """Take the node-wide writer lock and return the counters row."""
    state = session.scalars(select(NodeState).where(NodeState.id == 1).with_for_update()).first()
    if state is None:
        raise RuntimeError("the node is not initialised: run `mitra node init`")
    return state
