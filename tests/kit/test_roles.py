"""Every route declares who may use it, and no role reaches a route not meant for it."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login_as

ROLES = ("facilitator", "teacher", "group")
EXEMPT = {"static", "openapi.spec"}  # style sheets, scripts and the API's description


def _url_for_rule(rule) -> str:
    values = {}
    for arg in rule.arguments:
        conv = rule._converters[arg].__class__.__name__
        values[arg] = {"IntegerConverter": 1, "PathConverter": "a/b.js"}.get(conv, "x")
    return rule.build(values)[1]


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, view, method


def test_every_route_declares_its_roles(app):
    undeclared = [r.rule for r, view, _m in _routes(app)
                  if getattr(view, "allowed_roles", None) is None]
    assert undeclared == []


def test_an_undeclared_route_is_refused(app):
    @app.get("/oubli")
    def forgotten():
        return "secret"

    assert app.test_client().get("/oubli").status_code == 403


@pytest.mark.parametrize("role", [None, *ROLES])
def test_role_matrix(app, seeded, role):
    """Walk ``app.url_map``: a role outside a route's declaration is always refused."""
    app.config["WTF_CSRF_ENABLED"] = False  # here we test roles, CSRF has its own test
    client = app.test_client()
    checked = 0
    for rule, view, method in _routes(app):
        allowed = view.allowed_roles
        if role is not None:
            login_as(client, role, seeded)
        else:
            with client.session_transaction() as sess:
                sess.clear()
        resp = client.open(_url_for_rule(rule), method=method)
        if "public" in allowed or (role in allowed):
            assert resp.status_code not in (401, 403), (role, method, rule.rule)
        else:
            checked += 1
            refused = resp.status_code in (401, 403) or (
                resp.status_code == 302 and role is None and "next=" in resp.location)
            assert refused, (role, method, rule.rule, resp.status_code)
    assert checked > 0 or role == "facilitator"


def test_group_reaches_no_adult_route(app, seeded):
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    adult = [(r, m) for r, v, m in _routes(app)
             if "group" not in v.allowed_roles and "public" not in v.allowed_roles]
    assert any(r.rule.startswith("/animateur") for r, _m in adult)
    assert any(r.rule.startswith("/enseignant") for r, _m in adult)
    for rule, method in adult:
        login_as(client, "group", seeded)
        assert client.open(_url_for_rule(rule), method=method).status_code == 403, rule.rule


def test_teacher_sees_only_their_class(client, seeded):
    login_as(client, "teacher", seeded)
    page = client.get("/enseignant/").get_data(as_text=True)
    assert "CE2 bleu" in page and "Les Fusées" in page
    assert "CM2 rouge" not in page and "Les Comètes" not in page


def test_facilitator_login_with_password(client, seeded):
    token = csrf_token(client)
    bad = client.post("/connexion", data={"password": "faux", "csrf_token": token},
                      follow_redirects=True)
    assert "Mot de passe incorrect." in bad.get_data(as_text=True)
    ok = client.post("/connexion", data={"password": seeded["password"], "csrf_token": token},
                     follow_redirects=True)
    assert "Tableau de bord" in ok.get_data(as_text=True)


def open_session_one(app, class_id: int) -> None:
    """Open session 1 of a class (group codes work only while a session is open)."""
    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import open_session

    with app.app_context(), station().sessions() as db:
        open_session(db, db.get(Classroom, class_id), 1)
        db.commit()


def test_pupils_join_with_their_code(app, client, seeded):
    open_session_one(app, seeded["class_id"])
    token = csrf_token(client)
    resp = client.post("/rejoindre", data={"code": "  " + seeded["join_code"].upper() + " ",
                                           "csrf_token": token}, follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Les Fusées" in page and "Léa" in page


def test_teacher_joins_with_access_code(client, seeded):
    token = csrf_token(client)
    code = seeded["access_code"].replace("-", "").lower()
    resp = client.post("/enseignant", data={"code": code, "csrf_token": token},
                       follow_redirects=True)
    assert "CE2 bleu" in resp.get_data(as_text=True)


def test_wrong_join_codes_are_throttled(client, seeded):
    token = csrf_token(client)
    statuses = [client.post("/rejoindre", data={"code": f"zzz{i}", "csrf_token": token}).status_code
                for i in range(10)]
    assert statuses[:8] == [302] * 8  # a few typos are fine
    assert statuses[8:] == [429, 429]
    page = client.post("/rejoindre", data={"code": seeded["join_code"], "csrf_token": token})
    assert page.status_code == 429  # even the right code waits: it cannot confirm a guess
    assert "Trop d&#39;essais faux depuis cet appareil" in page.get_data(as_text=True)


def test_login_attempts_are_throttled(client, seeded):
    token = csrf_token(client)
    for _i in range(8):
        client.post("/connexion", data={"password": "faux", "csrf_token": token})
    resp = client.post("/connexion", data={"password": seeded["password"], "csrf_token": token})
    assert resp.status_code == 429


def test_first_start_needs_the_console_token(tmp_path):
    from kit.app import create_app

    app = create_app(data_dir=tmp_path, testing=True)
    app.config["SETUP_TOKEN"] = "jeton-secret"
    client = app.test_client()
    assert client.get("/").location.endswith("/premier-demarrage")
    locked = client.get("/premier-demarrage")
    assert locked.status_code == 403 and "console" in locked.get_data(as_text=True)
    page = client.get("/premier-demarrage?jeton=jeton-secret")
    assert page.status_code == 200
    token = csrf_token(client, "/premier-demarrage")
    resp = client.post("/premier-demarrage", data={"name": "Sam", "password": "un-mot-de-passe",
                                                   "confirm": "un-mot-de-passe",
                                                   "csrf_token": token}, follow_redirects=True)
    assert "Tableau de bord" in resp.get_data(as_text=True)
    assert client.get("/premier-demarrage").status_code == 404
