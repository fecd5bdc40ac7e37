"""Bulk import of 100,000 rows (CSV in GB18030, XLSX with phones as numbers) and export of
about 100,000 customers, each beside the bare operation it cannot beat, measured in this run.

The import file holds 100,000 data rows: new customers, 2,000 already on file (matched by
phone), 1,000 repeated inside the file and 500 invalid; 5,000 customers are on file before.
CRM_BENCH_IMPORT_ROWS changes the size.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook

from bench.common import Figure
from crm import exports, imports, runtime
from crm.actors import Actor, Channel
from crm.config import load_config
from crm.demo import create_demo_data
from crm.demo_people import DemoCustomer, generate_companies, generate_customers
from crm.exports.kinds import REGISTRY, Filters
from storage import search
from storage.database import database, fetch_all, is_sqlite

HEADER = ["姓名", "手机", "邮箱", "微信", "性别", "生日", "公司", "省", "市", "标签", "来源",
          "职位", "备注", "状态", "负责人"]
EXISTING, MATCHED, REPEATED, INVALID = 5_000, 2_000, 1_000, 500
SYSTEM = Actor.system(Channel.CLI)
TABLES = ("customer", "contact_channel", "address", "customer_tag", "customer_event",
          "customer_search", "customer_key", "audit_log")


def rows_wanted() -> int:
    return int(os.environ.get("CRM_BENCH_IMPORT_ROWS", "100000"))


def _row(person: DemoCustomer, companies: list, as_number: bool) -> list[object]:
    phone: object = person.phone
    if as_number and person.phone.startswith("+86"):
        phone = float(person.phone[3:])  # Excel keeps a typed phone as a number
    return [person.name, phone, person.email or "", person.wechat or "",
            {"male": "男", "female": "女"}.get(person.gender or "", ""),
            person.birthday.isoformat() if person.birthday else "",
            companies[person.company_index].name if person.company_index is not None else "",
            person.province or "", person.city or "", "、".join(person.tags),
            person.source or "", person.occupation or "", person.notes or "",
            {"lead": "线索", "prospect": "潜在客户", "customer": "客户"}.get(person.status, ""), ""]


def _file_rows(seed: int, existing: list[str], as_number: bool) -> list[list[object]]:
    """The data rows: new people, some already on file, repeats and invalid ones, mixed."""
    total = rows_wanted()
    fresh = total - MATCHED - REPEATED - INVALID
    companies = generate_companies(max(1, fresh // 50), seed)
    rows = [_row(p, companies, as_number)
            for p in generate_customers(fresh, len(companies), seed)]
    blank = [""] * (len(HEADER) - 2)
    for index, phone in enumerate(existing[:MATCHED]):
        rows.insert(index * len(rows) // MATCHED, [f"老客户{index}", phone, *blank])
    for index in range(REPEATED):
        at = index * len(rows) // REPEATED
        rows.insert(at + 1, list(rows[at]))
    for index in range(INVALID):
        rows.insert(index * len(rows) // INVALID, [f"无效{index}", "12345", *blank])
    return rows[:total]


def _csv(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("gb18030")


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(["客户名单（示例）"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _seconds(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def _timed(work) -> tuple[float, float, object]:
    """Wall-clock and this process's CPU seconds of ``work()`` (the CPU figure tells the work
    apart from waiting for a shared machine's cores), and its result."""
    cpu = time.process_time()
    seconds, result = _seconds(work)
    return seconds, time.process_time() - cpu, result


def _bare_read_csv(content: bytes) -> float:
    return _seconds(lambda: list(csv.reader(io.StringIO(content.decode("gb18030")))))[0]


def _bare_read_xlsx(content: bytes) -> float:
    from python_calamine import CalamineWorkbook

    return _seconds(lambda: CalamineWorkbook.from_filelike(io.BytesIO(content))
                    .get_sheet_by_index(0).to_python())[0]


