"""Pupils' programs through the API: versions, refusals that lose nothing, challenges."""

from __future__ import annotations

from tests.conftest import csrf_token, login_as

FORWARD = {"block": "move", "direction": "forward", "distance_cm": 60}


def _open(app, seeded, number=1):
    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import open_session

    with app.app_context(), station().sessions() as db:
        open_session(db, db.get(Classroom, seeded["class_id"]), number)
        db.commit()


def _client(app, seeded):
    client = app.test_client()
    login_as(client, "group", seeded)
    token = csrf_token(client, "/groupe/")
    return client, {"X-CSRFToken": token}


def test_versions_are_kept_and_a_refused_program_loses_nothing(app, seeded):
    _open(app, seeded)
    client, headers = _client(app, seeded)
    ok = client.post("/api/v1/group/programs", json={"program": {"version": 1, "main": [FORWARD]}},
                     headers=headers)
    assert ok.status_code == 201 and ok.json["version"] == 1
    same = client.post("/api/v1/group/programs",
                       json={"program": {"version": 1, "main": [FORWARD]}}, headers=headers)
    assert same.status_code == 200 and same.json["version"] == 1  # no duplicate version
    # session 1 offers no loop: "répéter" is refused, named, and version 1 stays
    loop = {"block": "repeat", "id": "blk-7", "times": 2, "body": [FORWARD]}
    refused = client.post("/api/v1/group/programs",
                          json={"program": {"version": 1, "main": [loop]}}, headers=headers)
    assert refused.status_code == 422
    assert "répéter" in refused.json["message"]
    assert refused.json["problems"][0]["block_id"] == "blk-7"
    versions = client.get("/api/v1/group/programs").json["versions"]
    assert [v["version"] for v in versions] == [1]
    assert client.get("/api/v1/group/programs/1").json["program"]["main"][0]["distance_cm"] == 60


def test_too_deep_and_too_large_are_refused_by_name(app, seeded):
    _open(app, seeded, 1)
    client, headers = _client(app, seeded)
    big = {"version": 1, "main": [dict(FORWARD) for _ in range(260)]}
    resp = client.post("/api/v1/group/programs", json={"program": big}, headers=headers)
    assert resp.status_code == 422 and "200" in resp.json["message"]
    client2 = app.test_client()
    login_as(client2, "group", seeded)
    deep: dict = {"block": "repeat", "times": 2, "body": [FORWARD]}
    for _ in range(10):
        deep = {"block": "repeat", "times": 2, "body": [deep]}
    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import close_session, open_session_of

    with app.app_context(), station().sessions() as db:
        cls = db.get(Classroom, seeded["class_id"])
        close_session(db, open_session_of(db, cls))
        db.commit()
    resp = client.post("/api/v1/group/programs", json={"program": {"version": 1, "main": [deep]}},
                       headers=headers)  # no session open: no toolbox limit, depth still holds
    assert resp.status_code == 422 and "répéter" in resp.json["message"]


def test_bad_bodies_get_clear_messages(app, seeded):
    _open(app, seeded)
    client, headers = _client(app, seeded)
    for body in (None, {"nope": 1}, {"program": "avancer"}, {"program": {"main": 3}}):
        resp = client.post("/api/v1/group/programs", json=body, headers=headers)
        assert resp.status_code in (400, 422), body
        assert resp.json["message"] and "Traceback" not in resp.get_data(as_text=True)
    no_csrf = client.post("/api/v1/group/programs", json={"program": {"version": 1, "main": []}})
    assert no_csrf.status_code == 400


def test_challenge_checked_by_the_station(app, seeded):
    _open(app, seeded)
    client, headers = _client(app, seeded)
    wrong = client.post("/api/v1/group/challenges/s1-tout-droit",
                        json={"program": {"version": 1, "main": [
                            {"block": "move", "direction": "forward", "distance_cm": 40}]}},
                        headers=headers)
    assert wrong.status_code == 200 and wrong.json["passed"] is False
    assert "Compte les cases" in wrong.json["message"]
    right = client.post("/api/v1/group/challenges/s1-tout-droit",
                        json={"program": {"version": 1, "main": [FORWARD]}}, headers=headers)
    assert right.json["passed"] is True and "Bravo" in right.json["message"]
    unknown = client.post("/api/v1/group/challenges/nope",
                          json={"program": {"version": 1, "main": [FORWARD]}}, headers=headers)
    assert unknown.status_code == 404 and "nope" in unknown.json["message"]


def test_an_if_else_is_saved_as_the_editor_sent_it(app, seeded):
    """The saved JSON keeps the contract's ``else`` (not the model's ``else_``), so the
    version reopens in the editor and can be sent to a robot."""
    client, headers = _client(app, seeded)
    branch = {"block": "if", "condition": {"block": "sensor_line"}, "then": [FORWARD],
              "else": [{"block": "stop"}]}
    saved = client.post("/api/v1/group/programs", json={"program": {"version": 1,
                                                                    "main": [branch]}},
                        headers=headers)
    assert saved.status_code == 201
    again = client.get(f"/api/v1/group/programs/{saved.json['version']}").json["program"]
    assert again["main"] == [branch]
