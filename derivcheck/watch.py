"""`check --watch`: check, then check again every file that changes, and say what changed.

The supervisor stays warm: after one warm-up its imports and SymPy's caches are inherited by each worker
it forks, and a worker checks a changed file under the usual deadlines and limits. A file changes when its
size or time stamp does; a folder's new files are checked when they appear.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from .report import changes_since
from .results import FileResult
from .runner import check_entries, warm_up

POLL = 0.1  # seconds between looks at the watched files


def rounds(entries: Callable[[], list], options, jobs: int = 1) -> Iterator[tuple[list[FileResult], float, list[str]]]:
    """Forever: (the results of the files that changed, the seconds they took, what changed in them); the
    first round checks every file. ``entries`` lists the files to watch (``files.derivation_files``)."""
    warm_up()
    last: dict[str, tuple] = {}
    results: dict[str, FileResult] = {}
    while True:
        listed = entries()
        stamps = {entry: _stamp(entry) for entry in listed if isinstance(entry, str)}
        due = [entry for entry in listed if (stamps[entry] != last.get(entry) if isinstance(entry, str)
                                             else results.get(entry.path) != entry)]
        if due:
            start = time.perf_counter()
            checked = check_entries(due, options, jobs)
            seconds = time.perf_counter() - start
            changes = [line for result in checked for line in changes_since(results.get(result.path), result)]
            results.update((result.path, result) for result in checked)
            last.update(stamps)
            yield checked, seconds, changes
        time.sleep(POLL)


def _stamp(path: str) -> tuple:
    try:
        found = os.stat(path)
    except OSError:
        return ()
    return found.st_mtime_ns, found.st_size