def _bare_insert(first_id: int, last_id: int) -> float:
    """Raw executemany of copies of the rows an import wrote (same tables, indexes and search
    triggers, one transaction): the floor any import of these customers stands on. Search
    entries go in as the import puts them (storage.search.index_new_documents: on SQLite one
    statement from a staging table, since executemany through the FTS5 trigger is 4-5x
    slower)."""
    offset = 10_000_000
    copies = {}
    for table in TABLES:
        key = "entity_id" if table == "audit_log" else ("id" if table == "customer"
                                                        else "customer_id")
        columns = [c.name for c in database.get_columns(table)
                   if not (c.name == "id" and table != "customer") and c.name != "terms_tsv"]
        rows = fetch_all(f"select {', '.join(columns)} from {table}"
                         f" where {key} between ? and ?", (first_id, last_id))
        position = columns.index(key)
        moved = [tuple(v + offset if i == position or (table == "audit_log" and
                                                       columns[i] == "customer_id") else v
                       for i, v in enumerate(row)) for row in rows]
        copies[table] = (columns, moved)
    cursor = database.cursor()
    start = time.perf_counter()
    with database.atomic():
        for table, (columns, rows) in copies.items():
            if table == "customer_search":
                search.index_new_documents(rows)
                continue
            marks = ", ".join([database.param] * len(columns))
            statement = f"insert into {table} ({', '.join(columns)}) values ({marks})"
            if is_sqlite(database):
                cursor.executemany(statement, rows)
            else:
                from psycopg2.extras import execute_values

                execute_values(cursor, statement.split(" values ")[0] + " values %s", rows,
                               page_size=1000)
    return time.perf_counter() - start


def _import(label: str, kind: str, content: bytes,
            bare_read: float) -> tuple[list[Figure], tuple[float, float, float], tuple[int, int],
                                       int]:
    """The dry run and the import; returns their figures, the import's wall-clock and CPU
    seconds with the dry run's, the range of customer ids it created and how many."""
    rows = rows_wanted()
    dry, dry_cpu, preview = _timed(lambda: imports.preview_import(SYSTEM, f"customers.{kind}",
                                                                  content))
    first = fetch_all("select coalesce(max(id), 0) + 1 from customer")[0][0]
    done, done_cpu, result = _timed(lambda: imports.confirm_import(SYSTEM, preview.token,
                                                                   "skip"))
    last = fetch_all("select max(id) from customer")[0][0]
    figures = [
        Figure(f"{label}: {kind.upper()} {rows:,} rows: bare read", bare_read, "s",
               "csv module" if kind == "csv" else "python-calamine"),
        Figure(f"{label}: {kind.upper()} dry run (read, check, prepare, match)", dry, "s",
               f"{dry / bare_read:.1f}x the bare read; CPU {dry_cpu:.1f} s; {preview.new:,} new, "
               f"{preview.existing:,} on file, {preview.duplicates:,} repeated, "
               f"{preview.invalid:,} invalid")]
    return figures, (done, done_cpu, dry), (first, last), result.created


def _closing(label: str, kind: str, done: tuple[float, float, float], bare_read: float,
             ids: tuple[int, int], created: int) -> list[Figure]:
    """The confirmation takes the dry run's checked and prepared rows (nothing changed in
    between): it matches again and writes. The whole import is the dry run plus it."""
    bare = _bare_insert(*ids)
    seconds, cpu, dry = done
    return [Figure(f"{label}: bare executemany of those {created:,} customers' rows", bare, "s",
                   "same tables, indexes and search triggers"),
            Figure(f"{label}: {kind.upper()} import confirmed (match again, write)", seconds,
                   "s", f"{seconds / bare:.1f}x the bare insert; CPU {cpu:.1f} s in this "
                   "process"),
            Figure(f"{label}: {kind.upper()} import, dry run + confirmation", dry + seconds, "s",
                   f"{(dry + seconds) / (bare_read + bare):.1f}x bare read + bare insert "
                   f"({bare_read + bare:.1f} s); target {5 if kind == 'csv' else 8} s")]


