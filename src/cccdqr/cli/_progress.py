"""A rich progress bar for revocation list imports (for the CLI; the library stays quiet).

The bar follows the file's byte position, which is known up front, so it
shows a true percentage and time left without counting lines first.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Literal

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from cccdqr.trust.revocation import DEFAULT_BATCH, ImportReport, RevocationList

__all__ = ["import_with_progress"]


def import_with_progress(
    revocation_list: RevocationList,
    path: str | os.PathLike[str],
    *,
    fmt: Literal["text", "csv"],
    kind: str | None = None,
    batch: int = DEFAULT_BATCH,
    at: dt.datetime | None = None,
    console: Console | None = None,
) -> ImportReport:
    """:meth:`RevocationList.import_file` of ``path`` with a progress bar on
    ``console`` (default: standard error). Errors are those of ``import_file``."""
    size = os.path.getsize(path)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[ids]:>12,} ids"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console or Console(stderr=True)) as bar:
        task = bar.add_task(f"import {os.path.basename(path)}", total=size, ids=0)

        def on_progress(read: int) -> None:
            bar.update(task, ids=read)

        with open(path, "rb") as raw:
            reader = bar.wrap_file(raw, total=size, task_id=task)
            report = revocation_list.import_file(reader, fmt=fmt, kind=kind, batch=batch, at=at,
                                                 progress=on_progress)
        bar.update(task, completed=size, ids=report.read)
    return report
