"""The live AIS feed service: named sources (TCP, UDP, a file followed as it grows) kept open while the node runs.

Each source runs on its own daemon thread. Threads rather than asyncio: the work of a batch (framing, numpy
decode, DuckDB dedup and the Parquet write) is synchronous and CPU-bound, and a blocking socket with a short
``select`` tick is the simplest reader that still stops promptly. A source's failure (refused, reset, stalled,
garbage, a flood) is caught in its own thread, shown in its health and retried with capped, jittered
exponential backoff; it never touches the other sources or the node. Batches of all sources are stored one at
a time (one lock), so the store's rule "a report held from another source is held already" holds between them.

What survives a restart, and what does not:

* A **file** source checkpoints, after each batch is stored, the byte offset of the last whole line it read,
  the file's inode, the line count and the decoder's state (clock, pending fragments), atomically, in
  ``<store root>/feeds/<name>.json``. A restart resumes at that offset. A crash between the store write and the
  checkpoint re-reads that one batch, and the store's dedup (same source, same line: held already) stores none
  of it twice. A file replaced or truncated while the feed was down is read from its start, and said so.
* A **socket** source (TCP, UDP) cannot be rewound: what the sender sends while the feed is down is the
  sender's to buffer or re-send. What it re-sends is stored once (the store's dedup: the same report is never
  stored twice); what nobody re-sends is not recoverable. A UDP datagram the kernel drops under overload is
  never seen at all. Socket reports without a time of their own are timed as they arrive (``received``);
  a file's are not (as ``mitra ais ingest FILE``: unknown unless the sentence carries one), so that re-reading
  a line after a crash gives exactly the report stored before.
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from mitra.foundation.errors import InvalidInput
from mitra.foundation.reports import ImportReport
from mitra.pillars.maritime.ais.ingest import AisIngestor, TimeBasis
from mitra.pillars.maritime.ais.nmea import IngestCounts
from mitra.pillars.maritime.ais.store import PositionStore
from mitra.settings import Settings, ais_feed_problem

log = logging.getLogger("mitra.maritime.feed")

FEEDS_DIR = "feeds"  # under the store's root: one checkpoint per source
FEEDS = "ais-feeds"  # the service's name among the node's workers (app.state.workers)
TICK_SECONDS = 0.2  # how often a quiet reader looks up: to flush a batch by time and to notice a stop
MAX_LINE_BYTES = 4096  # a "line" longer than this with no line end is garbage: it is cut and counted
RATE_WINDOW_SECONDS = 10.0  # messages/s is over this recent window
BAD_SAMPLES = 10  # the latest bad lines kept per source, with what was wrong
SAMPLE_CHARS = 160  # of each bad line's text
# Rejects that are a good sentence Mitra does not keep or a report without a usable value: not bad lines.
_NOT_BAD = ("not kept", "not decoded", "reserved variant", "position not available", "coordinates out of range")
_NMEA_STARTS = (b"!", b"$", b"\\", b"#")  # AIS, other NMEA 0183, a tag block, a comment

Kind = Literal["tcp", "udp", "file"]
State = Literal["connecting", "up", "backing off", "stopped"]
StoredHook = Callable[[str, str, Any], None]  # (source name, dataset, the rows newly stored: a pyarrow.Table)
FailureHook = Callable[["FeedHealth"], None]  # a source failed and backs off: its health, with the error


@dataclass(frozen=True)
class FeedSource:
    """One named source: ``tcp://HOST:PORT`` (a client), ``udp://HOST:PORT`` (a listener) or ``file:///PATH``."""

    name: str
    url: str
    kind: Kind
    host: str = ""
    port: int = 0
    path: Path | None = None


def parse_source(name: str, url: str) -> FeedSource:
    """A source from its name and address; a bad one is an error naming the source and what is wrong."""
    problem = ais_feed_problem(name, url)
    if problem:
        raise InvalidInput(f"AIS {problem}")
    if url.startswith("file://"):
        return FeedSource(name, url, "file", path=Path(unquote(url.removeprefix("file://"))))
    scheme, _, rest = url.partition("://")
    host, _, port = rest.rpartition(":")
    return FeedSource(name, url, "tcp" if scheme == "tcp" else "udp", host=host.strip("[]"), port=int(port))


def parse_sources(feeds: Mapping[str, str]) -> list[FeedSource]:
    return [parse_source(name, url) for name, url in feeds.items()]


