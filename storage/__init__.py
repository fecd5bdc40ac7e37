"""Storage: Peewee models, the database from a URL, migrations, keys and encrypted fields."""
