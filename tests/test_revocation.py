"""cccdqr.trust.revocation: revocation lists in real SQLite files, their import/export, and verify()."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import sqlite3
import tempfile
import threading
import tracemalloc
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from cccdqr import Reason, Status
from cccdqr.cli._progress import import_with_progress
from cccdqr.core.errors import CccdqrError, RevocationListError
from cccdqr.trust.revocation import (
    FORMAT_VERSION,
    KINDS,
    ImportReport,
    RevocationList,
    check_id,
    cti_id,
    uvci_hashes,
)

import helpers
from helpers import CTI, NOW

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)
RevId = tuple[str, bytes]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "revoked.sqlite"


@pytest.fixture
def rl(path: Path) -> Iterable[RevocationList]:
    with RevocationList.open(path, create=True) as writable:
        yield writable


def _write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def _csv_ids(text: str) -> set[RevId]:
    lines = text.splitlines()
    assert lines[0] == "kind,id"
    out = set()
    for line in lines[1:]:
        kind, hex_id = line.split(",")
        out.add((kind, bytes.fromhex(hex_id)))
    return out


def _export(rl: RevocationList, **options: object) -> str:
    out = io.StringIO()
    rl.export(out, **options)  # type: ignore[arg-type]
    return out.getvalue()


# --- ids ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "value"), [
    ("cti", bytes(8)), ("cti", bytes(12)), ("cti", bytes(16)),
    ("uci", bytes(16)), ("countrycodeuci", b"\xff" * 16), ("signature", bytes(range(16))),
    ("rid", b"kid_-1.rid-_2"), ("uvci", b"URN:UVCI:V1:VN:ABC"), ("uvci", b"\x00"),
])
def test_check_id_accepts(kind: str, value: bytes) -> None:
    assert check_id(kind, value) == value


@pytest.mark.parametrize(("kind", "value", "words"), [
    ("cti", bytes(7), "8 to 16"), ("cti", bytes(17), "8 to 16"), ("cti", b"", "8 to 16"),
    ("uci", bytes(15), "16 bytes"), ("signature", bytes(33), "16 bytes"),
    ("countrycodeuci", bytes(20), "16 bytes"),
    ("rid", b"norid", "kid.rid"), ("rid", b"a.b.c", "kid.rid"), ("rid", b".rid", "kid.rid"),
    ("rid", b"kid.", "kid.rid"), ("rid", b"k d.rid", "kid.rid"), ("rid", b"k" * 127 + b".r", "kid.rid"),
    ("uvci", b"", "1 to 128"), ("uvci", bytes(129), "1 to 128"),
    ("CTI", bytes(12), "unknown kind"), ("dgc", bytes(16), "unknown kind"),
])
def test_check_id_refuses(kind: str, value: bytes, words: str) -> None:
    with pytest.raises(RevocationListError, match=words):
        check_id(kind, value)


def test_full_eu_hash_is_cut_to_its_first_16_bytes() -> None:
    digest = hashlib.sha256(b"URN:UVCI:01:AT:10807843F94AEE0EE5093FBC254BD813#B").digest()
    for kind in ("uci", "countrycodeuci", "signature"):
        assert check_id(kind, digest) == digest[:16]
    with pytest.raises(RevocationListError):
        check_id("cti", digest)  # only the EU hashes are ever cut


def test_check_id_wrong_types() -> None:
    with pytest.raises(TypeError):
        check_id("cti", "00" * 12)  # type: ignore[arg-type]


def test_errors_are_cccdqr_errors_and_value_errors() -> None:
    assert issubclass(RevocationListError, CccdqrError)
    assert issubclass(RevocationListError, ValueError)


def test_cti_id() -> None:
    assert cti_id(CTI.hex()) == ("cti", CTI)
    assert cti_id(" " + CTI.hex().upper() + "\n") == ("cti", CTI)
    for bad in ("", "0", "zz" * 12, "00" * 7, "00" * 17, "00 " * 12):
        with pytest.raises(RevocationListError):
            cti_id(bad)


def test_uvci_hashes_follow_the_eu_scheme() -> None:
    uvci = "URN:UVCI:01:VN:ABC123#X"
    uci, country_uci = uvci_hashes(uvci, "VN")
    assert uci == ("uci", hashlib.sha256(uvci.encode()).digest()[:16])
    assert country_uci == ("countrycodeuci", hashlib.sha256(b"VN" + uvci.encode()).digest()[:16])
    assert uvci_hashes(uvci, "DE")[0] == uci  # the UVCI hash does not depend on the country
    assert uvci_hashes(uvci, "DE")[1] != country_uci
    # exactly as written: no case folding or trimming
    assert uvci_hashes(uvci.lower(), "VN")[0] != uci
    with pytest.raises(TypeError):
        uvci_hashes("", "VN")


def test_uvci_hashes_can_be_listed(rl: RevocationList) -> None:
    ids = uvci_hashes("URN:UVCI:01:VN:ABC123#X", "VN")
    assert rl.add_many(ids) == 2
    assert rl.is_revoked(uvci_hashes("URN:UVCI:01:VN:ABC123#X", "VN"))
    assert rl.is_revoked(uvci_hashes("URN:UVCI:01:VN:ABC123#X", "LA"))  # found by the uci hash
    assert not rl.is_revoked(uvci_hashes("URN:UVCI:01:VN:ABC124#X", "VN"))


# --- opening ------------------------------------------------------------------------------

def test_schema_and_meta(rl: RevocationList, path: Path) -> None:
    rl.add("cti", CTI)
    raw = sqlite3.connect(path)
    tables = dict(raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    assert set(tables) == {"meta", "entries"}
    assert "WITHOUT ROWID" in tables["entries"] and "PRIMARY KEY (kind, id)" in tables["entries"]
    meta = dict(raw.execute("SELECT key, value FROM meta"))
    assert meta == {"format": "cccdqr-revocation-list", "version": str(FORMAT_VERSION)}
    assert raw.execute("SELECT kind, id, added_at FROM entries").fetchall() == [("cti", CTI, None)]
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    raw.close()


def test_added_at_is_recorded_when_given(rl: RevocationList, path: Path) -> None:
    rl.add("cti", CTI, at=NOW)
    rl.add_many([("cti", bytes(12))], at=NOW + DAY)
    raw = sqlite3.connect(path)
    assert sorted(r[0] for r in raw.execute("SELECT added_at FROM entries")) == [
        int(NOW.timestamp()), int((NOW + DAY).timestamp())]
    raw.close()


def test_open_missing_file_refuses_without_create(path: Path) -> None:
    with pytest.raises(RevocationListError, match="no such"):
        RevocationList.open(path)
    with pytest.raises(RevocationListError, match="no such"):
        RevocationList.open(path, writable=True)
    assert not path.exists()


def test_open_refuses_other_files(tmp_path: Path) -> None:
    junk = _write(tmp_path / "junk.sqlite", b"this is not a database file at all" * 200)
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    for p in (junk, other):
        for options in ({}, {"writable": True}, {"create": True}):
            with pytest.raises(RevocationListError, match="not a revocation list"):
                RevocationList.open(p, **options)


def test_only_create_makes_the_schema(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.sqlite", b"")
    for options in ({}, {"writable": True}):
        with pytest.raises(RevocationListError, match="not a revocation list"):
            RevocationList.open(empty, **options)
    with RevocationList.open(empty, create=True) as made:
        assert made.count() == 0


def test_open_refuses_another_version(path: Path) -> None:
    RevocationList.open(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'version'")
    conn.commit()
    conn.close()
    with pytest.raises(RevocationListError, match="version '2'"):
        RevocationList.open(path)


def test_create_on_an_existing_list_keeps_it(path: Path) -> None:
    with RevocationList.open(path, create=True) as first:
        first.add("cti", CTI)
    with RevocationList.open(path, create=True) as again:
        assert again.count() == 1


def test_writable_open_of_an_existing_list(path: Path) -> None:
    RevocationList.open(path, create=True).close()
    with RevocationList.open(path, writable=True) as rl:
        assert rl.writable
        assert rl.add("cti", CTI)
        assert rl.import_file(io.StringIO(bytes(12).hex()), fmt="text").added == 1
        rl.mark_updated(NOW, valid_for=None)
        assert rl.remove("cti", CTI)
    with RevocationList.open(path) as ro:
        assert ro.count() == 1 and not ro.is_stale(NOW)


def test_read_only_open_refuses_every_write(rl: RevocationList, path: Path, tmp_path: Path) -> None:
    rl.add("cti", CTI)
    rl.mark_updated(NOW, valid_for=DAY)
    before = path.read_bytes()
    ids_file = _write(tmp_path / "ids.txt", bytes(12).hex() + "\n")
    with RevocationList.open(path) as ro:
        assert not ro.writable
        writes = [
            lambda: ro.add("cti", bytes(12)),
            lambda: ro.add_many([("cti", bytes(12))]),
            lambda: ro.remove("cti", CTI),
            lambda: ro.import_file(ids_file, fmt="text"),
            lambda: ro.mark_updated(NOW + DAY, valid_for=None),
        ]
        for write in writes:
            with pytest.raises(RevocationListError, match="read-only"):
                write()
        # and SQLite itself refuses (mode=ro, query_only), not only our check
        with pytest.raises(sqlite3.OperationalError):
            ro._conn.execute("DELETE FROM entries")
        assert ro.count() == 1 and ro.is_revoked([("cti", CTI)])
    assert path.read_bytes() == before


def test_read_only_file_on_disk(rl: RevocationList, path: Path) -> None:
    rl.add("cti", CTI)
    rl.close()
    os.chmod(path, 0o444)
    try:
        with RevocationList.open(path) as ro:  # a list on read-only media still verifies
            assert ro.is_revoked([("cti", CTI)])
    finally:
        os.chmod(path, 0o644)


def test_a_reader_sees_what_a_writer_committed(rl: RevocationList, path: Path) -> None:
    with RevocationList.open(path) as ro:
        assert not ro.is_revoked([("cti", CTI)])
        rl.add("cti", CTI)
        assert ro.is_revoked([("cti", CTI)])


def test_closed_list_cannot_be_used(path: Path) -> None:
    listed = RevocationList.open(path, create=True)
    listed.close()
    with pytest.raises(sqlite3.ProgrammingError):
        listed.count()


# --- add, remove, count, lookup -----------------------------------------------------------

def test_add_count_remove(rl: RevocationList) -> None:
    assert rl.count() == 0 and len(rl) == 0
    assert rl.add("cti", CTI) is True
    assert rl.add("cti", CTI) is False  # duplicates are ignored
    assert rl.add("uci", bytes(32)) is True  # stored as its first 16 bytes
    assert rl.add("uci", bytes(16)) is False
    assert rl.count() == 2 and rl.count("cti") == 1 and rl.count("rid") == 0
    assert rl.kinds() == {"cti": 1, "uci": 1}
    assert ("cti", CTI) in rl and ("cti", bytes(12)) not in rl and "cti" not in rl
    assert rl.remove("cti", CTI) is True
    assert rl.remove("cti", CTI) is False
    assert rl.count() == 1


def test_add_checks_the_id(rl: RevocationList) -> None:
    with pytest.raises(RevocationListError, match="8 to 16"):
        rl.add("cti", bytes(4))
    with pytest.raises(RevocationListError, match="unknown kind"):
        rl.add("vn1", bytes(12))
    assert rl.count() == 0


def test_is_revoked_any_of_several_ids(rl: RevocationList) -> None:
    rl.add("countrycodeuci", bytes(16))
    assert rl.is_revoked([("uci", bytes(16)), ("countrycodeuci", bytes(16))])
    assert not rl.is_revoked([("uci", bytes(16)), ("signature", bytes(16))])
    assert not rl.is_revoked([])
    # the kind is part of the key: the same bytes under another kind are not listed
    assert not rl.is_revoked([("uci", bytes(16))])


def test_is_revoked_pairs_each_kind_with_its_own_id(rl: RevocationList) -> None:
    """Several ids go to SQLite in one statement: each kind must still be
    matched with its own id, never with another pair's, in every group."""
    a, b = bytes(16), b"\xff" * 16
    rl.add("uci", a)
    rl.add("signature", b)
    assert not rl.is_revoked([("countrycodeuci", a), ("uci", b), ("signature", a)])
    crossed = [("cti", i.to_bytes(12, "big")) for i in range(20)]
    assert not rl.is_revoked([*crossed, ("uci", b), ("signature", a)])
    for where in (0, 7, 8, 16, 21):  # in the first, at a group's edge, in a later group
        ids = [*crossed[:where], ("signature", b), *crossed[where:]]
        assert rl.is_revoked(ids), where


