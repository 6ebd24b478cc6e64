"""Indexes for caller lookup (INT-2), per database.

PostgreSQL: pg_trgm GIN indexes on the service point address and the customer name; they index
Chinese text only when the database's ctype classifies CJK characters as letters (C.UTF-8,
zh_CN.UTF-8, en_US.UTF-8 do; C / POSIX do not), which `check_trigram_cjk` verifies.

SQLite: an FTS5 table with the trigram tokenizer over the address (an external-content table
kept in step by triggers), and a B-tree on the name for prefix ranges.
"""

from django.db import migrations

from servicedesk.core.migration_ops import VendorSQL


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]

    operations = [
        VendorSQL(
            postgresql=[
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX customers_servicepoint_address_trgm ON customers_servicepoint USING gin (address gin_trgm_ops)",
                "CREATE INDEX customers_customer_name_trgm ON customers_customer USING gin (name gin_trgm_ops)",
            ],
            reverse_postgresql=[
                "DROP INDEX IF EXISTS customers_servicepoint_address_trgm",
                "DROP INDEX IF EXISTS customers_customer_name_trgm",
            ],
            sqlite=[
                "CREATE INDEX customers_customer_name_idx ON customers_customer (name)",
                "CREATE VIRTUAL TABLE customers_servicepoint_fts USING fts5("
                "address, content='customers_servicepoint', content_rowid='id', tokenize='trigram')",
                "CREATE TRIGGER customers_servicepoint_fts_ai AFTER INSERT ON customers_servicepoint BEGIN "
                "INSERT INTO customers_servicepoint_fts (rowid, address) VALUES (new.id, new.address); END",
                "CREATE TRIGGER customers_servicepoint_fts_ad AFTER DELETE ON customers_servicepoint BEGIN "
                "INSERT INTO customers_servicepoint_fts (customers_servicepoint_fts, rowid, address) "
                "VALUES ('delete', old.id, old.address); END",
                "CREATE TRIGGER customers_servicepoint_fts_au AFTER UPDATE OF address ON customers_servicepoint BEGIN "
                "INSERT INTO customers_servicepoint_fts (customers_servicepoint_fts, rowid, address) "
                "VALUES ('delete', old.id, old.address); "
                "INSERT INTO customers_servicepoint_fts (rowid, address) VALUES (new.id, new.address); END",
            ],
            reverse_sqlite=[
                "DROP TRIGGER IF EXISTS customers_servicepoint_fts_au",
                "DROP TRIGGER IF EXISTS customers_servicepoint_fts_ad",
                "DROP TRIGGER IF EXISTS customers_servicepoint_fts_ai",
                "DROP TABLE IF EXISTS customers_servicepoint_fts",
                "DROP INDEX IF EXISTS customers_customer_name_idx",
            ],
        ),
    ]
