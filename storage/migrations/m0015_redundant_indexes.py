"""Four indexes on ``customer_id`` alone that another index of the same table already starts
with: customer_tag's primary key (customer_id, tag_id), customer_event (customer_id, at),
customer_secret (customer_id, name) and interaction (customer_id, occurred_at) serve every
look-up by customer as well. Each cost every insert (an import writes a tag and an event per
customer) and its share of the file."""

from __future__ import annotations

import peewee as pw
from playhouse.migrate import SchemaMigrator

REDUNDANT = ("customertag_customer_id", "customerevent_customer_id",
             "customersecret_customer_id", "interaction_customer_id")


def up(db: pw.Database, migrator: SchemaMigrator) -> None:
    for name in REDUNDANT:
        db.execute_sql(f'drop index if exists "{name}"')