def test_add_many_reports_new_ones_and_stops_at_a_bad_id(rl: RevocationList) -> None:
    ids = [("cti", i.to_bytes(12, "big")) for i in range(25)]
    assert rl.add_many(ids + ids, batch=7) == 25
    with pytest.raises(RevocationListError, match="id 3: a cti is 8 to 16 bytes"):
        rl.add_many([("cti", bytes(range(12))), ("cti", bytes(range(1, 13))), ("cti", b"x")])
    assert rl.count() == 27  # the ids before the bad one were committed
    with pytest.raises(TypeError):
        rl.add_many(ids, batch=0)


def test_threads_share_one_list(rl: RevocationList, path: Path) -> None:
    listed = [("cti", i.to_bytes(12, "big")) for i in range(0, 400, 2)]
    rl.add_many(listed)
    errors: list[BaseException] = []
    with RevocationList.open(path) as ro:
        def work(offset: int) -> None:
            try:
                for i in range(offset, 400, 3):
                    assert ro.is_revoked([("cti", i.to_bytes(12, "big"))]) == (i % 2 == 0)
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
        threads = [threading.Thread(target=work, args=(k,)) for k in range(3) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert not errors


# --- staleness ----------------------------------------------------------------------------

def test_a_list_never_marked_is_stale(rl: RevocationList) -> None:
    assert rl.updated_at is None and rl.valid_for is None and rl.stale_after is None
    assert rl.is_stale(NOW)


def test_stale_from_updated_plus_valid_for(rl: RevocationList, path: Path) -> None:
    updated = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    rl.mark_updated(updated, valid_for=DAY)
    assert rl.updated_at == updated and rl.updated_at.tzinfo == UTC
    assert rl.stale_after == updated + DAY
    assert not rl.is_stale(updated)
    assert not rl.is_stale(updated + DAY - dt.timedelta(seconds=1))
    assert rl.is_stale(updated + DAY)  # like exp: stale *at* the limit
    assert not rl.is_stale(updated - DAY)  # a verifier clock behind the publisher's
    with RevocationList.open(path) as ro:  # kept in the file
        assert ro.is_stale(updated + 2 * DAY) and not ro.is_stale(updated)


def test_valid_for_none_is_never_stale(rl: RevocationList) -> None:
    rl.mark_updated(NOW, valid_for=DAY)
    rl.mark_updated(NOW, valid_for=None)
    assert rl.valid_for is None and rl.stale_after is None
    assert not rl.is_stale(NOW + 10_000 * DAY)


def test_freshness_follows_changes_after_it_was_read(rl: RevocationList, path: Path) -> None:
    """is_stale keeps what it read until the file changes: a change by this
    list itself, or by another connection (another process updating the file
    under a running checkpoint), is seen on the next call."""
    with RevocationList.open(path) as reader:
        assert reader.is_stale(NOW) and rl.is_stale(NOW)  # both have read "never marked"
        rl.mark_updated(NOW, valid_for=DAY)
        assert not rl.is_stale(NOW)  # its own write
        assert not reader.is_stale(NOW) and reader.updated_at == NOW  # another connection's write
        rl.mark_updated(NOW - 2 * DAY, valid_for=DAY)
        assert rl.is_stale(NOW) and reader.is_stale(NOW)
        assert reader.stale_after == NOW - DAY


def test_staleness_arguments(rl: RevocationList) -> None:
    with pytest.raises(TypeError):
        rl.is_stale(dt.datetime(2026, 1, 1))  # naive
    with pytest.raises(TypeError):
        rl.mark_updated(dt.datetime(2026, 1, 1), valid_for=DAY)
    for bad in (dt.timedelta(0), dt.timedelta(milliseconds=999), -DAY, 86400):
        with pytest.raises(TypeError):
            rl.mark_updated(NOW, valid_for=bad)  # type: ignore[arg-type]


# --- import and export --------------------------------------------------------------------

def test_text_import_defaults_to_cti(rl: RevocationList, tmp_path: Path) -> None:
    ids = [i.to_bytes(12, "big") for i in range(5)]
    text = "# VN1 revoked cti\n\n" + "".join(f"  {v.hex().upper()}\r\n" for v in ids) + ids[0].hex()
    report = rl.import_file(_write(tmp_path / "ids.txt", "\ufeff" + text), fmt="text")
    assert report == ImportReport(read=6, added=5)
    assert rl.kinds() == {"cti": 5}
    assert _export(rl, fmt="text", kind="cti") == "".join(f"{v.hex()}\n" for v in ids)


def test_text_import_of_uvci_hashes(rl: RevocationList) -> None:
    uci = uvci_hashes("URN:UVCI:01:VN:X1", "VN")[0][1]
    full = hashlib.sha256(b"URN:UVCI:01:VN:X2").digest()
    report = rl.import_file(io.StringIO(f"{uci.hex()}\n{full.hex()}\n"), fmt="text", kind="uci")
    assert report.added == 2
    assert rl.is_revoked([("uci", full[:16])]) and rl.is_revoked([("uci", uci)])


def test_csv_round_trip_through_files(rl: RevocationList, tmp_path: Path) -> None:
    ids = {("cti", CTI), ("uci", bytes(16)), ("rid", b"kid1.rid1"), ("uvci", b"URN:UVCI:V1:VN:1")}
    rl.add_many(ids)
    out = tmp_path / "out.csv"
    assert rl.export(out) == 4
    assert _csv_ids(out.read_text()) == ids
    with RevocationList.open(tmp_path / "copy.sqlite", create=True) as copy:
        assert copy.import_file(out, fmt="csv") == ImportReport(read=4, added=4)
        assert _export(copy) == out.read_text()
        assert _export(copy, kind="rid") == "kind,id\nrid," + b"kid1.rid1".hex() + "\n"


def test_csv_without_header_and_with_quotes(rl: RevocationList) -> None:
    report = rl.import_file(io.StringIO(f'cti,{CTI.hex()}\n"uci" , "{"ab" * 16}"\n'), fmt="csv")
    assert report.added == 2 and rl.kinds() == {"cti": 1, "uci": 1}


def test_import_from_a_binary_file_object(rl: RevocationList) -> None:
    assert rl.import_file(io.BytesIO(b"kind,id\ncti," + CTI.hex().encode() + b"\n"),
                          fmt="csv").added == 1


@pytest.mark.parametrize(("fmt", "kind", "content", "line", "words"), [
    ("text", None, "00112233445566778899aabb\nnot hex\n", 2, "hex digits"),
    ("text", None, "00112233445566778899aabb\n\n# ok\n0011223\n", 4, "hex digits"),
    ("text", None, "00112233445566778899aabb\n00 11 22 33 44 55 66 77\n", 2, "hex digits"),
    ("text", None, "0011223344556677\n00112233445566\n", 2, "8 to 16"),
    ("text", "uci", "00" * 16 + "\n" + "00" * 17 + "\n", 2, "16 bytes"),
    ("text", "rid", "6b69642e726964\n6b6964\n", 2, "kid.rid"),
    ("csv", None, "kind,id\ncti,00112233445566778899aabb\nvn1,00112233445566778899aabb\n", 3,
     "unknown kind"),
    ("csv", None, "kind,id\ncti,00112233445566778899aabb\ncti,0011,extra\n", 3, "got 3 fields"),
    ("csv", None, "cti,00112233445566778899aabb\ncti 00112233445566778899aabb\n", 2, "got 1 fields"),
    ("csv", None, "kind,id\ncti,00112233445566778899aabb\nkind,id\n", 3, "unknown kind"),
    ("csv", "cti", "cti,00112233445566778899aabb\nuci," + "00" * 16 + "\n", 2,
     "the import is of 'cti'"),
    ("csv", None, "cti,00112233445566778899aabb\nuci,00\n", 2, "16 bytes"),
])
def test_bad_line_names_its_number(rl: RevocationList, fmt: str, kind: str | None, content: str,
                                   line: int, words: str) -> None:
    with pytest.raises(RevocationListError, match=f"^line {line}: .*{words}") as err:
        rl.import_file(io.StringIO(content), fmt=fmt, kind=kind)  # type: ignore[arg-type]
    assert "1 ids before it were read" in str(err.value)
    assert rl.count() == 1  # the good line before the bad one was committed
    # fixing the file and importing again is safe: duplicates are ignored
    good = "\n".join(content.splitlines()[:line - 1])
    assert rl.import_file(io.StringIO(good), fmt=fmt, kind=kind).added == 0  # type: ignore[arg-type]


def test_bad_utf8_line_is_named(rl: RevocationList) -> None:
    with pytest.raises(RevocationListError, match="^line 2: not UTF-8"):
        rl.import_file(io.BytesIO(CTI.hex().encode() + b"\n\xff\xfe\n"), fmt="text")
    assert rl.count() == 1


def test_import_and_export_arguments(rl: RevocationList) -> None:
    with pytest.raises(RevocationListError, match="unknown import format"):
        rl.import_file(io.StringIO(""), fmt="json")  # type: ignore[arg-type]
    with pytest.raises(RevocationListError, match="unknown kind"):
        rl.import_file(io.StringIO(""), fmt="text", kind="CTI")
    with pytest.raises(RevocationListError, match="pass kind="):
        rl.export(io.StringIO(), fmt="text")
    with pytest.raises(RevocationListError, match="unknown export format"):
        rl.export(io.StringIO(), fmt="xml")  # type: ignore[arg-type]
    assert rl.import_file(io.StringIO("# nothing\n\n"), fmt="csv") == ImportReport(read=0, added=0)


def test_export_pages_through_many_entries_in_key_order(rl: RevocationList) -> None:
    ids = [(k, i.to_bytes(16, "big")) for i in range(6000) for k in ("uci", "signature")]
    rl.add_many(reversed(ids))
    lines = _export(rl).splitlines()[1:]
    assert len(lines) == 12_000
    assert lines == sorted(lines)  # kind, then id (hex of equal-length ids sorts as the bytes)
    assert _export(rl, fmt="text", kind="uci").count("\n") == 6000


def test_progress_is_reported_per_batch(rl: RevocationList) -> None:
    seen: list[int] = []
    text = "".join(f"{i:024x}\n" for i in range(2500))
    report = rl.import_file(io.StringIO(text), fmt="text", batch=1000, progress=seen.append)
    assert report == ImportReport(read=2500, added=2500)
    assert seen == [1000, 2000, 2500]


def test_import_with_progress_bar(rl: RevocationList, tmp_path: Path) -> None:
    source = _write(tmp_path / "ids.txt", "".join(f"{i:024x}\n" for i in range(3000)))
    out = io.StringIO()
    report = import_with_progress(rl, source, fmt="text", console=Console(file=out, width=120))
    assert report == ImportReport(read=3000, added=3000)
    assert "3,000 ids" in out.getvalue()
    assert rl.count("cti") == 3000


def test_import_with_progress_bar_passes_errors_on(rl: RevocationList, tmp_path: Path) -> None:
    source = _write(tmp_path / "ids.csv", "kind,id\ncti,xyz\n")
    with pytest.raises(RevocationListError, match="^line 2"):
        import_with_progress(rl, source, fmt="csv", console=Console(file=io.StringIO()))


def test_import_memory_is_bounded(rl: RevocationList, tmp_path: Path) -> None:
    n = 200_000
    source = tmp_path / "ids.txt"
    with source.open("w") as f:
        for i in range(n):
            f.write(f"{i * 7919:024x}\n")
    tracemalloc.start()
    try:
        with source.open("rb") as f:
            whole = f.readlines()  # what any import that holds the file would need at least
        whole_peak = tracemalloc.get_traced_memory()[1]
        del whole
        tracemalloc.reset_peak()
        report = rl.import_file(source, fmt="text", batch=10_000)
        import_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report == ImportReport(read=n, added=n)
    assert whole_peak > 10_000_000
    assert import_peak < 4_000_000
    assert import_peak * 4 < whole_peak


# --- properties ---------------------------------------------------------------------------

RID_PART = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                   min_size=1, max_size=30)
IDS = st.one_of(
    st.tuples(st.just("cti"), st.binary(min_size=8, max_size=16)),
    st.tuples(st.sampled_from(["uci", "countrycodeuci", "signature"]),
              st.binary(min_size=16, max_size=16)),
    st.tuples(st.just("rid"), st.builds(lambda a, b: f"{a}.{b}".encode(), RID_PART, RID_PART)),
    st.tuples(st.just("uvci"), st.binary(min_size=1, max_size=128)),
)


