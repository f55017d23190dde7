"""Database engine and migrations.

SQLite in WAL mode in the data folder is the embedded default (one laptop, a
class of tablets); the same Alembic migrations run on PostgreSQL for a
territory hub.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def database_url(data_dir: Path) -> str:
    return f"sqlite:///{(data_dir / 'mallette.sqlite3').resolve()}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # why: WAL lets readers and a writer coexist
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _protect_sqlite_file(url: str) -> None:
    """Only the station's user may read the database file (first names, password hash).

    why: created here before SQLite opens it, with mode 0600, because SQLite gives its
    -wal and -shm files the database file's mode; files of an older station are narrowed.
    """
    database = make_url(url).database if url.startswith("sqlite") else None
    if not database or database == ":memory:":
        return
    path = Path(database)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            os.chmod(file, 0o600)


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating it if needed)."""
    _protect_sqlite_file(url)
    command.upgrade(alembic_config(url), revision)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