@dataclass(frozen=True)
class BadLine:
    """A line that was not a good AIS sentence: when it came, its number in the source, why, and its text."""

    at: datetime
    line: int
    reason: str
    text: str


@dataclass(frozen=True)
class FeedHealth:
    """How one source is doing, as the feed page and ``GET /api/v1/maritime/feeds`` show it.

    ``lag_seconds``: now minus the newest message time heard (a tag block, a receiver or base-station time)
    when the source carries one (``lag_basis`` "message time"), else minus when the last message arrived
    ("receive time"); None before any message.
    """

    name: str
    url: str
    kind: str
    state: str
    state_since: datetime
    messages_per_second: float
    messages: int
    lines: int
    stored: int
    duplicates: int
    bad_lines: int
    last_message_at: datetime | None
    newest_message_time: datetime | None
    lag_seconds: float | None
    lag_basis: str
    last_error: str
    last_error_at: datetime | None
    reconnects: int
    bad_samples: tuple[BadLine, ...]


@dataclass
class Backoff:
    """Exponential backoff, capped, with "equal jitter" (half fixed, half random) so sources do not retry in step."""

    initial: float = 0.5
    cap: float = 30.0
    attempts: int = 0
    _random: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        base = min(self.cap, self.initial * (2.0 ** min(self.attempts, 30)))
        self.attempts += 1
        return base / 2 + self._random.uniform(0, base / 2)

    def reset(self) -> None:
        self.attempts = 0


@dataclass(frozen=True)
class FeedOptions:
    """How sources batch and retry. ``idle_seconds``: a TCP source that sends nothing this long is reconnected."""

    batch_seconds: float = 1.0
    batch_lines: int = 5000
    backoff_initial: float = 0.5
    backoff_cap: float = 30.0
    connect_timeout: float = 5.0
    idle_seconds: float = 120.0


@dataclass
class _Chunk:
    lines: list[bytes]
    offset: int = 0  # a file's byte offset after the last whole line of ``lines``
    inode: int = 0  # the file that offset is in


class _Stalled(OSError):
    """A TCP source sent nothing for ``idle_seconds``: the connection is dropped and made again."""


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _split(pending: bytes, data: bytes, overlong: list[bytes]) -> tuple[list[bytes], bytes]:
    """Whole lines of ``pending + data`` (without CR LF) and the part line after them; cut overlong parts."""
    parts = (pending + data).split(b"\n")
    rest = parts.pop()
    if len(rest) > MAX_LINE_BYTES:
        overlong.append(rest[:SAMPLE_CHARS])
        rest = b""
    return _clean(parts, overlong), rest


def _clean(parts: list[bytes], overlong: list[bytes]) -> list[bytes]:
    """Lines without their CR; one longer than :data:`MAX_LINE_BYTES` goes to ``overlong`` (cut), not on."""
    lines: list[bytes] = []
    for part in parts:
        if len(part) > MAX_LINE_BYTES:
            overlong.append(part[:SAMPLE_CHARS])
        else:
            lines.append(part.rstrip(b"\r"))
    return lines


