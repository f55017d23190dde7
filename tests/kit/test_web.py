"""The web shell: CSRF, French by default, English on demand, API and its OpenAPI document."""

from __future__ import annotations

from openapi_spec_validator import validate

from tests.conftest import csrf_token, login_as


def test_forms_without_csrf_token_are_refused(client, seeded):
    resp = client.post("/rejoindre", data={"code": seeded["join_code"]})
    assert resp.status_code == 400
    assert "Le formulaire a expiré" in resp.get_data(as_text=True)
    login_as(client, "facilitator", seeded)
    resp = client.post("/animateur/ecoles", data={"name": "Piratée"})
    assert resp.status_code == 400
    assert "Piratée" not in client.get("/animateur/").get_data(as_text=True)


def test_api_calls_without_csrf_token_are_told_which_header(client, seeded):
    login_as(client, "facilitator", seeded)
    resp = client.post("/api/v1/robots/stop-all")
    assert resp.status_code == 400
    assert "X-CSRFToken" in resp.get_json()["message"]
    token = csrf_token(client, "/animateur/")
    resp = client.post("/api/v1/robots/stop-all", headers={"X-CSRFToken": token})
    assert resp.status_code == 200, resp.get_json()


def test_every_form_carries_a_csrf_token(client, seeded):
    login_as(client, "facilitator", seeded)
    for path in ("/animateur/", f"/animateur/ecoles/{seeded['school_id']}",
                 f"/animateur/classes/{seeded['class_id']}"):
        html = client.get(path).get_data(as_text=True)
        assert html.count("<form") == html.count('name="csrf_token"'), path


def test_french_by_default_english_on_demand(client, seeded):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="fr">' in html and "Tape le code de ton groupe" in html
    client.get("/langue/en")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html and "Français" in html


def test_health_and_openapi(client):
    health = client.get("/api/v1/health")
    assert health.status_code == 200 and health.json["status"] == "ok"
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/health" in spec["paths"]
    assert all(p.startswith("/api/v1/") for p in spec["paths"])


def test_api_errors_are_json_and_french(client, seeded):
    resp = client.get("/api/v1/kit")
    assert resp.status_code == 401 and resp.json["message"] == "Connectez-vous d'abord."
    login_as(client, "group", seeded)
    assert client.get("/api/v1/kit").status_code == 403
    login_as(client, "facilitator", seeded)
    kit = client.get("/api/v1/kit").json
    assert [r["id"] for r in kit["robots"]] == ["robot-rouge", "robot-bleu", "robot-vert"]
    assert client.get("/api/v1/nope").json["status"] == 404


def test_uploads_are_bounded(client, seeded):
    login_as(client, "facilitator", seeded)
    token = csrf_token(client, "/animateur/")
    resp = client.post("/animateur/ecoles", data={"name": "x" * (21 * 1024 * 1024),
                                                 "csrf_token": token})
    assert resp.status_code == 413 and "trop gros" in resp.get_data(as_text=True)


def test_group_rules_protect_pupils(client, seeded):
    login_as(client, "facilitator", seeded)
    token = csrf_token(client, "/animateur/")
    url = f"/animateur/classes/{seeded['class_id']}/groupes"
    resp = client.post(url, data={"name": "Les Lynx", "members": "Léa Dupont-Martin Durand, Noé",
                                  "csrf_token": token}, follow_redirects=True)
    assert "sans nom de famille" in resp.get_data(as_text=True)
    resp = client.post(url, data={"name": "Les Lynx", "members": "Léa", "csrf_token": token},
                       follow_redirects=True)
    assert "de 2 à 4 élèves" in resp.get_data(as_text=True)
    resp = client.post(url, data={"name": "Les Lynx", "members": "Léa, Noé", "girls": "2",
                                  "boys": "1", "csrf_token": token}, follow_redirects=True)
    assert "dépasse le nombre" in resp.get_data(as_text=True)
    resp = client.post(url, data={"name": "Les Lynx", "members": "Léa, Noé", "girls": "1",
                                  "boys": "1", "csrf_token": token}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Groupe « Les Lynx » créé" in html


def test_kit_check_page(client, seeded):
    login_as(client, "facilitator", seeded)
    token = csrf_token(client, "/animateur/mallette")
    page = client.post("/animateur/mallette/verifier", data={"csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Tout répond." in text and "Robot rouge" in text
