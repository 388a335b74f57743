"""Batch issue: a table of people in, signed codes (and their images) out, on every
core or a Dask cluster, resumable after a kill at any moment.

:func:`run` streams the input's rows (:func:`cccdqr.batch.inputs.iter_rows`) in
chunks to a :class:`~cccdqr.batch.runner.Runner`. Each worker opens the signing
key once from its :class:`KeySource` (:func:`open_worker`) and turns a chunk into
its ``codes.jsonl`` and ``rejects.jsonl`` lines and image files
(:func:`issue_chunk`): a row becomes a certificate (:func:`cccdqr.batch.rows.row_spec`)
and is signed, or becomes a reject with a reason code; nothing a row holds stops
the batch. The results come back in order, and the process that runs the batch
appends them to the output folder through its :class:`~cccdqr.batch.journal.Journal`,
which is what makes resuming exact. Only rows go out to workers and only finished
lines and file bytes come back, so the output folder needs to exist only here.

Floor 7. May import ``core``, ``qr``, ``trust``, ``engine``, and ``batch``'s own
modules (not ``serve``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from cccdqr.batch.images import ImageOptions, render_images
from cccdqr.batch.inputs import InputError, input_digest, iter_rows
from cccdqr.batch.journal import Journal
from cccdqr.batch.rows import issue_error, reject, row_spec
from cccdqr.batch.runner import Runner
from cccdqr.core.errors import CccdqrError
from cccdqr.core.specs import SpecError
from cccdqr.engine.issue import Issuer
from cccdqr.engine.pool import chunked

__all__ = ["DEFAULT_CHUNK", "BatchKeyError", "BatchSummary", "ChunkOutput", "IssueSettings",
           "KeySource", "WorkerLost", "issue_chunk", "open_worker", "run"]

DEFAULT_CHUNK = 256
"""Rows per chunk: large enough that a round trip to a worker costs little beside
signing 256 codes, small enough that a resumed run redoes at most one chunk per
worker in flight."""

_WORKER: dict[str, Any] = {}
"""A worker's issuer and settings, set once per process by :func:`open_worker`."""


class BatchKeyError(CccdqrError):
    """The signing key or its signer certificate cannot be opened or do not fit."""


class WorkerLost(CccdqrError):
    """A worker process died (it could not open the key, or it was killed): the
    finished chunks are kept and the same command resumes."""


@dataclass(frozen=True)
class KeySource:
    """Where the signing key is, safe to send to a worker: a PEM file's path or a
    :class:`~cccdqr.trust.pkcs11.TokenKeySpec`, never the key itself."""

    key_file: str | None = None
    token: Any = None  # a TokenKeySpec; typed loosely so python-pkcs11 stays optional

    def __post_init__(self) -> None:
        if (self.key_file is None) == (self.token is None):
            raise ValueError("a key source is a key file or a token spec, exactly one")

    @property
    def fork_safe(self) -> bool:
        """Whether a forked worker may open the key: not a token's (see
        :class:`~cccdqr.batch.runner.LocalRunner`)."""
        return self.token is None

    def open(self) -> Any:
        if self.token is not None:
            return self.token.open()
        assert self.key_file is not None
        try:
            data = Path(self.key_file).read_bytes()
            return serialization.load_pem_private_key(data, password=None)
        except OSError as exc:
            raise BatchKeyError(f"cannot read the key {self.key_file}: {exc.strerror}") from None
        except (ValueError, TypeError) as exc:
            raise BatchKeyError(f"{self.key_file} is not an unencrypted PEM private key: "
                                f"{exc}") from None


@dataclass(frozen=True)
class IssueSettings:
    """What every row is issued with (a row's ``valid-for`` overrides ``valid_for``)."""

    now: dt.datetime
    format: str = "VN1"  # noqa: A003  # the name the CLI and the design use
    issuer: str = "VN"
    certificate_file: str | None = None  # HC1: the signer certificate (DSC), PEM or DER
    authority: str | None = None
    valid_for: dt.timedelta = dt.timedelta(days=365)
    images: ImageOptions = field(default_factory=ImageOptions)

    def manifest(self) -> dict[str, Any]:
        """The settings that change what a row's output is (the clock does not: a
        resumed batch is issued at its own time)."""
        return {"format": self.format, "issuer": self.issuer, "authority": self.authority,
                "valid_days": self.valid_for / dt.timedelta(days=1),
                "images": asdict(self.images)}


def make_issuer(source: KeySource, settings: IssueSettings) -> Issuer:
    """The :class:`Issuer` for ``source`` and ``settings``; :class:`BatchKeyError`
    when the key, the certificate or their pairing is refused."""
    key = source.open()
    certificate = None
    if settings.certificate_file is not None:
        from cccdqr.trust.lists import load_certificate

        try:
            certificate = load_certificate(Path(settings.certificate_file).read_bytes())
        except (OSError, ValueError) as exc:
            raise BatchKeyError(f"cannot read the certificate {settings.certificate_file}: "
                                f"{exc}") from None
    try:
        return Issuer(key, issuer=settings.issuer, format=settings.format,
                      certificate=certificate, authority=settings.authority)
    except (ValueError, TypeError) as exc:
        raise BatchKeyError(f"the key cannot issue {settings.format}: {exc}") from None


def key_fingerprints(issuer: Issuer) -> dict[str, Any]:
    """SHA-256 of the public key (and of the signer certificate), for the manifest."""
    spki = issuer.public_key.public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    cert = issuer.certificate
    return {"key": "sha256:" + hashlib.sha256(spki).hexdigest(),
            "certificate": None if cert is None else
            "sha256:" + hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()}


def open_worker(source: KeySource, settings: IssueSettings) -> None:
    """A worker's initializer: open the key once, keep the issuer for every chunk."""
    _WORKER["issuer"] = make_issuer(source, settings)
    _WORKER["settings"] = settings


