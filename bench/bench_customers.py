"""Customer search, card + timeline and create on a large database (default 1,000,000).

CRM_BENCH_CUSTOMERS sets the size. The filled SQLite database is kept under bench/data/ and
reused by later runs of the same size and schema (building it takes minutes).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import time
import uuid
from pathlib import Path

from bench.common import Figure, percentiles
from crm import customers
from crm.actors import Actor, Channel, Role
from crm.customers import CustomerDraft
from crm.demo import create_demo_data
from crm.demo_people import generate_customers
from crm.errors import Duplicate
from storage.database import bind, fetch_all, is_sqlite, open_database, sqlite_path
from storage.migrate import latest_version, migrate

SAMPLES = 200
CACHE = Path(__file__).with_name("data")


def size() -> int:
    return int(os.environ.get("CRM_BENCH_CUSTOMERS", "1000000"))


def prepared_sqlite(folder: Path) -> tuple[object, float | None]:
    """A filled database of the configured size, and the seconds spent filling it (None when
    a cached one was reused: an older schema's cache is upgraded by the migrations)."""
    CACHE.mkdir(exist_ok=True)
    cached = _cached() or _build()
    target = folder / f"customers-large-{uuid.uuid4().hex[:8]}.db"  # each caller its own copy
    shutil.copyfile(cached[0], target)
    db = bind(open_database(f"sqlite:///{target}"))
    migrate(db)
    return db, cached[1]


def _cached() -> tuple[Path, None] | None:
    versions = sorted(CACHE.glob(f"customers-{size()}-v*.db"),
                      key=lambda p: int(p.stem.rsplit("-v", 1)[1]))
    usable = [p for p in versions if int(p.stem.rsplit("-v", 1)[1]) <= latest_version()]
    return (usable[-1], None) if usable else None


def _build() -> tuple[Path, float]:
    cached = CACHE / f"customers-{size()}-v{latest_version()}.db"
    building = cached.with_suffix(".building")
    for leftover in CACHE.glob(building.name + "*"):
        leftover.unlink()
    db = bind(open_database(f"sqlite:///{building}"))
    migrate(db)
    seconds = fill(db)
    db.execute_sql("pragma wal_checkpoint(truncate)")
    db.close()
    building.rename(cached)
    return cached, seconds


def fill(db) -> float:
    start = time.perf_counter()
    create_demo_data(Actor.system(), customers=size(), seed=7, sales=False)
    db.execute_sql("analyze")
    return time.perf_counter() - start


def _queries(rnd: random.Random) -> dict[str, list[str]]:
    """Realistic queries drawn from the data itself."""
    ids = [r[0] for r in fetch_all("select id from customer order by random() limit 3000")]
    rows = fetch_all(
        "select c.name, (select value from contact_channel where customer_id = c.id and"
        " kind = 'phone' limit 1), (select value from contact_channel where customer_id = c.id"
        " and kind = 'email' limit 1), co.name from customer c left join company co"
        f" on co.id = c.company_id where c.id in ({', '.join(map(str, ids))})")
    chinese = [r[0] for r in rows if len(r[0]) in (2, 3) and "\u4e00" <= r[0][0] <= "\u9fff"]
    latin = [r[0].split()[-1] for r in rows if r[0].isascii() and " " in r[0]]
    from crm.search_terms import name_pinyin

    return {
        "Latin name (surname)": rnd.sample(latin, min(SAMPLES, len(latin))),
        "2-character Chinese name": [n[-2:] for n in rnd.sample(chinese, SAMPLES)],
        "pinyin initials": ["".join(s[0] for s in name_pinyin(n))
                            for n in rnd.sample(chinese, SAMPLES)],
        "full pinyin": ["".join(name_pinyin(n)) for n in rnd.sample(chinese, SAMPLES)],
        "last 4 phone digits": [r[1][-4:] for r in rnd.sample(rows, SAMPLES) if r[1]],
        "e-mail": [r[2] for r in rows if r[2]][:SAMPLES],
        "company": [r[3][:4] for r in rows if r[3]][:SAMPLES],
    }


def _time(fn, items) -> tuple[float, float]:
    samples = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def run_on(db, label: str, fill_seconds: float | None) -> list[Figure]:
    """Every figure on one filled database."""
    rnd = random.Random(11)
    count = fetch_all("select count(*) from customer")[0][0]
    figures = [Figure(f"{label}: customers", count, "rows")]
    if fill_seconds is not None:
        figures.append(Figure(f"{label}: filling with demo data", fill_seconds, "s"))
    figures.append(Figure(f"{label}: database size", _size_mb(db), "MB"))
    manager = _actor("manager")
    agent = _actor("agent")
    for kind, queries in _queries(rnd).items():
        for actor, who in ((manager, "all"), (agent, "own")):
            p50, p95 = _time(lambda q, a=actor: customers.search_customers(a, q), queries)
            figures.append(Figure(f"{label}: search {kind} ({who}) p95", p95, "ms",
                                  f"p50 {p50:.2f}"))
    ids = [r[0] for r in fetch_all("select id from customer order by random() limit ?",
                                   (SAMPLES,))]
    p50, p95 = _time(lambda i: (customers.get_customer(manager, i),
                                customers.get_timeline(manager, i)), ids)
    figures.append(Figure(f"{label}: open customer with timeline p95", p95, "ms",
                          f"p50 {p50:.2f}"))
    companies = [r[0] for r in fetch_all("select name from company order by id limit ?",
                                         (SAMPLES,))]
    drafts = [CustomerDraft(name=p.name, phones=(f"1770{i:07d}",), emails=(f"bench{i}@qq.com",),
                            company=companies[i % len(companies)], tags=("bench",))
              for i, p in enumerate(generate_customers(SAMPLES, 1, seed=99))]
    p50, p95 = _time(lambda d: _create(agent, d), drafts)
    figures.append(Figure(f"{label}: create customer (with duplicate check) p95", p95, "ms",
                          f"p50 {p50:.2f}"))
    return figures


def _create(actor: Actor, draft: CustomerDraft) -> None:
    """Create with the duplicate checks; a reported duplicate is a finished request too."""
    with contextlib.suppress(Duplicate):
        customers.create_customer(actor, draft)


def _actor(role: str) -> Actor:
    row = fetch_all("select id, telegram_id, name from staff_user where role = ? order by id"
                    " limit 1", (role,))[0]
    return Actor(channel=Channel.JOB, user_id=row[0], telegram_id=row[1], role=Role(role),
                 name=row[2])


def _size_mb(db) -> float:
    if is_sqlite(db):
        path = sqlite_path("sqlite:///" + db.database)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    return fetch_all("select pg_database_size(current_database())")[0][0] / 1e6


def run(db, label: str) -> list[Figure]:
    """Entry point of the runner: builds its own large databases instead of ``db``."""
    if label == "SQLite":
        folder = Path(sqlite_path("sqlite:///" + db.database)).parent
        big, seconds = prepared_sqlite(folder)
        return run_on(big, label, seconds)
    filled = fetch_all("select count(*) from customer")[0][0] >= size()
    seconds = None if filled else fill(db)
    return run_on(db, label, seconds)
