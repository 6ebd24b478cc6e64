"""Huey's embedded queue (a SQLite file in the data folder), opened on first use.

Huey's own SqliteHuey opens its file and creates its tables when the settings are loaded, so
that every command — ``servicedesk --help`` included — needed the data folder to exist; settings
created it wherever the command ran (issue 10 item 13). This one creates the folder and the
tables when a task is first enqueued or the worker starts.
"""

from pathlib import Path
from typing import Any

from huey import SqliteHuey
from huey.storage import SqliteStorage


class DataFolderSqliteStorage(SqliteStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["create_tables"] = False  # on first connection instead (below)
        super().__init__(*args, **kwargs)

    def _create_connection(self) -> Any:
        Path(self.filename).parent.mkdir(parents=True, exist_ok=True)
        connection = super()._create_connection()
        for statement in self.ddl:
            connection.execute(statement)
        return connection


class DataFolderSqliteHuey(SqliteHuey):
    storage_class = DataFolderSqliteStorage