def _bare_write(rows: list[list], headers: list[str]) -> float:
    def write() -> None:
        book = Workbook(write_only=True)
        sheet = book.create_sheet("customers")
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        with tempfile.TemporaryFile() as handle:
            book.save(handle)

    return _seconds(write)[0]


def _bare_csv(rows: list[list], headers: list[str]) -> float:
    def write() -> None:
        with tempfile.TemporaryFile() as handle:
            text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
            writer = csv.writer(text)
            writer.writerow(headers)
            writer.writerows(rows)
            text.flush()

    return _seconds(write)[0]


ROUNDS = 3


def _cpu() -> tuple[float, float]:
    """CPU seconds so far of this process, and of its helper processes that have ended (a large
    XLSX export hands the writing to one, on the other core)."""
    times = os.times()
    return times.user + times.system, times.children_user + times.children_system


def _export_once(fmt: str) -> tuple[float, exports.ExportResult]:
    with tempfile.TemporaryFile() as handle:
        return _seconds(lambda: exports.export_records(SYSTEM, "customers", handle, fmt=fmt))


def _export(label: str) -> Iterator[Figure]:
    """Each export beside the bare write, from memory, of exactly the rows it writes (read
    once through ``exports.export_rows``: same values, types and neutralised text). They take
    turns, ROUNDS times, and each round's ratio is kept: the machine is shared, and a busy
    moment then hits both sides of one ratio. Medians are printed. The CPU ratio counts the
    export's helper process too (the export's own share is said beside it)."""
    columns = list(REGISTRY["customers"].columns)
    rows = list(exports.export_rows(SYSTEM, "customers", filters=Filters()))
    for fmt, bare_write, bare_name in (("xlsx", _bare_write, "openpyxl write-only"),
                                       ("csv", _bare_csv, "csv module")):
        bare, took, ratios, cpu, own = [], [], [], [], []
        for _ in range(ROUNDS if fmt == "xlsx" else 2 * ROUNDS):
            bare_cpu = _cpu()
            bare.append(bare_write(rows, columns))
            export_cpu = _cpu()
            seconds, result = _export_once(fmt)
            after = _cpu()
            bare_seconds = sum(export_cpu) - sum(bare_cpu)
            cpu.append((sum(after) - sum(export_cpu)) / bare_seconds)
            own.append((after[0] - export_cpu[0]) / bare_seconds)
            took.append(seconds)
            ratios.append(seconds / bare[-1])
        target = " (target 1.2x)" if fmt == "xlsx" else ""
        yield Figure(f"{label}: bare {bare_name} of the same rows", statistics.median(bare),
                     "s", f"{result.rows:,} rows x {len(columns)} columns, already in memory")
        yield Figure(f"{label}: export customers to {fmt.upper()}", statistics.median(took), "s",
                     f"{statistics.median(ratios):.2f}x the bare write{target}, rounds "
                     f"{', '.join(f'{r:.2f}' for r in ratios)}; CPU {statistics.median(cpu):.2f}x "
                     f"(this process {statistics.median(own):.2f}x); reads, checks visibility, "
                     "assembles each row, neutralises formulas")
    del rows
    memory = _export_memory()
    if memory:
        yield Figure(f"{label}: export peak memory, whole process", memory["peak"], "MB",
                     f"{memory['before']:.0f} MB before it (interpreter and libraries); "
                     f"at the end {memory['anon']:.0f} MB private, {memory['mapped']:.0f} MB "
                     f"mapped files; target 150 MB; its XLSX helper process {memory['helper']:.0f} "
                     "MB")
        yield Figure(f"{label}: export peak of Python allocations", memory["heap"], "MB",
                     "tracemalloc, during the export alone")


