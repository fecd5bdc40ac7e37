"""Coded errors of backup and restore, translated by the interfaces like every other error."""

from __future__ import annotations

from typing import ClassVar

from storage.errors import CodedError


class BackupError(CodedError):
    """A backup that cannot be written, read, verified or restored."""

    defaults: ClassVar[dict[str, str]] = {
        "backup.not_a_backup": "{path} is not a backup file of this program",
        "backup.truncated": "{path} is incomplete: its end is missing (cut short while copying?)",
        "backup.corrupt": "{path} is damaged or was altered: {reason}",
        "backup.wrong_key": (
            "{path} was written with another backup key (key {found}; the configured one is "
            "{expected}); set backup.key_file or CRM_BACKUP_KEY to the key of that time"
        ),
        "backup.key_missing": (
            "the backup key file {path} does not exist; run `crm init` or set CRM_BACKUP_KEY"
        ),
        "backup.key_unreadable": "the backup key in {source} is not valid: {reason}",
        "backup.key_unsafe": (
            "the backup key file {path} can be read by other users (mode {mode}); "
            "run chmod 600 {path}"
        ),
        "backup.checksum": "{path} does not match its checksum: the restored data differs",
        "backup.integrity": "the database restored from {path} fails its integrity check: {detail}",
        "backup.counts": (
            "the database restored from {path} has other row counts than recorded: {tables}"
        ),
        "backup.tool_missing": (
            "{tool} was not found; install the PostgreSQL client programs (Debian: "
            "postgresql-client) or put them on PATH"
        ),
        "backup.tool_failed": "{tool} failed: {reason}",
        "backup.engine_mismatch": (
            "{path} is a {found} backup and cannot be restored into this {expected} database"
        ),
        "backup.schema_too_new": (
            "{path} holds schema version {found}, newer than this program knows ({known}); "
            "upgrade the program first"
        ),
        "backup.scratch_database": (
            "cannot make the temporary database a PostgreSQL backup is verified in: {reason}; "
            "the database role needs the CREATEDB privilege"
        ),
        "backup.tool_too_old": (
            "{tool} {found} cannot back up a PostgreSQL {server} server; install the "
            "PostgreSQL {server} client programs (or newer) and put them first on PATH"
        ),
        "backup.no_createdb": (
            "the database role {role} may not create databases, and each backup is verified "
            "in a temporary one: every backup would fail; as a superuser run "
            "ALTER ROLE \"{role}\" CREATEDB"
        ),
        "backup.data_key_mismatch": (
            "the encryption key configured here does not open the data in {path}; put back "
            "the key file of that time (security.key_file) or CRM_SECURITY_KEY, then restore "
            "again; nothing was changed"
        ),
        "backup.move_older": (
            "{path} is a SQLite backup of schema version {found}; to move it to PostgreSQL, "
            "restore it on SQLite with this program first (it upgrades to {known}), back up "
            "again and restore that backup here"
        ),
        "backup.move_schema": (
            "table {table} of this PostgreSQL database is missing from the SQLite backup"
        ),
        "backup.move_too_long": (
            "the SQLite backup cannot move to PostgreSQL: in table {table}, the record with "
            "{key} {id} has a {column} of {length} characters, and PostgreSQL holds at most "
            "{limit} there; shorten it on the SQLite installation (in the bot or with the crm "
            "command), back up again and restore that backup here; nothing was changed"
        ),
        "backup.move_too_long_more": (
            "the SQLite backup cannot move to PostgreSQL: in table {table}, the record with "
            "{key} {id} has a {column} of {length} characters, and PostgreSQL holds at most "
            "{limit} there (and {count} more too long: {others}); shorten them on the "
            "SQLite installation (in the bot or with the crm command), back up again and "
            "restore that backup here; nothing was changed"
        ),
        "backup.busy": "another backup or restore is running; try again when it has finished",
        "backup.not_found": "no backup file {path}",
    }