@settings(max_examples=40)
@given(st.lists(IDS, max_size=60))
def test_import_then_export_gives_the_same_set(ids: list[RevId]) -> None:
    csv_text = "kind,id\n" + "".join(f"{k},{v.hex()}\n" for k, v in ids)
    with tempfile.TemporaryDirectory() as folder:
        with RevocationList.open(Path(folder) / "a.sqlite", create=True) as a:
            report = a.import_file(io.StringIO(csv_text), fmt="csv", batch=7)
            assert report.read == len(ids) and report.added == len(set(ids))
            exported = _export(a)
            assert _csv_ids(exported) == set(ids)
            assert all(a.is_revoked([i]) for i in ids)
        with RevocationList.open(Path(folder) / "b.sqlite", create=True) as b:
            b.import_file(io.StringIO(exported), fmt="csv")
            assert _export(b) == exported  # the export is canonical


@settings(max_examples=40)
@given(st.sets(st.binary(min_size=8, max_size=16), max_size=50))
def test_text_round_trip(ctis: set[bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        with RevocationList.open(Path(folder) / "a.sqlite", create=True) as a:
            a.import_file(io.StringIO("".join(f"{c.hex()}\n" for c in ctis)), fmt="text")
            back = {bytes.fromhex(line) for line in _export(a, fmt="text", kind="cti").split()}
            assert back == ctis


@settings(max_examples=60)
@given(st.text(max_size=300), st.sampled_from(["text", "csv"]))
def test_import_of_arbitrary_text_imports_or_names_a_line(content: str, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        with RevocationList.open(Path(folder) / "a.sqlite", create=True) as a:
            try:
                report = a.import_file(io.StringIO(content), fmt=fmt)  # type: ignore[arg-type]
            except RevocationListError as exc:
                assert str(exc).startswith("line ")
            else:
                assert report.added == a.count()


# --- verify() with a real list ------------------------------------------------------------

def _listed(path: Path, *ids: RevId, updated: dt.datetime = NOW - dt.timedelta(hours=1),
            valid_for: dt.timedelta | None = DAY) -> RevocationList:
    with RevocationList.open(path, create=True) as writer:
        writer.add_many(ids)
        writer.mark_updated(updated, valid_for=valid_for)
    return RevocationList.open(path)


def test_verify_revoked_vn1_certificate(path: Path) -> None:
    text = helpers.issue()
    with _listed(path, ("cti", bytes(12)), cti_id(CTI.hex())) as revocation:
        result = helpers.verify(text, revocation=revocation)
    assert result.status is Status.INVALID
    assert result.reason is Reason.REVOKED and result.reasons == (Reason.REVOKED,)
    assert Reason.REVOCATION_NOT_CHECKED not in result.warnings
    assert result.certificate_id == CTI.hex()


def test_verify_unlisted_certificate_is_valid_and_checked(path: Path) -> None:
    text = helpers.issue(cti=bytes(range(100, 112)))
    with _listed(path, ("cti", CTI), *uvci_hashes("URN:UVCI:01:VN:1", "VN")) as revocation:
        result = helpers.verify(text, revocation=revocation)
    assert result.status is Status.VALID and result.valid
    assert result.reasons == ()
    assert Reason.REVOCATION_NOT_CHECKED not in result.warnings
    # without a list the same code says it was not checked
    assert Reason.REVOCATION_NOT_CHECKED in helpers.verify(text).warnings


def test_verify_with_a_stale_list_cannot_check(path: Path) -> None:
    text = helpers.issue(cti=bytes(range(100, 112)))
    with _listed(path, ("cti", CTI), updated=NOW - 2 * DAY) as revocation:
        result = helpers.verify(text, revocation=revocation)
        assert result.status is Status.CANNOT_CHECK
        assert result.reasons == (Reason.REVOCATION_STALE,)
        # a listed certificate is revoked however old the list is
        revoked = helpers.verify(helpers.issue(), revocation=revocation)
        assert revoked.reasons == (Reason.REVOKED,) and revoked.status is Status.INVALID


def test_verify_with_a_list_never_marked_cannot_check(path: Path) -> None:
    RevocationList.open(path, create=True).close()  # created, never filled or marked
    with RevocationList.open(path) as revocation:
        result = helpers.verify(helpers.issue(), revocation=revocation)
    assert result.reasons == (Reason.REVOCATION_STALE,)


def test_verify_with_a_list_without_time_limit(path: Path) -> None:
    with _listed(path, updated=NOW - 1000 * DAY, valid_for=None) as revocation:
        assert helpers.verify(helpers.issue(), revocation=revocation).valid


def test_kinds_cover_the_documented_revocation_ids() -> None:
    assert KINDS == {"cti", "uci", "countrycodeuci", "signature", "rid", "uvci"}


def test_uvci_hashes_name_what_the_eu_format_module_reports() -> None:
    dcc = pytest.importorskip("cccdqr.formats.dcc")
    from cccdqr import Algorithm

    uvci = "URN:UVCI:01:VN:ABC123#X"
    ids = dcc.revocation_ids(uvci, issuer="VN", alg=Algorithm.ES256, signature=bytes(range(64)))
    assert ids[:2] == uvci_hashes(uvci, "VN")
    assert all(check_id(kind, value) == value for kind, value in ids)
