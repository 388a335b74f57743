"""Revocation lists in one SQLite file: millions of ids, looked up offline.

A :class:`RevocationList` is what ``verify(..., revocation=)`` consults. It
names a certificate by ``(kind, id)`` pairs (:data:`~cccdqr.core.model.RevocationId`):

============== ======================================================== ==========
kind           id                                                       bytes
============== ======================================================== ==========
cti            VN1: the raw ``cti`` claim                               8-16
uci            EU DCC: SHA-256 of the UVCI, first 16 bytes              16
countrycodeuci EU DCC: SHA-256 of issuing country + UVCI, first 16      16
signature      EU DCC: SHA-256 of the signature (EC: r only), first 16  16
rid            SMART Health Cards: ASCII ``kid.rid``                    3-128
uvci           VDS-NC: the UVCI (or a digest of it), as given           1-128
============== ======================================================== ==========

An EU hash given in full (32 bytes) is cut to its first 16 bytes, which is the
id the EU scheme defines; nothing else is ever cut or padded.

Staleness: a list says when it was last brought up to date and for how long
that may be trusted (:meth:`RevocationList.mark_updated`). A list that was
never marked is **stale** (an empty list a sync job never filled must not
make codes look clean); one marked with ``valid_for=None`` never goes stale.

Opening is read-only by default (SQLite ``mode=ro``): that is how a verifier
uses a list. ``writable=True`` or ``create=True`` opens it for changes. One
``RevocationList`` may be shared by threads: every call takes its lock. See
``docs/revocation.md`` for the schema, the file formats and measured speed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from cccdqr.core.errors import RevocationListError
from cccdqr.core.model import RevocationId

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "KINDS",
    "ImportReport",
    "RevocationList",
    "check_id",
    "cti_id",
    "uvci_hashes",
]

FORMAT_NAME = "cccdqr-revocation-list"
FORMAT_VERSION = 1
KINDS = frozenset({"cti", "uci", "countrycodeuci", "signature", "rid", "uvci"})
"""The kinds a list accepts. An unknown kind is refused (a typo would otherwise
file ids under a name no certificate ever asks for)."""

DEFAULT_BATCH = 50_000
"""Ids per import transaction: larger batches touch each B-tree page fewer times
(a 1M-id import took 25 s at 10,000 and 13 s at 100,000); memory grows with it
(about 6 MiB of Python heap at 50,000)."""
_EU_HASH_KINDS = frozenset({"uci", "countrycodeuci", "signature"})
_HEX = re.compile(r"[0-9A-Fa-f]*")
_RID = re.compile(rb"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_MAX_TEXT_ID = 128

_SCHEMA = f"""
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE entries (
    kind TEXT NOT NULL,
    id BLOB NOT NULL,
    added_at INTEGER,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('format', '{FORMAT_NAME}'), ('version', '{FORMAT_VERSION}');
"""
_INSERT = "INSERT OR IGNORE INTO entries (kind, id, added_at) VALUES (?, ?, ?)"
_LOOKUP_GROUP = 8  # ids looked up by one statement


@functools.lru_cache(maxsize=_LOOKUP_GROUP)
def _lookup_sql(n: int) -> str:
    """One statement for ``n`` ids. Each statement costs a read transaction
    (file locks: ~8 µs here), so an EU DCC's three ids are one statement, not
    three. Written as ORs, which SQLite answers from the primary key; the
    row-value form ``(kind, id) IN (VALUES ...)`` scans the whole table."""
    return "SELECT 1 FROM entries WHERE " + " OR ".join(["(kind = ? AND id = ?)"] * n) + " LIMIT 1"


Progress = Callable[[int], None]
"""Called during an import with the number of ids read so far."""
TextFile = str | os.PathLike[str] | IO[str] | IO[bytes]


# --- ids ----------------------------------------------------------------------------------

def check_id(kind: str, value: bytes) -> bytes:
    """The id as stored for ``kind``, or :class:`RevocationListError` if it cannot be one.

    A 32-byte EU hash becomes its first 16 bytes; every other id is returned as is.
    """
    if not isinstance(kind, str) or not isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("a revocation id is a (str, bytes) pair")
    value = bytes(value)
    n = len(value)
    if kind == "cti":
        if not 8 <= n <= 16:
            raise RevocationListError(f"a cti is 8 to 16 bytes, not {n}")
    elif kind in _EU_HASH_KINDS:
        if n == 32:
            return value[:16]
        if n != 16:
            raise RevocationListError(f"a {kind} hash is 16 bytes (or a full 32-byte SHA-256), not {n}")
    elif kind == "rid":
        if n > _MAX_TEXT_ID or not _RID.fullmatch(value):
            raise RevocationListError("a rid is ASCII 'kid.rid' (base64url, one dot, at most 128 bytes)")
    elif kind == "uvci":
        if not 1 <= n <= _MAX_TEXT_ID:
            raise RevocationListError(f"a uvci id is 1 to {_MAX_TEXT_ID} bytes, not {n}")
    else:
        raise RevocationListError(f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    return value


def _from_hex(kind: str, text: str) -> bytes:
    if not text or len(text) % 2 or not _HEX.fullmatch(text):
        raise RevocationListError(f"id is not an even number of hex digits: {text[:40]!r}")
    return check_id(kind, bytes.fromhex(text))


def cti_id(hex_text: str) -> RevocationId:
    """The revocation id of a VN1 certificate from its ``cti`` in hex
    (``VerificationResult.certificate_id``)."""
    return ("cti", _from_hex("cti", hex_text.strip()))


def uvci_hashes(uvci: str, country: str) -> tuple[RevocationId, RevocationId]:
    """The EU DCC ids of a UVCI: ``uci`` (SHA-256 of the UVCI) and ``countrycodeuci``
    (SHA-256 of the issuing country, the CWT ``iss``, followed by the UVCI), each
    the first 16 bytes, over UTF-8 and exactly as written in the certificate."""
    if not isinstance(uvci, str) or not isinstance(country, str) or not uvci or not country:
        raise TypeError("uvci and country must be non-empty strings")
    return (("uci", hashlib.sha256(uvci.encode()).digest()[:16]),
            ("countrycodeuci", hashlib.sha256((country + uvci).encode()).digest()[:16]))


# --- the list -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """What an import did: ``read`` ids (duplicates included), ``added`` new ones."""

    read: int
    added: int


def _utc(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise TypeError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(dt.timezone.utc)


def _epoch(at: dt.datetime | None) -> int | None:
    return None if at is None else int(_utc(at, "at").timestamp())


class RevocationList:
    """A revocation list in a SQLite file; use :meth:`open`, ideally as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, writable: bool) -> None:
        """Internal: use :meth:`open`."""
        self._conn = conn
        self._path = path
        self._writable = writable
        self._lock = threading.Lock()
        self._lookup = conn.cursor()  # reused by is_revoked: a little cheaper than conn.execute
        # _freshness is read on every verify; it is kept until the file changes:
        # PRAGMA data_version moves when another connection commits, _commits
        # when this one does (SQLite leaves data_version alone for those).
        self._commits = 0
        self._fresh: tuple[tuple[int, int], tuple[dt.datetime | None, dt.timedelta | None]] | None = None

    # opening and closing

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, create: bool = False,
             writable: bool = False) -> RevocationList:
        """Open the list at ``path``: read-only by default (for verifying),
        for changes with ``writable=True``, and made if missing with ``create=True``
        (which implies ``writable``). Raises :class:`RevocationListError` when the
        file is missing, not SQLite, or not a revocation list this version reads."""
        p = Path(path)
        writable = writable or create
        if not p.exists() and not create:
            raise RevocationListError(f"{p}: no such revocation list")
        uri = p.resolve().as_uri() + ("?mode=rwc" if writable else "?mode=ro")
        try:
            conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise RevocationListError(f"{p}: cannot open: {exc}") from None
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA mmap_size = 268435456")  # reads without a copy into the cache
            if not writable:
                conn.execute("PRAGMA query_only = ON")
            else:
                conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: bulk imports touch many pages
            if create and not any(conn.execute("SELECT 1 FROM sqlite_master")):
                conn.executescript("BEGIN IMMEDIATE;" + _SCHEMA + "COMMIT;")
            cls._check_format(conn, p)
        except sqlite3.Error as exc:
            conn.close()
            raise RevocationListError(f"{p}: not a revocation list ({exc})") from None
        except BaseException:
            conn.close()
            raise
        return cls(conn, p, writable=writable)

    @staticmethod
    def _check_format(conn: sqlite3.Connection, p: Path) -> None:
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('format', 'version')"))
        except sqlite3.OperationalError:
            meta = {}
        if meta.get("format") != FORMAT_NAME:
            raise RevocationListError(f"{p}: not a revocation list (no {FORMAT_NAME} meta record)")
        version = meta.get("version", "")
        if not version.isdigit() or int(version) != FORMAT_VERSION:
            raise RevocationListError(
                f"{p}: revocation list version {version!r}; this cccdqr reads version {FORMAT_VERSION}")

    def close(self) -> None:
        """Close the file; the object cannot be used afterwards."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> RevocationList:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "writable" if self._writable else "read-only"
        return f"<RevocationList {str(self._path)!r} {mode}>"

    @property
    def path(self) -> Path:
        return self._path

    @property
    def writable(self) -> bool:
        return self._writable

    # looking up (what verify needs)

    def is_revoked(self, ids: Sequence[RevocationId]) -> bool:
        """Whether any of ``ids`` is listed (ids are compared exactly, never normalised)."""
        with self._lock:
            execute = self._lookup.execute
            for start in range(0, len(ids), _LOOKUP_GROUP):
                group = ids[start:start + _LOOKUP_GROUP]
                args = [part for pair in group for part in pair]
                if execute(_lookup_sql(len(group)), args).fetchone() is not None:
                    return True
        return False

    def __contains__(self, item: object) -> bool:
        if not (isinstance(item, tuple) and len(item) == 2):
            return False
        return self.is_revoked((item,))

    def count(self, kind: str | None = None) -> int:
        """How many ids are listed (of ``kind``, or in all)."""
        with self._lock:
            if kind is None:
                row = self._conn.execute("SELECT count(*) FROM entries").fetchone()
            else:
                row = self._conn.execute("SELECT count(*) FROM entries WHERE kind = ?",
                                         (kind,)).fetchone()
        return int(row[0])

    def __len__(self) -> int:
        return self.count()

    def kinds(self) -> dict[str, int]:
        """The number of ids of each kind present."""
        with self._lock:
            return dict(self._conn.execute(
                "SELECT kind, count(*) FROM entries GROUP BY kind ORDER BY kind"))

    # freshness

    def _freshness(self) -> tuple[dt.datetime | None, dt.timedelta | None]:
        """``(updated_at, valid_for)``, read again only when the file has changed
        since the last read (``is_stale`` runs on every verify)."""
        with self._lock:
            version = (self._conn.execute("PRAGMA data_version").fetchone()[0], self._commits)
            if self._fresh is not None and self._fresh[0] == version:
                return self._fresh[1]
            meta = dict(self._conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('updated_at', 'valid_for')"))
            updated, valid_for = meta.get("updated_at"), meta.get("valid_for")
            fresh = (None if updated is None else dt.datetime.fromisoformat(updated),
                     None if valid_for is None else dt.timedelta(seconds=int(valid_for)))
            self._fresh = (version, fresh)
            return fresh

    @property
    def updated_at(self) -> dt.datetime | None:
        """When the list was last brought up to date (``None``: never said)."""
        return self._freshness()[0]

    @property
    def valid_for(self) -> dt.timedelta | None:
        """How long after ``updated_at`` the list may be relied on (``None``: forever)."""
        return self._freshness()[1]

    @property
    def stale_after(self) -> dt.datetime | None:
        """The instant from which :meth:`is_stale` is true, or ``None`` if it never
        will be (marked without a limit) or already is (never marked)."""
        updated, valid_for = self._freshness()
        if updated is None or valid_for is None:
            return None
        return updated + valid_for

    def is_stale(self, now: dt.datetime) -> bool:
        """Whether the list is too old to rely on at ``now``: never marked updated,
        or ``now >= updated_at + valid_for``. A list marked with ``valid_for=None``
        is never stale; one whose ``updated_at`` lies after ``now`` is not stale."""
        now = _utc(now, "now")
        updated, valid_for = self._freshness()
        if updated is None:
            return True
        return valid_for is not None and now >= updated + valid_for

    def mark_updated(self, at: dt.datetime, *, valid_for: dt.timedelta | None) -> None:
        """Record that the list was complete as of ``at`` (usually the publisher's
        timestamp, not the download time) and may be relied on for ``valid_for``
        (``None``: no limit, the list never goes stale)."""
        at = _utc(at, "at")
        if valid_for is not None and (not isinstance(valid_for, dt.timedelta)
                                      or valid_for < dt.timedelta(seconds=1)):
            raise TypeError("valid_for must be a timedelta of at least one second, or None")
        rows: list[tuple[str, str | None]] = [
            ("updated_at", at.isoformat()),
            ("valid_for", None if valid_for is None else str(int(valid_for.total_seconds())))]
        with self._writing() as conn:
            for key, value in rows:
                if value is None:
                    conn.execute("DELETE FROM meta WHERE key = ?", (key,))
                else:
                    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 (key, value))

    # changing

    class _Transaction:
        def __init__(self, owner: RevocationList) -> None:
            self.owner = owner

        def __enter__(self) -> sqlite3.Connection:
            if not self.owner._writable:
                raise RevocationListError(f"{self.owner._path}: opened read-only")
            self.owner._lock.acquire()
            try:
                self.owner._conn.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.owner._lock.release()
                raise
            return self.owner._conn

        def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                     tb: TracebackType | None) -> None:
            try:
                self.owner._conn.execute("COMMIT" if exc_type is None else "ROLLBACK")
            finally:
                self.owner._commits += 1
                self.owner._lock.release()

    def _writing(self) -> RevocationList._Transaction:
        """One write transaction under the lock; refused on a read-only list."""
        return RevocationList._Transaction(self)

    def add(self, kind: str, value: bytes, *, at: dt.datetime | None = None) -> bool:
        """List one id (checked with :func:`check_id`); ``at`` is recorded as
        ``added_at``. Returns whether it was new."""
        stored = check_id(kind, value)
        with self._writing() as conn:
            return conn.execute(_INSERT, (kind, stored, _epoch(at))).rowcount == 1

    def add_many(self, ids: Iterable[RevocationId], *, batch: int = DEFAULT_BATCH,
                 at: dt.datetime | None = None) -> int:
        """List many ids, ``batch`` per transaction (memory stays bounded for any
        iterable). Every id is checked; the first bad one raises, after the ids
        before it are committed. Returns how many were new."""
        report = self._import(((None, kind, value) for kind, value in ids), batch=batch,
                              at=at, progress=None)
        return report.added

    def remove(self, kind: str, value: bytes) -> bool:
        """Unlist one id; returns whether it was listed."""
        stored = check_id(kind, value)
        with self._writing() as conn:
            return conn.execute("DELETE FROM entries WHERE kind = ? AND id = ?",
                                (kind, stored)).rowcount == 1

    def _import(self, rows: Iterable[tuple[int | None, str, bytes]], *, batch: int,
                at: dt.datetime | None, progress: Progress | None) -> ImportReport:
        """Insert checked rows ``(line, kind, id)`` in batches of one transaction
        each. A bad row stops the import: the rows before it are committed, then
        the error is raised naming its line."""
        if not isinstance(batch, int) or batch < 1:
            raise TypeError("batch must be a positive int")
        if not self._writable:
            raise RevocationListError(f"{self._path}: opened read-only")
        added_at = _epoch(at)
        read = added = 0
        pending: list[tuple[str, bytes, int | None]] = []

        def flush() -> None:
            nonlocal added
            if pending:
                pending.sort()  # neighbouring keys: fewer B-tree pages touched per batch
                with self._writing() as conn:
                    before = conn.total_changes
                    conn.executemany(_INSERT, pending)
                    added += conn.total_changes - before
                pending.clear()
            if progress is not None:
                progress(read)

        try:
            for line, kind, value in rows:
                try:
                    pending.append((kind, check_id(kind, value), added_at))
                except RevocationListError as exc:
                    where = f"line {line}" if line is not None else f"id {read + 1}"
                    raise RevocationListError(f"{where}: {exc}") from None
                read += 1
                if len(pending) >= batch:
                    flush()
        except RevocationListError as exc:
            flush()  # everything before the bad line stays imported
            raise RevocationListError(
                f"{exc} ({read} ids before it were read, {added} of them new)") from None
        flush()
        return ImportReport(read=read, added=added)

    # files

    def import_file(self, source: TextFile, *, fmt: Literal["text", "csv"],
                    kind: str | None = None, batch: int = DEFAULT_BATCH,
                    at: dt.datetime | None = None, progress: Progress | None = None
                    ) -> ImportReport:
        """Add the ids in a file (a path, or a text or binary file object), streaming.

        ``fmt="text"``: one hex id per line, all of ``kind`` (default ``"cti"``).
        ``fmt="csv"``: lines ``kind,id`` (id in hex), an optional ``kind,id``
        header; with ``kind`` given, a row of another kind is an error. In both,
        blank lines and lines starting with ``#`` are skipped and surrounding
        whitespace is ignored. Memory stays bounded (one batch); each batch is
        its own transaction, so verifiers reading the file are not held up.
        A bad line raises :class:`RevocationListError` naming its line number,
        after the lines before it are committed (an import is idempotent: fix
        the line and run it again). ``progress(read)`` is called after each batch.
        """
        if fmt not in ("text", "csv"):
            raise RevocationListError(f"unknown import format {fmt!r} (text or csv)")
        if kind is not None and kind not in KINDS:
            raise RevocationListError(f"unknown kind {kind!r}; known: {', '.join(sorted(KINDS))}")
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as f:
                return self.import_file(f, fmt=fmt, kind=kind, batch=batch, at=at, progress=progress)
        rows = (_text_rows(_lines(source), kind or "cti") if fmt == "text"
                else _csv_rows(_lines(source), kind))
        return self._import(rows, batch=batch, at=at, progress=progress)

    def export(self, target: str | os.PathLike[str] | IO[str], *,
               fmt: Literal["text", "csv"] = "csv", kind: str | None = None) -> int:
        """Write the listed ids, in key order, in a format :meth:`import_file`
        reads back; returns how many. ``fmt="text"`` holds one kind only, so
        ``kind`` is required for it; for CSV it narrows the export."""
        if fmt not in ("text", "csv"):
            raise RevocationListError(f"unknown export format {fmt!r} (text or csv)")
        if fmt == "text" and kind is None:
            raise RevocationListError("a text export holds one kind: pass kind=")
        if isinstance(target, (str, os.PathLike)):
            with open(target, "w", encoding="ascii", newline="\n") as f:
                return self.export(f, fmt=fmt, kind=kind)
        written = 0
        if fmt == "csv":
            target.write("kind,id\n")
        for row_kind, value in self._iter_entries(kind):
            target.write(f"{row_kind},{value.hex()}\n" if fmt == "csv" else f"{value.hex()}\n")
            written += 1
        return written

    def _iter_entries(self, kind: str | None, page: int = 5_000) -> Iterator[tuple[str, bytes]]:
        """Every entry in key order, a page at a time (the lock is not held between pages)."""
        after: tuple[str, bytes] = ("", b"")
        while True:
            with self._lock:
                if kind is None:
                    rows = self._conn.execute(
                        "SELECT kind, id FROM entries WHERE (kind, id) > (?, ?) "
                        "ORDER BY kind, id LIMIT ?", (*after, page)).fetchall()
                else:
                    rows = self._conn.execute(
                        "SELECT kind, id FROM entries WHERE kind = ? AND id > ? "
                        "ORDER BY id LIMIT ?", (kind, after[1], page)).fetchall()
            if not rows:
                return
            yield from rows
            after = rows[-1]


def _lines(source: IO[str] | IO[bytes]) -> Iterator[tuple[int, str]]:
    """``(line number, stripped text)`` of each line that is not blank or a comment."""
    lines: Iterator[str | bytes] = iter(source)
    if not isinstance(source, io.TextIOBase):
        lines = _decoded(lines)
    for number, line in enumerate(lines, start=1):
        assert isinstance(line, str)
        line = line.strip()
        if number == 1:
            line = line.removeprefix("\ufeff").strip()  # a byte-order mark from spreadsheet tools
        if line and line[0] != "#":
            yield number, line


def _decoded(lines: Iterator[str | bytes]) -> Iterator[str]:
    for number, raw in enumerate(lines, start=1):
        try:
            yield raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            raise RevocationListError(f"line {number}: not UTF-8 text") from None


def _text_rows(lines: Iterable[tuple[int, str]], kind: str) -> Iterator[tuple[int, str, bytes]]:
    for number, line in lines:
        yield number, kind, _hex_or_bad_line(number, line)


def _csv_rows(lines: Iterable[tuple[int, str]], only: str | None
              ) -> Iterator[tuple[int, str, bytes]]:
    first = True
    for number, line in lines:
        fields = [f.strip().strip('"').strip() for f in line.split(",")]
        if first and [f.lower() for f in fields] == ["kind", "id"]:
            first = False
            continue
        first = False
        if len(fields) != 2:
            raise RevocationListError(f"line {number}: expected 'kind,id', got {len(fields)} fields")
        kind, hex_id = fields
        if kind not in KINDS:
            raise RevocationListError(
                f"line {number}: unknown kind {kind[:20]!r}; known: {', '.join(sorted(KINDS))}")
        if only is not None and kind != only:
            raise RevocationListError(f"line {number}: kind {kind!r}, but the import is of {only!r}")
        yield number, kind, _hex_or_bad_line(number, hex_id)


def _hex_or_bad_line(number: int, text: str) -> bytes:
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if not value or 2 * len(value) != len(text):  # fromhex skips whitespace: refuse it here
        raise RevocationListError(f"line {number}: not an even number of hex digits: {text[:40]!r}")
    return value
