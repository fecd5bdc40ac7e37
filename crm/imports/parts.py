"""Checking a file's rows and preparing them as new customers, on both cores for a large file.

Both steps are pure Python per row (the checks, search entries, sealed audit entries and
identity fields), so one process only ever uses one core. A file of at least
``PARALLEL_ROWS`` data rows is cut in two: a helper process (started fresh, so nothing of this
process's threads or connections goes with it) does the last rows while this process does the
first, and the parts are put back in file order. The helper is ``python -m
crm.imports.parts FOLDER`` (see ``_Helper``); it needs no database: the staff an owner cell may
name are looked up here first and handed over with the rows. If the helper cannot start or
fails, this process does that part too: same result, one core.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import logging
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crm import runtime
from crm.actors import Actor
from crm.errors import CrmError
from crm.imports import store
from crm.imports.apply import NewCustomer, prepare_new
from crm.imports.gcpause import collector_paused
from crm.imports.headers import ColumnMap
from crm.imports.reading import Cell
from crm.imports.rows import Checker, Staff, ValidRow, collect

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]
PARALLEL_ROWS = 20_000  # below this, starting a helper costs more than it saves
PROGRESS_EVERY = 2000
# The helper's share of the rows: it starts cold (imports, caches) and its answer has to be
# read back here, so an even split left this process waiting for it (measured: 40% balances).
HELPER_SHARE = 0.4


@dataclass
class CheckedPart:
    """Rows in file order, each checked (a ValidRow) or refused (its error), with what the
    valid ones need as new customers."""

    outcomes: list[tuple[int, ValidRow | CrmError]] = field(default_factory=list)
    national: dict[str, str] = field(default_factory=dict)  # phones' home digits (Checker)
    prepared: dict[int, NewCustomer] = field(default_factory=dict)  # by row number


def check_rows(actor: Actor, staff: Staff, columns: ColumnMap,
               data: Sequence[tuple[int, list[Cell]]], today: dt.date,
               progress: Progress | None = None) -> CheckedPart:
    """Every row checked and prepared; on two cores when the file is large."""
    if len(data) < PARALLEL_ROWS:
        return _check_part(actor, staff, columns, data, today, progress)
    cut = len(data) - int(len(data) * HELPER_SHARE)
    _resolve_every_owner(actor, staff)
    helper = _Helper((actor, staff, columns, list(data[cut:]), today))
    try:
        # This part's progress stands for the whole: the helper keeps about the same pace.
        first = _check_part(actor, staff, columns, data[:cut], today, progress)
        second = helper.result()
    finally:
        helper.close()
    if second is None:
        second = _check_part(actor, staff, columns, data[cut:], today, None)
    first.outcomes += second.outcomes
    first.national |= second.national
    first.prepared |= second.prepared
    return first


class _Helper:
    """The other part's work in a helper process. The rows go there and back as files in a
    private folder beside the kept uploads (they are the same personal data), not through
    pipes: a pipe would make the helper wait for this busy interpreter to read each 64 kB. The
    settings, which hold secrets, go through its standard input and are never written."""

    def __init__(self, work: tuple) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="part-", dir=store.imports_dir())
        folder = Path(self._folder.name)
        (folder / "work").write_bytes(pickle.dumps(work, protocol=pickle.HIGHEST_PROTOCOL))
        self._process: subprocess.Popen | None = None
        try:
            with open(folder / "errors", "wb") as errors:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "crm.imports.parts", str(folder)],
                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        except OSError:
            log.warning("no import helper process; its part is checked here", exc_info=True)
            return
        with contextlib.suppress(BrokenPipeError):  # it died at once: result() says why
            self._process.stdin.write(pickle.dumps(runtime.config()))
            self._process.stdin.close()

    def result(self) -> CheckedPart | None:
        """The helper's part, or None when it failed (the caller then does that part)."""
        try:
            if self._process is None:
                return None
            folder = Path(self._folder.name)
            if self._process.wait() != 0:
                errors = (folder / "errors").read_bytes().decode(errors="replace")
                log.warning("the import helper failed; its part is checked here: %s",
                            errors[-2000:])
                return None
            return pickle.loads((folder / "answer").read_bytes())
        except Exception:  # whatever went wrong there, the part is done here instead
            log.warning("the import helper's answer is unusable; its part is checked here",
                        exc_info=True)
            return None

    def close(self) -> None:
        """Stop the helper if it still runs (this side failed) and remove the folder."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._folder.cleanup()


def _check_part(actor: Actor, staff: Staff, columns: ColumnMap,
                data: Sequence[tuple[int, list[Cell]]], today: dt.date,
                progress: Progress | None) -> CheckedPart:
    part = CheckedPart()
    with collector_paused():
        checker = Checker(actor, staff, today)
        for done, (number, row) in enumerate(data, start=1):
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, len(data))
            try:
                part.outcomes.append((number, checker.check(number, collect(row, columns, today))))
            except CrmError as error:
                part.outcomes.append((number, error.kept()))
        part.national = checker.national
        valid = [outcome for _, outcome in part.outcomes if isinstance(outcome, ValidRow)]
        part.prepared = prepare_new(actor, valid, part.national)
    return part


def _resolve_every_owner(actor: Actor, staff: Staff) -> None:
    """Check every staff member as an owner now (a database read each), so that the helper,
    which has no database, finds each answer already known."""
    for user in staff.names.everyone:
        staff.check(actor, user.id)


def _serve(folder: Path) -> None:
    """The helper's side: the work from ``folder``/work, the answer to ``folder``/answer.
    A short-lived process whose objects hold no cycles: no cyclic collection at all (it would
    walk every row again while the answer is pickled; see crm.imports.gcpause)."""
    gc.disable()
    runtime.configure(pickle.load(sys.stdin.buffer))
    actor, staff, columns, data, today = pickle.loads((folder / "work").read_bytes())
    part = _check_part(actor, staff, columns, data, today, None)
    (folder / "answer").write_bytes(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    # Through the module's own name, so the answer's classes are crm.imports.parts', not
    # __main__'s.
    from crm.imports import parts

    parts._serve(Path(sys.argv[1]))
