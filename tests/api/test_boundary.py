"""Bad input is refused at the door with a 4xx and a French message, never a 500.

Each test replays one finding of issue 13 (item 7) as a tablet or a stranger would send it.
"""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token, login_as

DEEP = b"[" * 5000  # 9 KB that overflowed Python's stack


@pytest.fixture
def pupil(app, seeded):
    client = app.test_client()
    login_as(client, "group", seeded)
    return client, {"X-CSRFToken": csrf_token(client, "/groupe/")}


def _french(resp, *words: str) -> str:
    assert resp.is_json, resp.get_data(as_text=True)[:300]
    message = resp.json["message"]
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("path", ["/api/v1/group/programs", "/api/v1/group/send",
                                  "/api/v1/group/object/preview",
                                  "/api/v1/group/object/submit"])
def test_deeply_nested_json_is_refused_by_name(pupil, path):
    client, headers = pupil
    resp = client.post(path, data=DEEP, content_type="application/json", headers=headers)
    assert resp.status_code == 400
    _french(resp, "trop imbriquées")


def test_deep_json_inside_a_program_is_refused_too(pupil):
    client, headers = pupil
    nested: list = []
    for _ in range(200):
        nested = [nested]
    resp = client.post("/api/v1/group/programs", headers=headers,
                       json={"program": {"version": 1, "main": nested}})
    assert resp.status_code == 400
    _french(resp, "trop imbriquées")
    assert client.get("/api/v1/group/programs").json["versions"] == []


@pytest.mark.parametrize("path", ["/api/v1/group/programs/99999999999999999999",
                                  "/api/v1/group/object/versions/99999999999999999999",
                                  "/api/v1/group/programs/2147483648"])
def test_a_huge_number_in_the_url_is_no_page(pupil, path):
    client, _headers = pupil
    resp = client.get(path)
    assert resp.status_code == 404
    _french(resp, "n'existe pas")


def test_a_huge_version_in_the_body_is_refused(pupil):
    client, headers = pupil
    resp = client.post("/api/v1/group/send", json={"version": 2**70}, headers=headers)
    assert resp.status_code == 400
    _french(resp, "trop grand")
    beyond_db = client.post("/api/v1/group/send", json={"version": 2**40}, headers=headers)
    assert beyond_db.status_code == 400
    _french(beyond_db, "« version »")


def test_numbers_json_does_not_have_are_refused(pupil):
    client, headers = pupil
    for raw in (b'{"program": {"version": NaN, "main": []}}',
                b'{"program": {"version": 1e999, "main": []}}'):
        resp = client.post("/api/v1/group/programs", data=raw, content_type="application/json",
                           headers=headers)
        assert resp.status_code == 400, raw
        _french(resp, "nombre")


def test_an_event_given_as_an_object_is_refused_by_name(pupil):
    client, headers = pupil
    program = {"version": 1, "main": [], "events": [{"event": {}}]}
    resp = client.post("/api/v1/group/programs", json={"program": program}, headers=headers)
    assert resp.status_code == 422
    _french(resp, "Événement inconnu")
    assert resp.json["problems"][0]["path"] == "events[0]"


def test_a_multipart_name_ending_in_a_backslash_is_refused_to_a_stranger(client, seeded):
    body = (b'--XX\r\nContent-Disposition: form-data; name="code\\"\r\n\r\n'
            + seeded["join_code"].encode() + b"\r\n--XX--\r\n")
    resp = client.post("/rejoindre", data=body,
                       content_type="multipart/form-data; boundary=XX")
    assert resp.status_code == 400
    assert "Formulaire illisible" in resp.get_data(as_text=True)
    api = client.post("/api/v1/group/object/import", data=body,
                      content_type="multipart/form-data; boundary=XX",
                      headers={"Accept": "application/json"})
    assert api.status_code == 400
    _french(api, "Formulaire illisible")


def test_a_wrongly_typed_body_names_the_field(pupil):
    client, headers = pupil
    resp = client.post("/api/v1/group/programs", json={"program": "avancer"}, headers=headers)
    assert resp.status_code == 400
    _french(resp, "« program »")
    send = client.post("/api/v1/group/send", json={"version": "deux"}, headers=headers)
    assert send.status_code == 400
    _french(send, "« version »")
    preview = client.post("/api/v1/group/object/preview", json=[1, 2], headers=headers)
    assert preview.status_code == 400
    assert "Traceback" not in preview.get_data(as_text=True)