@dataclass(frozen=True, slots=True)
class ChunkOutput:
    """What a worker sends back for one chunk."""

    codes: bytes
    rejects: bytes
    files: list[tuple[str, int, bytes]]
    counts: dict[str, Any]


def _line(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def issue_chunk(rows: list[tuple[int, Any]]) -> ChunkOutput:
    """Issue one chunk of ``(row, fields)`` in the worker (after :func:`open_worker`)."""
    issuer: Issuer = _WORKER["issuer"]
    settings: IssueSettings = _WORKER["settings"]
    codes: list[str] = []
    rejects: list[str] = []
    files: list[tuple[str, int, bytes]] = []
    reasons: Counter[str] = Counter()
    for row, fields in rows:
        try:
            spec = row_spec(fields, format=settings.format)
            try:
                text = issuer.issue(spec.certificate, now=settings.now,
                                    valid_for=spec.valid_for or settings.valid_for)
                rendered = render_images(text, spec.certificate, settings.images)
            except (CccdqrError, ValueError, TypeError) as exc:
                raise issue_error(exc) from None
        except SpecError as exc:
            doc = reject(row, exc)
            rejects.append(_line(doc))
            reasons[doc["reason"]] += 1
            continue
        codes.append(_line({"row": row, "text": text}))
        files.extend((kind, row, data) for kind, data in rendered)
    counts = {"rows": len(rows), "issued": len(codes), "rejected": len(rejects),
              "reasons": dict(reasons)}
    return ChunkOutput("".join(codes).encode(), "".join(rejects).encode(), files, counts)


@dataclass
class BatchSummary:
    """A batch's counts over all its runs, and this run's time and rate."""

    rows: int
    issued: int
    rejected: int
    rejects_by_reason: dict[str, int]
    rows_this_run: int
    elapsed_s: float
    workers: int
    already_complete: bool = False

    @property
    def rows_per_s(self) -> float:
        return self.rows_this_run / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "issued": self.issued, "rejected": self.rejected,
                "rejects_by_reason": self.rejects_by_reason, "rows_this_run": self.rows_this_run,
                "elapsed_s": round(self.elapsed_s, 3), "rows_per_s": round(self.rows_per_s, 1),
                "workers": self.workers}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> BatchSummary:
        return cls(rows=doc["rows"], issued=doc["issued"], rejected=doc["rejected"],
                   rejects_by_reason=doc["rejects_by_reason"], rows_this_run=0, elapsed_s=0.0,
                   workers=doc["workers"], already_complete=True)


def manifest(input_path: str | os.PathLike[str], issuer: Issuer, settings: IssueSettings,
             chunk_size: int) -> dict[str, Any]:
    """What a batch folder must agree with to be resumed (see :mod:`cccdqr.batch.journal`)."""
    return {"input_digest": input_digest(input_path), **key_fingerprints(issuer),
            **settings.manifest(), "chunk_size": chunk_size}


def run(input_path: str | os.PathLike[str], *, out: str | os.PathLike[str], source: KeySource,
        settings: IssueSettings, runner: Callable[..., Runner], chunk_size: int = DEFAULT_CHUNK,
        on_progress: Callable[[int], None] | None = None) -> BatchSummary:
    """Issue every row of ``input_path`` into ``out``; resume when ``out`` holds the
    same batch, return at once when it is complete. ``runner(initializer=,
    initargs=)`` makes the runner (:class:`~cccdqr.batch.runner.LocalRunner` or
    :meth:`DaskRunner.from_option <cccdqr.batch.dask.DaskRunner.from_option>` with
    its first arguments bound), only once there is work. Raises :class:`InputError`
    (unreadable input, no rows), :class:`BatchKeyError` and
    :class:`~cccdqr.batch.journal.BatchDirError`."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    issuer = make_issuer(source, settings)  # a bad key fails here, before any folder is made
    with Journal.open(out, manifest(input_path, issuer, settings, chunk_size)) as journal:
        if journal.finished:
            return BatchSummary.from_dict(journal.read_summary())
        start, before = time.monotonic(), journal.totals.rows
        chunks = itertools.islice(chunked(iter_rows(input_path), chunk_size),
                                  journal.totals.chunks, None)
        workers = _drain(journal, runner, chunks, on_progress, (source, settings))
        totals = journal.totals
        if not totals.rows:
            raise InputError(f"{input_path}: no rows")
        summary = BatchSummary(rows=totals.rows, issued=totals.issued, rejected=totals.rejected,
                               rejects_by_reason=dict(totals.reasons.most_common()),
                               rows_this_run=totals.rows - before,
                               elapsed_s=time.monotonic() - start, workers=workers)
        journal.finish(summary.to_dict())
        return summary


def _drain(journal: Journal, runner: Callable[..., Runner], chunks: Iterator[list[Any]],
           on_progress: Callable[[int], None] | None, initargs: tuple[Any, ...]) -> int:
    """Run the remaining chunks and commit each in order; the number of workers."""
    first = next(chunks, None)
    if first is None:
        return 0
    from concurrent.futures.process import BrokenProcessPool

    pool = runner(initializer=open_worker, initargs=initargs)
    try:
        for output in pool.map(issue_chunk, itertools.chain([first], chunks)):
            journal.commit(output.codes, output.rejects, output.files, output.counts)
            if on_progress is not None:
                on_progress(journal.totals.rows)
        return pool.workers
    except BrokenProcessPool:
        raise WorkerLost(f"a worker process died after {journal.totals.rows:,} rows (it could "
                         "not open the key, or it was killed); the finished chunks are kept: "
                         "run the same command again to resume") from None
    finally:
        pool.close()
