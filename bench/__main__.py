"""Run every benchmark on SQLite (and PostgreSQL when CRM_BENCH_POSTGRES_URL is set).

Usage: python -m bench [NAME ...]   (names: storage, customers, bot, backup, reminders, reports,
import_export, bulk)
CRM_BENCH_POSTGRES_URL adds PostgreSQL; CRM_BENCH_REUSE_POSTGRES=1 reuses its filled databases.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from pathlib import Path

from bench.common import machine_line
from crm import runtime
from crm.config import load_config
from storage.database import bind, open_database, server_version
from storage.migrate import migrate

BENCHMARKS = ["storage", "customers", "bot", "backup", "reminders", "reports", "import_export",
              "bulk"]
BENCH_KEY = "YmVuY2htYXJrLWtleS1ub3QtZm9yLXJlYWwtZGF0YSE="  # sample data only


def _fresh_sqlite(folder: Path, name: str):
    db = open_database(f"sqlite:///{folder / (name + '.db')}")
    migrate(db)
    return bind(db)


def _fresh_postgres(url: str, name: str):
    admin = open_database(url)
    admin.connect()
    admin.connection().autocommit = True
    database = f"crm_bench_{name}"
    admin.execute_sql(f'drop database if exists "{database}" with (force)')
    admin.execute_sql(f'create database "{database}"')
    admin.close()
    db = open_database(url.rpartition("/")[0] + "/" + database)
    migrate(db)
    return bind(db)


def main(names: list[str]) -> int:
    chosen = names or BENCHMARKS
    runtime.configure(load_config(environ={"CRM_SECURITY_KEY": BENCH_KEY}, look_in_cwd=False))
    postgres_url = os.environ.get("CRM_BENCH_POSTGRES_URL", "")
    postgres_version = None
    if postgres_url:
        probe = open_database(postgres_url)
        postgres_version = server_version(probe).split()[-1]
        probe.close()
    print(machine_line(postgres_version))
    with tempfile.TemporaryDirectory() as folder:
        for name in chosen:
            module = importlib.import_module(f"bench.bench_{name}")
            print(f"{name}:")
            for figure in module.run(_fresh_sqlite(Path(folder), name), "SQLite"):
                print(figure.line(), flush=True)
            if postgres_url:
                for figure in module.run(_fresh_postgres(postgres_url, name), "PostgreSQL"):
                    print(figure.line(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
