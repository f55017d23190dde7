"""Robots from the station: a group sends its program, the facilitator stops them all."""

from __future__ import annotations

import time

from sqlalchemy import select

from kit.models import Event
from tests.conftest import csrf_token, login_as

PROGRAM = {"version": 1, "main": [{"block": "move", "direction": "forward", "distance_cm": 20}]}


def _setup(app, seeded, robot="robot-rouge"):
    from kit.app import station
    from kit.models import Group

    with app.app_context(), station().sessions() as db:
        db.get(Group, seeded["group_id"]).robot_id = robot
        db.commit()
    client = app.test_client()
    login_as(client, "group", seeded)
    headers = {"X-CSRFToken": csrf_token(client, "/groupe/")}
    return client, headers


def _wait_stage(client, stages, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        st = client.get("/api/v1/group/robot").json
        if st.get("stage") in stages:
            return st
        time.sleep(0.05)
    raise AssertionError(f"robot never reached {stages}: {st}")


def test_group_sends_its_program_to_its_robot(app, seeded):
    client, headers = _setup(app, seeded)
    saved = client.post("/api/v1/group/programs", json={"program": PROGRAM}, headers=headers)
    resp = client.post("/api/v1/group/send", json={"version": saved.json["version"]},
                       headers=headers)
    assert resp.status_code == 202 and resp.json["robot_id"] == "robot-rouge"
    st = _wait_stage(client, {"running", "finished"})
    assert st["group_id"] == seeded["group_id"]
    from kit.app import station

    deadline = time.monotonic() + 5
    while True:
        with app.app_context(), station().sessions() as db:
            sent = db.scalars(select(Event).where(Event.type == "program.sent")).all()
        if sent or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sent and sent[0].payload["ok"] is True and sent[0].payload["robot_id"] == "robot-rouge"


def test_group_without_robot_gets_a_clear_message(app, seeded):
    client, headers = _setup(app, seeded, robot=None)
    client.post("/api/v1/group/programs", json={"program": PROGRAM}, headers=headers)
    resp = client.post("/api/v1/group/send", json={}, headers=headers)
    assert resp.status_code == 409 and "pas encore de robot" in resp.json["message"]


def test_stop_all(app, seeded):
    client, headers = _setup(app, seeded)
    client.post("/api/v1/group/programs", json={"program": PROGRAM}, headers=headers)
    client.post("/api/v1/group/send", json={}, headers=headers)
    _wait_stage(client, {"running"})
    fac = app.test_client()
    login_as(fac, "facilitator", seeded)
    token = csrf_token(fac, "/animateur/mallette")
    assert client.post("/api/v1/robots/stop-all", headers=headers).status_code == 403
    res = fac.post("/api/v1/robots/stop-all", headers={"X-CSRFToken": token}).json
    assert res["ok"] and "elapsed_s" in res
    assert res["robots"]["robot-rouge"]["message"] == "arrêté"
    assert client.get("/api/v1/group/robot").json["status"] == "stopped"
