"""The same Alembic migrations on SQLite (embedded) and a real PostgreSQL."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from kit import db as kitdb
from kit.models import Base, Event, Group
from kit.roster import create_class, create_group, create_school
from tests.peers import free_port, missing

TABLES = set(Base.metadata.tables)


def round_trip(url: str) -> None:
    kitdb.upgrade(url)
    engine = kitdb.make_engine(url)
    assert TABLES <= set(inspect(engine).get_table_names())
    factory = kitdb.session_factory(engine)
    with factory() as db:
        school = create_school(db, "École Jules-Ferry", "Aurillac")
        cls = create_class(db, school, "CM1", "CM1")
        group = create_group(db, cls, "Les Lynx", ["Léa", "Noé"], girls=1, boys=1)
        db.add(Event(type="challenge.checked", group_id=group.id, class_id=cls.id,
                     payload={"passed": True, "challenge": "s1-c1", "skills": ["sequence"]}))
        db.commit()
    with factory() as db:
        g = db.scalar(select(Group).where(Group.name == "Les Lynx"))
        assert g.members == ["Léa", "Noé"] and g.girls == 1
        ev = db.scalar(select(Event).where(Event.group_id == g.id))
        assert ev.payload["passed"] is True and len(ev.id) == 36
    kitdb.upgrade(url)  # idempotent
    engine.dispose()


def test_sqlite_migrations_and_wal(tmp_path):
    url = kitdb.database_url(tmp_path)
    round_trip(url)
    engine = kitdb.make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def _pg_bin() -> Path:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not roots:
        missing("PostgreSQL server binaries not found (apt-get install postgresql)")
    return roots[-1].parent


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """A throwaway PostgreSQL server on a free loopback port, run as an unprivileged user."""
    pg = _pg_bin()
    # not under pytest's own temp folder: pytest makes it private (0700) at each start,
    # and the server runs as another user
    base = Path(tempfile.mkdtemp(prefix="mallette-pg-"))
    data = base / "data"
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        if shutil.which("runuser") is None:
            missing("runuser not available to start PostgreSQL as an unprivileged user")
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            missing("no 'postgres' system user to run PostgreSQL (apt-get install postgresql)")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(run_as + [str(pg / "initdb"), "-D", str(data), "-U", "mallette",
                             "--auth=trust", "-E", "UTF8", "--locale=C"],
                   check=True, capture_output=True)
    port = free_port()
    log = base / "pg.log"
    subprocess.run(run_as + [str(pg / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "start",
                             "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1"],
                   check=True, capture_output=True)
    url = f"postgresql+psycopg://mallette@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                import psycopg

                psycopg.connect(f"host=127.0.0.1 port={port} user=mallette dbname=postgres").close()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url
    finally:
        subprocess.run(run_as + [str(pg / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_migrations(postgres_url):
    round_trip(postgres_url)


def test_station_runs_on_postgresql(postgres_url, tmp_path):
    from kit.app import create_app

    app = create_app(data_dir=tmp_path, database_url=postgres_url, testing=True)
    client = app.test_client()
    resp = client.get("/api/v1/health")
    assert resp.status_code == 200 and resp.json["database"] == "ok"
    # a login is a row there too, and logging out ends it
    from kit.app import station
    from kit.models import Facilitator
    from tests.conftest import csrf_token, log_in

    with app.app_context(), station().sessions() as db:
        fac = Facilitator(name="Camille", password_hash="x")
        db.add(fac)
        db.commit()
    log_in(client, "facilitator", facilitator_id=fac.id)
    assert client.get("/api/v1/kit").status_code == 200
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/animateur/")})
    assert client.get("/api/v1/kit").status_code == 401
