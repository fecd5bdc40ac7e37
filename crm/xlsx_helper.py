"""A large XLSX file written on the second core.

Writing XLSX is almost all openpyxl's XML serialisation, on the same core that reads and
assembles the rows, one row after the other. For a large file the writing goes to a helper
process (``python -m crm.xlsx_helper``, started fresh like the import's, see
``crm.imports.parts``) fed through a pipe: pickled batches of rows, already neutralised, while
this process goes on reading the next ones. The pipe is the bounded queue: when the helper lags,
this process waits for it, so memory stays bounded on both sides. The helper runs the very
``write_xlsx`` this process would (same widths, header, money formats, frozen pane) into an
unnamed temporary file it inherits; the file is copied into the caller's target only once the
helper has written all of it. It gets no settings, keys or database, only headings, the money
columns and rows. If it cannot start or fails, the file is written here from the first row
again: same file, one core.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from crm.spreadsheets import Tick

log = logging.getLogger(__name__)
HELPER_ROWS = 20_000  # below this, starting a helper (~0.5 s of imports) costs what it saves
BATCH_ROWS = 1000  # rows per pickled message (and per progress tick, as write_xlsx ticks)
PIPE_BYTES = 1 << 20  # the queue's room: a few batches, fewer wake-ups than Linux's 64 kB
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_END = None  # after the last batch: a pipe closed without it is a writer that died


def write_xlsx_on_two_cores(target: BinaryIO, title: str, headers: Sequence[str],
                            read_rows: Callable[[], Iterable[list[Any]]],
                            tick: Tick | None = None, money: Sequence[int] = ()) -> int:
    """``write_xlsx`` of ``read_rows()``, written by a helper process while the rows are read;
    if the helper fails, the rows are read again and written here."""
    from crm.spreadsheets import write_xlsx  # here, not above: see the end of the module

    count = _written_by_helper(target, title, headers, read_rows(), tick, money)
    if count is None:
        count = write_xlsx(target, title, headers, read_rows(), tick, money)
    return count


def _written_by_helper(target: BinaryIO, title: str, headers: Sequence[str],
                       rows: Iterable[list[Any]], tick: Tick | None,
                       money: Sequence[int]) -> int | None:
    """The rows written by the helper and copied to ``target``: their count, or None (with
    nothing written to ``target``) when the helper could not start or failed."""
    with tempfile.TemporaryFile() as written, tempfile.TemporaryFile() as errors, \
            _Helper(written, errors) as helper:
        if not helper.send((title, list(headers), list(money))):
            return None
        count = 0
        rows = iter(rows)
        while batch := list(islice(rows, BATCH_ROWS)):
            if not helper.send(batch):
                return None
            count += len(batch)
            if tick:
                tick(count)
        if not helper.finished(count):
            return None
        helper.copy_to(target)
        return count


class _Helper:
    """The helper process and its pipe; it writes into ``written``, an unnamed temporary file
    (gone with its last descriptor: nothing is left on disk whoever dies), its complaints into
    ``errors``."""

    def __init__(self, written: BinaryIO, errors: BinaryIO) -> None:
        self._file, self._errors = written, errors
        self._process: subprocess.Popen | None = None
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "crm.xlsx_helper", str(self._file.fileno())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
                pass_fds=(self._file.fileno(),), env=_helper_environment())
        except (OSError, ValueError):
            log.warning("no XLSX helper process; the file is written here", exc_info=True)
            return
        with contextlib.suppress(OSError, AttributeError):  # a larger queue where allowed
            fcntl.fcntl(self._process.stdin.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)

    def __enter__(self) -> _Helper:
        return self

    def __exit__(self, *_: object) -> None:
        """Stop the helper if it still runs (this side failed)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for pipe in (self._process.stdin, self._process.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()

    def send(self, message: object) -> bool:
        """Hand a message over (waiting while the pipe is full); False when the helper is not
        there to take it."""
        if self._process is None:
            return False
        try:
            pickle.dump(message, self._process.stdin, protocol=_PROTOCOL)
        except OSError:  # it died: finished() would say why, but the rows are lost anyway
            self._failed("the XLSX helper stopped taking rows")
            return False
        return True

    def finished(self, count: int) -> bool:
        """Whether the helper wrote the whole file: all ``count`` rows, and exited cleanly."""
        try:
            pickle.dump(_END, self._process.stdin, protocol=_PROTOCOL)
            self._process.stdin.close()
        except OSError:
            self._failed("the XLSX helper stopped before the end")
            return False
        answer = self._process.stdout.read()
        if self._process.wait() != 0:
            self._failed("the XLSX helper failed")
            return False
        if answer.strip() != str(count).encode():
            self._failed(f"the XLSX helper wrote {answer.strip()!r} rows of {count}")
            return False
        return True

    def copy_to(self, target: BinaryIO) -> None:
        self._file.seek(0)
        shutil.copyfileobj(self._file, target, 1 << 20)

    def _failed(self, what: str) -> None:
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        self._errors.seek(0)
        errors = self._errors.read().decode(errors="replace")
        log.warning("%s (exit status %s); the file is written here from the first row: %s",
                    what, self._process.returncode, errors[-2000:])


def _helper_environment() -> dict[str, str]:
    """This environment without the CRM settings (the helper needs none of them, keys least
    of all), and with this code first on the path: the helper runs what this process runs."""
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith("CRM_")}
    code = str(Path(__file__).resolve().parent.parent)
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, (code, environment.get("PYTHONPATH"))))
    return environment


def _received(source: BinaryIO) -> Iterator[list[Any]]:
    """The rows as they come; a pipe that ends before the end mark is an error, so that no
    file is made of part of the rows."""
    while (batch := pickle.load(source)) is not _END:
        yield from batch


def _serve(descriptor: int) -> None:
    """The helper's side: the file from what comes on standard input to ``descriptor``, its
    row count to standard output."""
    from crm.spreadsheets import write_xlsx

    source = sys.stdin.buffer
    title, headers, money = pickle.load(source)
    with os.fdopen(descriptor, "wb") as target:
        count = write_xlsx(target, title, headers, _received(source), None, money)
    sys.stdout.write(f"{count}\n")


if __name__ == "__main__":
    # openpyxl imports numpy and Pillow when it finds them, for cells of numpy types and for
    # images; the helper writes neither, and is 15 MB smaller without them (which is why
    # openpyxl is imported only inside the functions above).
    sys.modules.update(numpy=None, PIL=None)
    # Through the module's own name, so the helper runs the same definitions as the importer.
    from crm import xlsx_helper

    xlsx_helper._serve(int(sys.argv[1]))
