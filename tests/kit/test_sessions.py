"""The facilitator's session runner, as the facilitator uses it."""

from __future__ import annotations

import html

from sqlalchemy import select

from kit.models import Event, Session
from tests.conftest import csrf_token, login_as


def _page(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def test_open_session_one_then_again_then_close_twice(app, client, seeded):
    login_as(client, "facilitator", seeded)
    cls_url = f"/animateur/classes/{seeded['class_id']}"
    page = _page(client.get(cls_url))
    assert "Ouvrir la séance" in page and 'value="1" selected' in page
    token = csrf_token(client, cls_url)
    resp = client.post(f"{cls_url}/seances", data={"number": "1", "csrf_token": token})
    assert resp.status_code == 302 and "/animateur/seances/" in resp.location
    run = _page(client.get(resp.location))
    assert "Séance 1" in run and "Les Fusées" in run and "Démarrer" in run
    # the same session again: no duplicate, the facilitator lands on it
    again = client.post(f"{cls_url}/seances", data={"number": "1", "csrf_token": token},
                        follow_redirects=True)
    assert "était déjà ouverte" in _page(again)
    # another session while one is open: refused with the reason
    other = client.post(f"{cls_url}/seances", data={"number": "2", "csrf_token": token},
                        follow_redirects=True)
    assert "encore ouverte" in _page(other)
    session_url = resp.location
    closed = client.post(f"{session_url}/fermer", data={"csrf_token": token},
                         follow_redirects=True)
    assert "Bilan de la séance 1" in _page(closed)
    twice = client.post(f"{session_url}/fermer", data={"csrf_token": token},
                        follow_redirects=True)
    assert "déjà fermée" in _page(twice)
    reopen = client.post(f"{cls_url}/seances", data={"number": "1", "csrf_token": token},
                         follow_redirects=True)
    assert "déjà eu lieu" in _page(reopen)
    assert 'value="2" selected' in _page(client.get(cls_url))  # the next one is proposed
    with app.app_context():
        from kit.app import station

        with station().sessions() as db:
            types = [e.type for e in db.scalars(select(Event).order_by(Event.time))]
            assert types.count("session.opened") == 1 and types.count("session.closed") == 1
            assert len(list(db.scalars(select(Session)))) == 1


def test_group_state_follows_events(app, client, seeded):
    login_as(client, "facilitator", seeded)
    cls_url = f"/animateur/classes/{seeded['class_id']}"
    token = csrf_token(client, cls_url)
    run_url = client.post(f"{cls_url}/seances", data={"number": "1",
                                                       "csrf_token": token}).location
    pupil = app.test_client()
    tok = csrf_token(pupil)
    pupil.post("/rejoindre", data={"code": seeded["join_code"], "csrf_token": tok})
    table = _page(client.get(run_url + "/groupes"))
    assert f'class="state-joined" data-group="{seeded["group_id"]}"' in table


def test_assign_robot(client, seeded):
    login_as(client, "facilitator", seeded)
    cls_url = f"/animateur/classes/{seeded['class_id']}"
    token = csrf_token(client, cls_url)
    url = f"/animateur/groupes/{seeded['group_id']}/robot"
    client.post(url, data={"robot_id": "robot-bleu", "csrf_token": token})
    assert '<option value="robot-bleu" selected>' in _page(client.get(cls_url))
    bad = client.post(url, data={"robot_id": "robot-fantome", "csrf_token": token},
                      follow_redirects=True)
    assert "pas dans la mallette" in _page(bad)
    assert '<option value="robot-bleu" selected>' in _page(client.get(cls_url))


def test_anonymise_then_delete_a_class(app, client, seeded):
    from kit.app import station
    from kit.models import Classroom, Group

    login_as(client, "facilitator", seeded)
    cls_url = f"/animateur/classes/{seeded['class_id']}"
    token = csrf_token(client, cls_url)
    client.post(f"{cls_url}/seances", data={"number": "1", "csrf_token": token})
    client.post(f"{cls_url}/anonymiser", data={"csrf_token": token})
    page = _page(client.get(cls_url))
    assert "<title>CE2 bleu — Mallette</title>" in page and page.count("danger-zone") == 1
    assert "<td>Léa, Noé</td>" not in page and "<td>élève 1, élève 2</td>" in page
    wrong = client.post(f"{cls_url}/supprimer", data={"confirm": "CE2", "csrf_token": token},
                        follow_redirects=True)
    assert "recopiez exactement" in _page(wrong)
    client.post(f"{cls_url}/supprimer", data={"confirm": "CE2 bleu", "csrf_token": token})
    assert client.get(cls_url).status_code == 404
    with app.app_context(), station().sessions() as db:
        assert db.get(Classroom, seeded["class_id"]) is None
        assert db.get(Group, seeded["group_id"]) is None
        assert not db.scalars(select(Event).where(Event.class_id == seeded["class_id"])).all()
        assert db.get(Classroom, seeded["other_class_id"]) is not None