def _database_url() -> str | None:
    target = database.obj
    if is_sqlite(database):
        return f"sqlite:///{target.database}"
    params = target.connect_params
    user = params.get("user") or ""
    secret = f":{params['password']}" if params.get("password") else ""
    host = f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"
    return f"postgresql://{user}{secret}@{host}/{target.database}"


_MEMORY_SCRIPT = """
import json, subprocess, sys, tempfile, threading, time, tracemalloc
from crm import exports, runtime, xlsx_helper
from crm.actors import Actor, Channel
from crm.config import load_config
from storage.database import bind, open_database
def mb(field, pid="self"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    raise ValueError(field)  # a process that has ended shows no memory
helper = [0.0]
def watch(pid):  # the helper's own peak, read until it ends (the kernel's children's peak
    while True:  # counts the forked image of this process before the helper's exec)
        try:
            helper[0] = max(helper[0], mb("VmHWM:", pid))
        except (OSError, ValueError):
            return
        time.sleep(0.05)
class Watched(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        threading.Thread(target=watch, args=(self.pid,), daemon=True).start()
xlsx_helper.subprocess.Popen = Watched
runtime.configure(load_config(environ={"CRM_SECURITY_KEY": sys.argv[2]}, look_in_cwd=False))
db = bind(open_database(sys.argv[1]))
before = mb("VmRSS:")
if sys.argv[3] == "heap":
    tracemalloc.start()
with tempfile.TemporaryFile() as handle:
    exports.export_records(Actor.system(Channel.CLI), "customers", handle)
heap = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if sys.argv[3] == "heap" else None
print(json.dumps({"before": before, "peak": mb("VmHWM:"), "heap": heap, "helper": helper[0],
                  "anon": mb("RssAnon:"), "mapped": mb("RssFile:")}))
"""


def _export_memory() -> dict | None:
    """The export alone in a fresh process: its resident memory before and at the peak (with
    what is private and what is mapped files at the end), then (a second run, traced) the peak
    of what Python allocated during it."""
    url = _database_url()
    if url is None or not Path("/proc/self/status").exists():
        return None
    key = os.environ.get("CRM_SECURITY_KEY") or runtime.config()["security.key"]

    def child(mode: str) -> dict:
        done = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, url, key, mode],
                              capture_output=True, text=True, check=True)
        return json.loads(done.stdout.strip().splitlines()[-1])

    return child("rss") | {"heap": child("heap")["heap"]}


@contextlib.contextmanager
def _uploads_in(folder: str) -> Iterator[None]:
    before = runtime.config()
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": before["security.key"],
                                           "CRM_DATA_DIR": folder}, look_in_cwd=False))
    try:
        yield
    finally:
        runtime.configure(before)


def run(db, label: str) -> list[Figure]:
    """Figures for one database. The bare inserts add copies of the imported customers, so
    they run last (the copies would make every later match ambiguous)."""
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder, _uploads_in(folder):
        create_demo_data(SYSTEM, customers=EXISTING, seed=1, sales=False)
        existing = [r[0] for r in fetch_all(
            "select value from contact_channel where kind = 'phone' order by id limit ?",
            (MATCHED,))]
        csv_content = _csv(_file_rows(11, existing, as_number=False))
        csv_read = _bare_read_csv(csv_content)
        csv_figures, csv_done, csv_ids, csv_created = _import(label, "csv", csv_content,
                                                              csv_read)
        figures += csv_figures + list(_export(label))
        xlsx_content = _xlsx(_file_rows(12, existing, as_number=True))
        xlsx_read = _bare_read_xlsx(xlsx_content)
        xlsx_figures, xlsx_done, xlsx_ids, xlsx_created = _import(label, "xlsx", xlsx_content,
                                                                  xlsx_read)
        figures += _closing(label, "csv", csv_done, csv_read, csv_ids, csv_created)
        figures += xlsx_figures
        figures += _closing(label, "xlsx", xlsx_done, xlsx_read, xlsx_ids, xlsx_created)
    return figures