class _SourceRunner:
    """One source's thread: read, batch, store, checkpoint, report; reconnect with backoff on any failure."""

    def __init__(
        self,
        source: FeedSource,
        store: PositionStore,
        *,
        options: FeedOptions,
        write_lock: threading.Lock,
        on_stored: StoredHook | None,
        on_failure: FailureHook | None = None,
    ) -> None:
        self.source = source
        self.on_failure = on_failure
        self.store = store
        self.options = options
        self.write_lock = write_lock
        self.on_stored = on_stored
        self.stop_event = threading.Event()
        self.backoff = Backoff(options.backoff_initial, options.backoff_cap)
        self.thread = threading.Thread(target=self._run, name=f"ais-feed-{source.name}", daemon=True)
        self.ingestor = AisIngestor(store, source=source.name)
        self.ingestor.fresh = {}
        self.checkpoint_path = store.root / FEEDS_DIR / f"{source.name}.json"
        self._health_lock = threading.Lock()
        self._state: State = "connecting"
        self._state_since = time.time()
        self._messages = self._lines = self._stored = self._duplicates = self._bad = self._reconnects = 0
        self._recent: deque[tuple[float, int]] = deque()
        self._last_message_at: float | None = None
        self._last_error = ""
        self._last_error_at: float | None = None
        self._samples: deque[BadLine] = deque(maxlen=BAD_SAMPLES)
        self._overlong: list[bytes] = []
        self._next_line = 1
        self._offset = 0
        self._inode = 0
        self._resume()
        self._offset_pending, self._inode_pending = self._offset, self._inode  # where the reader is, not yet stored

    # ----- the checkpoint ---------------------------------------------------------------------

    def _resume(self) -> None:
        try:
            body = json.loads(self.checkpoint_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            # A damaged checkpoint is not guessed at: the file source starts again from the top, and the
            # store's dedup keeps what was stored before from being stored twice.
            self._error(f"checkpoint {self.checkpoint_path} unreadable ({exc}); starting from the beginning")
            return
        self._next_line = int(body.get("line", 1))
        self._offset = int(body.get("offset", 0))
        self._inode = int(body.get("inode", 0))
        if self.source.kind == "file":
            self.ingestor.restore(body.get("state", {}))

    def _save_checkpoint(self) -> None:
        body: dict[str, Any] = {"source": self.source.url, "line": self._next_line}
        if self.source.kind == "file":
            body |= {"offset": self._offset, "inode": self._inode, "state": self.ingestor.state()}
        self.checkpoint_path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.checkpoint_path.with_name(f".{self.checkpoint_path.name}.tmp")
        with temp.open("w", encoding="utf-8") as handle:
            json.dump(body, handle)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(self.checkpoint_path)

    # ----- health -----------------------------------------------------------------------------

    def _set_state(self, state: State) -> None:
        with self._health_lock:
            if state != self._state:
                self._state, self._state_since = state, time.time()

    def _error(self, message: str) -> None:
        with self._health_lock:
            self._last_error, self._last_error_at = message, time.time()
        log.warning("AIS feed %s: %s", self.source.name, message)

    def health(self) -> FeedHealth:
        now = time.time()
        with self._health_lock:
            while self._recent and self._recent[0][0] < now - RATE_WINDOW_SECONDS:
                self._recent.popleft()
            window = min(RATE_WINDOW_SECONDS, max(now - self._state_since, 1.0))
            rate = sum(n for _, n in self._recent) / window
            clock = self.ingestor.clock
            newest = None if math.isnan(clock) else clock
            basis_time = newest if newest is not None else self._last_message_at
            return FeedHealth(
                name=self.source.name,
                url=self.source.url,
                kind=self.source.kind,
                state=self._state,
                state_since=_utc(self._state_since),
                messages_per_second=rate,
                messages=self._messages,
                lines=self._lines,
                stored=self._stored,
                duplicates=self._duplicates,
                bad_lines=self._bad,
                last_message_at=_utc(self._last_message_at) if self._last_message_at else None,
                newest_message_time=_utc(newest) if newest is not None else None,
                lag_seconds=None if basis_time is None else now - basis_time,
                lag_basis="" if basis_time is None else ("message time" if newest is not None else "receive time"),
                last_error=self._last_error,
                last_error_at=_utc(self._last_error_at) if self._last_error_at else None,
                reconnects=self._reconnects,
                bad_samples=tuple(reversed(self._samples)),
            )

    # ----- the thread -------------------------------------------------------------------------

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout: float) -> None:
        if self.thread.ident is not None:  # started
            self.thread.join(timeout)

    def _run(self) -> None:
        first = True
        while not self.stop_event.is_set():
            if not first:
                with self._health_lock:
                    self._reconnects += 1
            first = False
            self._set_state("connecting")
            delivered = False
            try:
                delivered = self._pump()
                if not self.stop_event.is_set():
                    self._error("the sender closed the connection" if self.source.kind == "tcp" else "source ended")
            except OSError as exc:
                self._error(str(exc) or type(exc).__name__)
            except Exception as exc:  # a bug must not end the source, nor the node: logged whole, retried
                log.exception("AIS feed %s failed", self.source.name)
                self._error(f"internal error: {type(exc).__name__}: {exc}")
            if self.stop_event.is_set():
                break
            if delivered:
                self.backoff.reset()
            self._set_state("backing off")
            if self.on_failure is not None:
                try:
                    self.on_failure(self.health())
                except Exception:  # a listener's failure is its own: the source goes on retrying
                    log.exception("AIS feed %s: on_failure hook failed", self.source.name)
            self.stop_event.wait(self.backoff.next_delay())
        if self.source.kind in ("tcp", "udp"):
            self.ingestor.finish()  # fragments whose rest never came are rejected, counted, not kept silently
            self._account(self.ingestor.counts, [], 0)
        self._set_state("stopped")

    def _pump(self) -> bool:
        """One connection (or one open file): batches until it ends or the service stops; True if it delivered."""
        batch: list[bytes] = []
        started = time.monotonic()
        delivered = False
        chunks = self._chunks()
        try:
            for chunk in chunks:
                if chunk.lines:
                    if not batch:
                        started = time.monotonic()
                    batch.extend(chunk.lines)
                    delivered = True
                if self.source.kind == "file":
                    self._offset_pending, self._inode_pending = chunk.offset, chunk.inode
                full = len(batch) >= self.options.batch_lines
                due = batch and time.monotonic() - started >= self.options.batch_seconds
                moved = self.source.kind == "file" and not batch and self._offset_moved()
                if full or due or moved or (self._overlong and not batch):
                    self._store_batch(batch)
                    batch = []
                if self.stop_event.is_set():
                    break
        finally:
            chunks.close()
            if batch or self._overlong:
                self._store_batch(batch)
        return delivered

    def _offset_moved(self) -> bool:
        """A file whose reader moved on with no line to store (a rotation, a truncation): checkpoint that too."""
        return (self._offset_pending, self._inode_pending) != (self._offset, self._inode)

    def _chunks(self) -> Generator[_Chunk, None, None]:
        if self.source.kind == "tcp":
            return self._tcp()
        if self.source.kind == "udp":
            return self._udp()
        return self._file()

    def _tcp(self) -> Generator[_Chunk, None, None]:
        source = self.source
        try:
            sock = socket.create_connection((source.host, source.port), timeout=self.options.connect_timeout)
        except OSError as exc:
            raise OSError(f"cannot connect to {source.host}:{source.port} ({exc})") from exc
        try:
            self._set_state("up")
            pending = b""
            heard = time.monotonic()
            while not self.stop_event.is_set():
                ready, _, _ = select.select([sock], [], [], TICK_SECONDS)
                if not ready:
                    if time.monotonic() - heard > self.options.idle_seconds:
                        raise _Stalled(f"nothing received for {self.options.idle_seconds:g} s: reconnecting")
                    yield _Chunk([])
                    continue
                data = sock.recv(65536)
                if not data:
                    if pending:  # closed mid-sentence: the part is read, and rejected as the broken line it is
                        yield _Chunk([pending.rstrip(b"\r")])
                    return
                heard = time.monotonic()
                lines, pending = _split(pending, data, self._overlong)
                yield _Chunk(lines)
        finally:
            sock.close()

    def _udp(self) -> Generator[_Chunk, None, None]:
        source = self.source
        family = socket.AF_INET6 if ":" in source.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # room for a burst while a batch is stored
            sock.bind((source.host, source.port))
        except OSError as exc:
            sock.close()
            raise OSError(f"cannot listen on {source.host}:{source.port} ({exc})") from exc
        try:
            self._set_state("up")
            while not self.stop_event.is_set():
                ready, _, _ = select.select([sock], [], [], TICK_SECONDS)
                if not ready:
                    yield _Chunk([])
                    continue
                lines: list[bytes] = []
                for _ in range(256):  # what is waiting, a bounded number of datagrams at a time
                    try:
                        data = sock.recv(65536, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
                    whole, rest = _split(b"", data, self._overlong)
                    lines.extend(whole)
                    if rest:  # a datagram carries whole sentences: its last needs no line end
                        lines.append(rest.rstrip(b"\r"))
                yield _Chunk(lines)
        finally:
            sock.close()

    def _file(self) -> Generator[_Chunk, None, None]:
        path = self.source.path
        assert path is not None
        followed = _FollowedFile(path, self.options.batch_lines, self._overlong)
        try:
            if self._offset and (followed.inode != self._inode or followed.size() < self._offset):
                how = "replaced" if followed.inode != self._inode else "truncated"
                self._error(
                    f"{path} was {how} since byte {self._offset:,} was reached: reading it from its start "
                    "(lines the old file got after that point were not read)"
                )
            elif self._offset:
                followed.seek(self._offset)
            self._set_state("up")
            yield _Chunk([], followed.offset, followed.inode)
            while not self.stop_event.is_set():
                chunks = followed.read()
                if chunks:
                    yield from chunks
                    continue
                if followed.replaced():
                    yield followed.start_again()
                    continue
                yield _Chunk([], followed.offset, followed.inode)
                self.stop_event.wait(TICK_SECONDS)
        finally:
            followed.close()

    # ----- a batch ----------------------------------------------------------------------------

    def _store_batch(self, lines: list[bytes]) -> None:
        first = self._next_line
        received = time.time()
        ingestor = self.ingestor
        ingestor.records_before += ingestor.counts.report.read
        ingestor.counts = IngestCounts(report=ImportReport(source=self.source.name, unit="line"))
        if self.source.kind != "file":
            ingestor.basis = TimeBasis("received", received)
        fresh: dict[str, list[Any]] = {}
        ingestor.fresh = fresh
        overlong, self._overlong = self._overlong, []
        if lines:
            committed = ingestor.state()
            try:
                with self.write_lock:
                    ingestor.feed(lines, first_line=first)
                    # inside the lock: what follows the store sees the batches in the order they were stored,
                    # and a reader holding the lock sees no batch stored and not yet handed over
                    self._hand_over(fresh)
            except Exception:
                # Back to the state of the last stored batch, so that reading these lines again (a file is
                # re-read from its checkpoint) times and assembles them exactly as the first time.
                ingestor.clock = float("nan")
                ingestor.assembler.pending.clear()
                ingestor.restore(committed)
                if self.source.kind != "file":
                    self._error(f"{len(lines):,} lines (from line {first:,}) could not be stored")
                    self._next_line = first + len(lines)
                raise
        self._next_line = first + len(lines)
        if self.source.kind == "file":
            self._offset, self._inode = self._offset_pending, self._inode_pending
        self._save_checkpoint()
        self._account(ingestor.counts, lines, first, overlong=overlong, received=received)
        ingestor.counts = IngestCounts(report=ImportReport(source=self.source.name, unit="line"))

    def _hand_over(self, fresh: dict[str, list[Any]]) -> None:
        if self.on_stored is None:
            return
        for dataset, tables in fresh.items():
            for table in tables:
                try:
                    self.on_stored(self.source.name, dataset, table)
                except Exception:  # a listener's failure is its own: the feed goes on
                    log.exception("AIS feed %s: on_stored hook failed for %s", self.source.name, dataset)

    def _account(
        self,
        counts: IngestCounts,
        lines: list[bytes],
        first: int,
        *,
        overlong: list[bytes] | None = None,
        received: float | None = None,
    ) -> None:
        """Add a batch to the source's health: its counts, and its bad lines with a sample of the latest."""
        report = counts.report
        bad: list[BadLine] = []
        at = _utc(received or time.time())
        bad_count = 0
        for reason, held in report.rejected.items():
            if any(word in reason for word in _NOT_BAD):
                continue
            bad_count += held.count
            for line in held.positions[-BAD_SAMPLES:]:
                index = line - first
                text = lines[index] if 0 <= index < len(lines) else b""
                bad.append(BadLine(at, line, reason, text[:SAMPLE_CHARS].decode("latin-1")))
        for index, raw in enumerate(lines):
            if raw and not raw.startswith(_NMEA_STARTS):
                bad_count += 1
                bad.append(BadLine(at, first + index, "not NMEA 0183", raw[:SAMPLE_CHARS].decode("latin-1")))
        for raw in overlong or []:
            bad_count += 1
            reason = f"longer than {MAX_LINE_BYTES:,} bytes with no line end: cut"
            bad.append(BadLine(at, 0, reason, raw.decode("latin-1")))
        bad.sort(key=lambda b: b.line)
        with self._health_lock:
            self._lines += len(lines)
            self._messages += counts.messages
            self._stored += report.added
            self._duplicates += report.duplicate_count + report.unchanged
            self._bad += bad_count
            self._samples.extend(bad[-BAD_SAMPLES:])
            if counts.messages:
                self._recent.append((time.time(), counts.messages))
                self._last_message_at = received or time.time()


class _FollowedFile:
    """A file read as it grows (``tail -F``): whole lines in chunks of at most a batch, each with its end offset.

    It keeps the last bytes it read and reads them back at each end of file, so that a file truncated and
    written anew to the same size or more (copytruncate) is seen as such, not read on from the middle of a line.
    """

    def __init__(self, path: Path, batch_lines: int, overlong: list[bytes]) -> None:
        self.path = path
        self.batch_lines = batch_lines
        self.overlong = overlong
        try:
            self.handle = path.open("rb")
        except OSError as exc:
            raise OSError(f"cannot open {path} ({exc.strerror or exc})") from exc
        self.inode = os.fstat(self.handle.fileno()).st_ino
        self.offset = 0
        self.pending = b""
        self.last = b""

    def size(self) -> int:
        return os.fstat(self.handle.fileno()).st_size

    def seek(self, offset: int) -> None:
        self.handle.seek(offset)
        self.offset = offset
        self.last = os.pread(self.handle.fileno(), min(offset, 64), offset - min(offset, 64))

    def read(self) -> list[_Chunk]:
        data = self.handle.read(1 << 20)
        if not data:
            return []
        self.last = (self.last + data)[-64:]
        parts = (self.pending + data).split(b"\n")
        self.pending = parts.pop()
        chunks = []
        for start in range(0, len(parts), self.batch_lines):
            piece = parts[start : start + self.batch_lines]
            self.offset += sum(len(part) + 1 for part in piece)
            chunks.append(_Chunk(_clean(piece, self.overlong), self.offset, self.inode))
        if len(self.pending) > MAX_LINE_BYTES:
            self.overlong.append(self.pending[:SAMPLE_CHARS])
            self.offset += len(self.pending)
            self.pending = b""
        return chunks or [_Chunk([], self.offset, self.inode)]

    def replaced(self) -> bool:
        """At the end of the file: is the file at the path another one now, or this one cut short or rewritten?"""
        try:
            now = os.stat(self.path)
        except FileNotFoundError:  # moved away, the new one not there yet: the old may still grow
            return False
        position = self.handle.tell()
        rewritten = os.pread(self.handle.fileno(), len(self.last), position - len(self.last)) != self.last
        return now.st_ino != self.inode or now.st_size < position or rewritten

    def start_again(self) -> _Chunk:
        """The old file's last line without a line end (a line too), then the file at the path from its start."""
        tail = [self.pending.rstrip(b"\r")] if self.pending else []
        if os.stat(self.path).st_ino != self.inode:
            self.handle.close()
            self.handle = self.path.open("rb")
            self.inode = os.fstat(self.handle.fileno()).st_ino
        self.seek(0)
        self.pending = b""
        return _Chunk(tail, 0, self.inode)

    def close(self) -> None:
        self.handle.close()


class FeedService:
    """The node's live AIS sources: ``start()`` opens each on its own thread, ``stop()`` closes them all.

    ``on_stored(source, dataset, rows)`` is called after each batch is stored with the rows newly stored
    (a ``pyarrow.Table`` per dataset written), on the source's thread and while the store's write lock is held
    (:attr:`write_lock`), so it must be quick: queue the rows, do the work elsewhere; ``on_failure(health)`` each time a
    source fails (refused, dropped, stalled) and backs off, for a health alert. A hook that raises is logged.
    """

    def __init__(
        self,
        store: PositionStore,
        sources: list[FeedSource],
        *,
        options: FeedOptions | None = None,
        on_stored: StoredHook | None = None,
        on_failure: FailureHook | None = None,
    ) -> None:
        names = [s.name for s in sources]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise InvalidInput(f"AIS feed names must differ: {', '.join(repeated)} given more than once")
        self.store = store
        self.options = options or FeedOptions()
        self.write_lock = threading.Lock()  # one batch stored (and handed over) at a time, across sources
        self._runners = [
            _SourceRunner(
                s, store, options=self.options, write_lock=self.write_lock, on_stored=on_stored, on_failure=on_failure
            )
            for s in sources
        ]
        self._started = False

    @classmethod
    def for_settings(
        cls, settings: Settings, *, on_stored: StoredHook | None = None, on_failure: FailureHook | None = None
    ) -> FeedService:
        """The node's feeds as ``MITRA_AIS_FEEDS`` names them, into its store."""
        sources = parse_sources(settings.ais_feeds)
        return cls(PositionStore.for_settings(settings), sources, on_stored=on_stored, on_failure=on_failure)

    @property
    def sources(self) -> list[FeedSource]:
        return [r.source for r in self._runners]

    def set_stored_hook(self, on_stored: StoredHook) -> None:
        """What hears each stored batch from now on (what follows the feed: detection, the live map), before start."""
        if self._started:
            raise RuntimeError("the feed's stored hook is set before it starts")
        for runner in self._runners:
            runner.on_stored = on_stored

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        for runner in self._runners:
            runner.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop every source; each stores what it has read and checkpoints before its thread ends."""
        for runner in self._runners:
            runner.stop()
        deadline = time.monotonic() + timeout
        for runner in self._runners:
            runner.join(max(0.0, deadline - time.monotonic()))

    def health(self) -> list[FeedHealth]:
        return [r.health() for r in self._runners]
