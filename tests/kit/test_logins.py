"""Logins that end, codes that cannot be guessed, and the small security findings of issue 13.

Each test replays a finding as a person (or an attacker on the classroom network) would,
through the station's own pages and forms.
"""

from __future__ import annotations

import html
import os
import re
import stat
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from kit.models import Login, utcnow
from tests.conftest import csrf_token, log_in, login_as
from tests.kit.test_roles import open_session_one


def _page(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _join(client, code: str, address: str = "127.0.0.1"):
    token = csrf_token(client)
    return client.post("/rejoindre", data={"code": code, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def _teacher(client, code: str):
    return client.post("/enseignant", data={"code": code, "csrf_token": csrf_token(client)})


def _is_sent_home(resp) -> bool:
    return resp.status_code == 302 and resp.location.startswith("/?next=")


# -- finding 2: a login outlives its class ---------------------------------------------
def test_a_deleted_class_logs_its_tablets_out_and_its_ids_are_never_reused(app, seeded):
    open_session_one(app, seeded["class_id"])
    pupil, teacher, fac = app.test_client(), app.test_client(), app.test_client()
    assert _join(pupil, seeded["join_code"]).location.endswith("/groupe/")
    assert _teacher(teacher, seeded["access_code"]).location.endswith("/enseignant/")
    assert pupil.get("/api/v1/group/session").status_code == 200
    assert "CE2 bleu" in _page(teacher.get("/enseignant/"))

    # the facilitator deletes the class, then creates a new one with a group
    login_as(fac, "facilitator", seeded)
    cls_url = f"/animateur/classes/{seeded['class_id']}"
    fac.post(f"{cls_url}/supprimer", data={"confirm": "CE2 bleu",
                                           "csrf_token": csrf_token(fac, cls_url)})
    school_url = f"/animateur/ecoles/{seeded['school_id']}"
    new_class = fac.post(f"{school_url}/classes", data={
        "name": "CM1 vert", "level": "CM1", "csrf_token": csrf_token(fac, school_url)})
    new_url = new_class.location
    new_id = int(new_url.rstrip("/").rsplit("/", 1)[1])
    fac.post(f"{new_url}/groupes", data={"name": "Les Hiboux", "members": "Maël, Rose",
                                         "csrf_token": csrf_token(fac, new_url)})
    assert new_id not in (seeded["class_id"], seeded["other_class_id"])
    with app.app_context():
        from kit.app import station
        from kit.models import Group

        with station().sessions() as db:
            new_group = db.scalar(select(Group).where(Group.name == "Les Hiboux"))
            assert new_group.id not in (seeded["group_id"], seeded["other_group_id"])

    # the old cookies open nothing: 401 on the API, back to the home page on pages
    assert pupil.get("/api/v1/group/session").status_code == 401
    assert _is_sent_home(pupil.get("/groupe/"))
    assert _is_sent_home(teacher.get("/enseignant/"))
    home = _page(pupil.get("/", follow_redirects=True))
    assert "Tape le code de ton groupe" in home and "Maël" not in home


# -- finding 3: logging out ends nothing -----------------------------------------------
def test_a_cookie_copied_before_logout_opens_nothing_after(app, seeded):
    open_session_one(app, seeded["class_id"])
    pages = {"group": "/groupe/", "teacher": "/enseignant/", "facilitator": "/animateur/"}
    for role, api in (("group", "/api/v1/group/session"), ("facilitator", "/api/v1/kit"),
                      ("teacher", None)):
        client = app.test_client()
        if role == "group":
            _join(client, seeded["join_code"])
        elif role == "teacher":
            _teacher(client, seeded["access_code"])
        else:
            client.post("/connexion", data={"password": seeded["password"],
                                             "csrf_token": csrf_token(client)})
        copied = client.get_cookie("session").value
        if api:
            assert client.get(api).status_code == 200, role
        client.post("/deconnexion", data={"csrf_token": csrf_token(client, pages[role])})
        client.set_cookie("session", copied)  # the cookie someone kept
        if api:
            assert client.get(api).status_code == 401, role
        assert client.get("/api/v1/me").json["role"] is None, role
        assert _is_sent_home(client.get(pages[role]))


def _login_started(app, client, role: str, ago: timedelta, seen_ago: timedelta | None = None,
                   **ids: int) -> None:
    """A login made ``ago`` (its device last seen ``seen_ago`` ago) the way the app makes one."""
    from kit.app import station
    from kit.logins import begin

    with (app.app_context(), station().sessions() as db,
          client.session_transaction() as sess):
        login = begin(db, sess, role, now=utcnow() - ago, **ids)
        if seen_ago is not None:
            login.last_seen_at = utcnow() - seen_ago
        db.commit()


def test_logins_end_after_their_role_s_lifetime(app, seeded):
    cases = [  # (role, ids, started, last seen, still open?, a page of the role)
        ("group", {"group_id": seeded["group_id"], "class_id": seeded["class_id"]},
         timedelta(days=1), timedelta(hours=20), False, "/api/v1/group/session"),
        ("facilitator", {"facilitator_id": seeded["facilitator_id"]},
         timedelta(hours=4), timedelta(hours=3, minutes=1), False, "/api/v1/kit"),
        ("facilitator", {"facilitator_id": seeded["facilitator_id"]},
         timedelta(hours=4), timedelta(hours=2, minutes=50), True, "/api/v1/kit"),
        ("facilitator", {"facilitator_id": seeded["facilitator_id"]},
         timedelta(hours=13), timedelta(minutes=1), False, "/api/v1/kit"),
        ("teacher", {"class_id": seeded["class_id"]},
         timedelta(hours=2, minutes=30), timedelta(hours=2, minutes=1), False, "/enseignant/"),
    ]
    # begun ten minutes before last midnight, active a minute ago: the day is over
    from datetime import datetime, time

    midnight = datetime.combine(datetime.now().astimezone().date(), time(0)).astimezone()
    before_midnight = utcnow() - (midnight - timedelta(minutes=10))
    cases += [
        ("group", {"group_id": seeded["group_id"], "class_id": seeded["class_id"]},
         before_midnight, timedelta(minutes=1), False, "/api/v1/group/session"),
        ("teacher", {"class_id": seeded["class_id"]},
         before_midnight, timedelta(minutes=1), False, "/enseignant/"),
    ]
    open_session_one(app, seeded["class_id"])
    for role, ids, started, seen, alive, path in cases:
        client = app.test_client()
        _login_started(app, client, role, started, seen, **ids)
        resp = client.get(path)
        if alive:
            assert resp.status_code == 200, (role, started, seen)
        elif path.startswith("/api/"):
            assert resp.status_code == 401, (role, started, seen)
        else:
            assert _is_sent_home(resp), (role, started, seen)


def test_a_busy_tablet_writes_last_seen_at_most_every_few_minutes(app, seeded):
    from kit.app import station

    open_session_one(app, seeded["class_id"])
    client = app.test_client()
    _join(client, seeded["join_code"])

    def last_seen():
        with app.app_context(), station().sessions() as db:
            return db.scalar(select(Login.last_seen_at))

    first = last_seen()
    for _i in range(5):
        assert client.get("/api/v1/group/session").status_code == 200
    assert last_seen() == first  # five requests, no write
    with app.app_context(), station().sessions() as db:
        db.scalar(select(Login)).last_seen_at = utcnow() - timedelta(minutes=6)
        db.commit()
    client.get("/api/v1/group/session")
    assert last_seen() > first


# -- finding 4: group codes can be guessed ----------------------------------------------
def test_codes_are_a_word_and_three_digits_and_forgive_accents_and_capitals():
    from kit.security import JOIN_WORDS, new_join_code, normalise_code

    assert len(JOIN_WORDS) * 900 > 100_000
    assert all(w.isascii() and w.isalpha() and len(w) <= 6 for w in JOIN_WORDS)
    assert all(re.fullmatch(r"[a-z]{2,6}[1-9]\d\d", new_join_code()) for _i in range(50))
    assert normalise_code(" Lapin 427 ") == "lapin427"
    assert normalise_code("hérisson1") == "herisson1"


def test_a_code_of_a_class_with_no_open_session_is_refused_in_words_a_child_reads(
        client, seeded):
    resp = _join(client, seeded["join_code"])
    page = _page(client.get(resp.location))
    assert "la séance n'a pas encore commencé" in page
    assert "Léa" not in page
    assert client.get("/api/v1/group/session").status_code == 401


def test_guessing_is_throttled_across_devices_and_restarts_and_the_facilitator_is_told(
        app, seeded, tmp_path):
    from kit import throttle
    from kit.app import create_app
    from kit.live import broker

    open_session_one(app, seeded["class_id"])
    heard, _missed, _current = broker.subscribe(("test", "facilitator screen"))
    try:
        guesser = app.test_client()
        # 5 devices, 4 wrong codes each: each stays under its own limit
        for device in range(5):
            for n in range(4):
                resp = _join(guesser, f"lapin{100 + device * 10 + n}", f"10.0.0.{device + 10}")
                assert resp.status_code == 302
        alerts = [message for _id, message in heard.take(0)
                  if message["type"] == throttle.GUESSING]
    finally:
        broker.unsubscribe(heard)
    assert alerts[-1]["failures"] == 20 and alerts[-1]["devices"] == 5
    assert alerts[-1]["class_id"] is None and alerts[-1]["group_id"] is None

    # the station restarts on the same data folder: the count is still there
    restarted = create_app(data_dir=tmp_path / "data", testing=True)
    newcomer = restarted.test_client()
    resp = _join(newcomer, "lapin999", "10.0.0.99")
    assert resp.status_code == 429
    assert "Trop de codes faux sur la station" in _page(resp)
    # a tablet of the class waits too (its code cannot be told apart from a guess)
    assert _join(newcomer, seeded["join_code"], "10.0.0.100").status_code == 429
    # the teacher code and the facilitator password have their own station-wide count
    assert _teacher(newcomer, seeded["access_code"]).location.endswith("/enseignant/")

    fac = restarted.test_client()
    login_as(fac, "facilitator", seeded)
    dashboard = _page(fac.get("/animateur/"))
    assert "20 codes ou mots de passe faux en 5 min depuis 5 appareils" in dashboard


def test_one_device_guessing_teacher_codes_is_stopped_and_shown(app, client, seeded):
    for n in range(8):
        assert _teacher(client, f"AAAA-{2222 + n}").status_code == 302
    resp = _teacher(client, seeded["access_code"])
    assert resp.status_code == 429 and "attends" in _page(resp)
    fac = app.test_client()
    login_as(fac, "facilitator", seeded)
    page = _page(fac.get("/animateur/"))
    assert "8 codes ou mots de passe faux en 5 min depuis un seul appareil." in page


def test_typos_alone_raise_no_alert(app, client, seeded):
    for n in range(3):
        _join(client, f"lapin{100 + n}")
    login_as(client, "facilitator", seeded)
    page = _page(client.get("/animateur/"))
    assert re.search(r'<div id="guessing-alert"[^>]*\bhidden>', page)
    assert "3 codes ou mots de passe faux" not in page


# -- finding 9 (part) ------------------------------------------------------------------
def test_a_teacher_sees_only_plates_of_their_own_class(app, seeded, tmp_path):
    from kit.app import station
    from kit.models import PrintJob, PrintPlate

    png = tmp_path / "plate.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n")
    with app.app_context(), station().sessions() as db:
        for plate_id, group_ids in (("a-only", [seeded["group_id"]]),
                                    ("mixed", [seeded["group_id"], seeded["other_group_id"]])):
            db.add(PrintPlate(id=plate_id, printer_id="p", state="sliced", queue={},
                              png_path=str(png)))
            for gid in group_ids:
                db.add(PrintJob(group_id=gid, plate_id=plate_id, state="sliced"))
        db.commit()
    url = "/animateur/impressions/plateaux/{}.png"
    teacher_a, teacher_b = app.test_client(), app.test_client()
    log_in(teacher_a, "teacher", class_id=seeded["class_id"])
    log_in(teacher_b, "teacher", class_id=seeded["other_class_id"])
    assert teacher_a.get(url.format("a-only")).status_code == 200
    assert teacher_b.get(url.format("a-only")).status_code == 404
    assert teacher_b.get(url.format("mixed")).status_code == 404
    assert teacher_a.get(url.format("mixed")).status_code == 404  # holds class B's object
    fac = app.test_client()
    login_as(fac, "facilitator", seeded)
    assert fac.get(url.format("mixed")).status_code == 200


def test_weak_facilitator_passwords_are_refused_with_the_reason(tmp_path):
    from kit.app import create_app

    client = create_app(data_dir=tmp_path, testing=True).test_client()
    token = csrf_token(client, "/premier-demarrage")
    for weak, reason in (("aaaaaaaa", "au moins 10 caractères"),
                         ("aaaaaaaaaaaa", "Un seul caractère répété"),
                         ("123456789012", "Des chiffres seuls")):
        resp = client.post("/premier-demarrage", data={"name": "Sam", "password": weak,
                                                       "confirm": weak, "csrf_token": token})
        page = _page(resp)
        assert resp.status_code == 200 and reason in page, weak
        assert "protège les prénoms des élèves" in page
    ok = client.post("/premier-demarrage", data={"name": "Sam", "password": "trois-pommes-12",
                                                 "confirm": "trois-pommes-12",
                                                 "csrf_token": token})
    assert ok.status_code == 302 and ok.location.endswith("/animateur/")


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_data_folder_and_database_are_private(tmp_path, seeded, app, client):
    data = tmp_path / "data"
    login_as(client, "facilitator", seeded)
    client.get("/animateur/")  # the station has written: the -wal and -shm files exist
    files = ["mallette.sqlite3", "mallette.sqlite3-wal", "mallette.sqlite3-shm", "secret_key"]
    assert all((data / f).exists() for f in files)
    assert _mode(data) == 0o700
    assert {f: _mode(data / f) for f in files} == dict.fromkeys(files, 0o600)


def test_an_older_station_s_database_is_narrowed_to_its_user(tmp_path):
    from kit.app import create_app

    data = tmp_path / "old"
    create_app(data_dir=data, testing=True)
    os.chmod(data / "mallette.sqlite3", 0o644)
    create_app(data_dir=data, testing=True)
    assert _mode(data / "mallette.sqlite3") == 0o600


def test_every_integer_id_table_uses_autoincrement_on_sqlite(app):
    from kit.app import station
    from kit.models import Base

    with app.app_context(), station().engine.connect() as conn:
        rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='table'"))
        sql = dict(rows.all())
    integer_ids = [t.name for t in Base.metadata.sorted_tables
                   if "id" in t.c and t.c.id.primary_key and t.c.id.type.python_type is int]
    assert len(integer_ids) >= 9
    assert all("AUTOINCREMENT" in sql[name] for name in integer_ids), integer_ids


def test_a_new_login_sweeps_expired_rows_even_with_logins_loaded(app, seeded):
    """The sweep in ``begin`` must not compare SQLite's naive times with aware ones."""
    from kit import logins
    from kit.app import station

    with app.app_context(), station().sessions() as db:
        old: dict = {}
        logins.begin(db, old, "group", group_id=seeded["group_id"],
                     class_id=seeded["class_id"], now=utcnow() - timedelta(days=2))
        db.commit()
        assert len(db.scalars(select(Login)).all()) == 1  # loaded in this session
        logins.begin(db, {}, "facilitator", facilitator_id=seeded["facilitator_id"])
        db.commit()
        assert [row.role for row in db.scalars(select(Login))] == ["facilitator"]
        assert logins.check(db, old) is None and "role" not in old


def test_pupil_and_teacher_logins_end_at_local_midnight_facilitators_do_not(app, seeded):
    from datetime import UTC, datetime, time

    from kit import logins
    from kit.app import station

    late = datetime.combine(datetime.now().astimezone().date(), time(23, 50)).astimezone()
    midnight = (late + timedelta(minutes=10)).astimezone(UTC)
    with app.app_context(), station().sessions() as db:
        ends = {role: logins.begin(db, {}, role, now=late.astimezone(UTC), **ids).expires_at
                for role, ids in (("group", {"group_id": seeded["group_id"],
                                             "class_id": seeded["class_id"]}),
                                  ("teacher", {"class_id": seeded["class_id"]}),
                                  ("facilitator", {"facilitator_id": seeded["facilitator_id"]}))}
        db.rollback()
    assert ends["group"] == ends["teacher"] == midnight
    assert ends["facilitator"] == late.astimezone(UTC) + logins.MAX_LIFETIME