ODD_VALUES = ({}, [], None, True, 1e300, "x" * 300, [1], {"block": "box"})


def test_odd_values_in_every_block_field_never_give_a_500(app, seeded, pupil):
    """Every field of every robot block and object block, given a value of the wrong kind
    (an object where a word is expected: the TypeError of issue 13), gets an answer: a
    refusal that says why, or the value taken as it can be (``True`` as a radius of 1)."""
    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import open_session
    from printers.objects import NODE_MODELS
    from robots.program import _FIELDS

    with app.app_context(), station().sessions() as dbs:
        open_session(dbs, dbs.get(Classroom, seeded["class_id"]), 1)
        dbs.commit()
    client, headers = pupil
    bodies = []
    for odd in ODD_VALUES:
        for block, spec in _FIELDS.items():
            for key in (*spec, "block", "id"):
                node = {"block": block, key: odd}
                bodies.append(("/api/v1/group/programs", {"program": {"main": [node]}}))
                bodies.append(("/api/v1/group/programs", {"program": {"main": [
                    {"block": "if", "condition": node, "then": []}]}}))
        bodies.append(("/api/v1/group/programs", {"program": {"main": [], "events": [
            {"event": odd, "body": odd}]}}))
        for block, model in NODE_MODELS.items():
            for key in (*model.model_fields, "children"):
                root = {"block": block, key: odd}
                bodies.append(("/api/v1/group/object/preview",
                               {"object": {"version": 1, "root": root}}))
        bodies.append(("/api/v1/group/object/preview",
                       {"object": {"version": odd, "name": odd, "root": {"block": odd}}}))
    refused = 0
    for path, body in bodies:
        resp = client.post(path, json=body, headers=headers)
        assert resp.status_code < 500, (path, body, resp.status_code)
        if resp.status_code >= 400:
            refused += 1
            assert resp.json["message"], (path, body)
    assert refused > 0.9 * len(bodies)


def test_a_repeat_step_to_infinity_is_refused_before_building(pupil):
    """A step of 1e308 mm overflowed to infinity and crashed the station's process
    (segmentation fault in manifold3d); the step is bounded like every other length."""
    client, headers = pupil
    root = {"block": "repeat", "times": 3, "offset": [-1e308, 1e308, 0],
            "children": [{"block": "box", "size": [10, 10, 10]}]}
    resp = client.post("/api/v1/group/object/preview", headers=headers,
                       json={"object": {"version": 1, "root": root}})
    assert resp.status_code == 422
    _french(resp, "répéter", "décalage", "250")


FORM_FIELDS = ("name", "town", "kind", "level", "teacher_name", "members", "girls", "boys",
               "number", "robot_id", "reason", "confirm", "code", "password", "printer",
               "bed_clear", "next")
FORM_VALUES = ("", "9" * 30, "-1", "x" * 5000, "\x00", "../../etc", "１２", "1e309", "<b>")


@pytest.mark.parametrize("role", ["facilitator", "teacher", "group"])
def test_odd_values_in_every_page_form_never_give_a_500(app, seeded, role):
    """The pages' forms (outside the fuzzed API), posted by each role with odd values in
    every field any form has: each answers without a server error, and nothing is lost."""
    import re

    client = app.test_client()
    login_as(client, role, seeded)
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.rule.startswith(("/api/", "/deconnexion")):
            continue
        url = rule.build({arg: 1 if type(rule._converters[arg]).__name__ == "IntegerConverter"
                          else "x" for arg in rule.arguments})[1]
        for value in FORM_VALUES:
            resp = client.post(url, data={**dict.fromkeys(FORM_FIELDS, value),
                                          "csrf_token": token})
            assert resp.status_code < 500, (role, url, value)
    teacher = app.test_client()
    login_as(teacher, "teacher", seeded)
    assert "Les Fusées" in teacher.get("/", follow_redirects=True).get_data(as_text=True)
