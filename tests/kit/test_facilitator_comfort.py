"""The facilitator's comfort (issue 14, item 6): groups renamed and deleted, warnings for
duplicate names and shared robots, the codes page (address, QR codes, a way back), names
instead of ids and French numbers on the facilitator's pages.

Each test goes through the station's own pages and forms, as the facilitator would.
"""

from __future__ import annotations

import html
import re

import segno
from sqlalchemy import select

from tests.conftest import csrf_token, login_as
from tests.kit.test_roles import open_session_one


def _page(resp) -> str:
    return html.unescape(resp.get_data(as_text=True))


def _join(client, code: str):
    return client.post("/rejoindre", data={"code": code, "csrf_token": csrf_token(client)})


def _facilitator(app, seeded):
    fac = app.test_client()
    login_as(fac, "facilitator", seeded)
    return fac


def _post(client, url: str, page: str, **data: str):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)})


def _add_group(fac, class_id: int, name: str, members: str = "Ana, Tom"):
    page = f"/animateur/classes/{class_id}"
    return _post(fac, f"{page}/groupes", page, name=name, members=members)


def test_a_group_is_renamed_and_keeps_its_code_and_programs(app, seeded):
    fac = _facilitator(app, seeded)
    page = f"/animateur/classes/{seeded['class_id']}"
    resp = _post(fac, f"/animateur/groupes/{seeded['group_id']}/renommer", page,
                 name="  Les   Pingouins ", shown_name="Les Fusées")
    assert resp.status_code == 302
    shown = _page(fac.get(page))
    assert "Groupe « Les Fusées » renommé « Les Pingouins »." in shown
    assert "Les Pingouins" in shown and seeded["join_code"] in shown

    # a name that breaks the rule is refused in words, the old name stays
    resp = _post(fac, f"/animateur/groupes/{seeded['group_id']}/renommer", page, name="  ",
                 shown_name="Les Pingouins")
    shown = _page(fac.get(resp.location))
    assert "Le nom du groupe doit faire de 1 à 40 caractères." in shown
    assert "Les Pingouins" in shown
    # a form shown before the rename (another tab) renames nothing
    resp = _post(fac, f"/animateur/groupes/{seeded['group_id']}/renommer", page,
                 name="Les Hiboux", shown_name="Les Fusées")
    shown = _page(fac.get(resp.location))
    assert "Le groupe « Les Pingouins » a changé entre-temps" in shown
    assert "Les Hiboux" not in shown


def test_a_deleted_group_s_tablets_are_logged_out_its_code_ends_its_figures_stay(app, seeded):
    from kit.app import station
    from kit.models import Group
    from kit.report import key_figures

    open_session_one(app, seeded["class_id"])
    pupil = app.test_client()
    assert _join(pupil, seeded["join_code"]).location.endswith("/groupe/")
    assert pupil.get("/api/v1/group/session").status_code == 200
    with app.app_context(), station().sessions() as db:
        before = key_figures(db)
    assert before.groups == 1 and before.pupils == 2

    fac = _facilitator(app, seeded)
    page = f"/animateur/classes/{seeded['class_id']}"
    resp = _post(fac, f"/animateur/groupes/{seeded['group_id']}/supprimer", page,
                 confirm="Les Fusées")
    shown = _page(fac.get(resp.location))
    assert "Groupe « Les Fusées » supprimé" in shown
    assert seeded["join_code"] not in shown and "Aucun groupe pour l'instant." in shown

    # the tablet is logged out at once, and its code opens nothing any more
    assert pupil.get("/api/v1/group/session").status_code == 401
    again = app.test_client()
    refused = _join(again, seeded["join_code"])
    assert "Ce code ne marche pas" in _page(again.get(refused.location))

    # what the group did still counts: the figures are those of before
    with app.app_context(), station().sessions() as db:
        after = key_figures(db)
        assert db.scalar(select(Group).where(Group.id == seeded["group_id"])) is not None
    assert (after.groups, after.pupils, after.sessions) == (before.groups, before.pupils,
                                                            before.sessions)
    # a deleted group cannot be deleted or renamed twice
    assert _post(fac, f"/animateur/groupes/{seeded['group_id']}/supprimer", page,
                 confirm="Les Fusées").status_code == 404


def test_duplicate_names_and_a_shared_robot_are_said_on_the_class_page(app, seeded):
    fac = _facilitator(app, seeded)
    page = f"/animateur/classes/{seeded['class_id']}"
    _add_group(fac, seeded["class_id"], "les fusées")
    shown = _page(fac.get(page))
    assert "2 groupes s'appellent « Les Fusées » : renommez-en un" in shown

    with app.app_context():
        from kit.app import station
        from kit.models import Group

        with station().sessions() as db:
            ids = [g.id for g in db.scalars(select(Group).where(
                Group.class_id == seeded["class_id"]))]
    for gid in ids:
        _post(fac, f"/animateur/groupes/{gid}/robot", page, robot_id="robot-rouge", next=page)
    shown = _page(fac.get(page))
    assert ("Robot rouge est attribué à plusieurs groupes (Les Fusées, les fusées) : leurs "
            "programmes iront au même robot.") in shown
    assert shown.count("attribué à plusieurs groupes") == 1
    # from the session page the warning comes as a message on that page
    open_session_one(app, seeded["class_id"])
    run_url = re.search(r'href="(/animateur/seances/\d+)"', _page(fac.get(page))).group(1)
    resp = _post(fac, f"/animateur/groupes/{ids[0]}/robot", run_url,
                 robot_id="robot-rouge", next=run_url)
    assert resp.location.endswith(run_url)
    assert "Robot rouge est attribué à plusieurs groupes" in _page(fac.get(resp.location))


def test_the_groups_table_shows_robot_names_whole(app, seeded):
    fac = _facilitator(app, seeded)
    shown = _page(fac.get(f"/animateur/classes/{seeded['class_id']}"))
    assert ">Robot rouge</option>" in shown
    css = fac.get("/static/css/mallette.css").get_data(as_text=True)
    assert ".robot-select select { min-width: 11rem; width: auto;" in css


def test_the_codes_page_gives_the_address_qr_codes_and_a_way_back(app, seeded):
    open_session_one(app, seeded["class_id"])
    fac = _facilitator(app, seeded)
    shown = _page(fac.get(f"/animateur/classes/{seeded['class_id']}/codes"))
    address = re.search(r'id="station-address">([^<]+)<', shown).group(1)
    # the test client asks for "localhost": the page gives the laptop's network address
    assert address.startswith("http://") and "localhost" not in address
    assert "Retour à la classe" in shown and "Retour à la séance" in shown
    url = re.search(r'data-url="([^"]+)"', shown).group(1)
    assert url == f"{address}/rejoindre?code={seeded['join_code']}"

    svg = fac.get(f"/animateur/groupes/{seeded['group_id']}/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    # the SVG is segno's drawing of exactly that URL (read back for real in the browser
    # test, from a screenshot, with a QR decoder)
    assert _same_qr(svg.data.decode(), url)
    # the codes are for adults to show: not for a pupil or a visitor
    assert app.test_client().get(f"/animateur/groupes/{seeded['group_id']}/qr.svg"
                                 ).status_code in (302, 401, 403)


def _same_qr(svg: str, url: str) -> bool:
    import io

    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=8, border=2,
                                                 xmldecl=False, svgns=True, title=url)
    return out.getvalue().decode() == svg


def test_the_join_page_of_a_qr_code_has_the_code_filled_and_joins_in_one_tap(app, seeded):
    open_session_one(app, seeded["class_id"])
    pupil = app.test_client()
    shown = _page(pupil.get(f"/rejoindre?code={seeded['join_code'].upper()}"))
    assert f'value="{seeded["join_code"]}"' in shown and "Entrer" in shown
    # the page itself joins nothing: the tap on "Entrer" does (a POST with its CSRF token)
    assert pupil.get("/api/v1/group/session").status_code == 401
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', shown)
    token = token.group(1) if token else csrf_token(pupil)
    resp = pupil.post("/rejoindre", data={"code": seeded["join_code"], "csrf_token": token})
    assert resp.location.endswith("/groupe/")
    assert "Les Fusées" in _page(pupil.get("/groupe/"))
    # a code that is not one is simply shown, escaped, and joins nothing
    odd = app.test_client().get("/rejoindre?code=<script>x</script>")
    assert odd.status_code == 200 and 'value="scriptxscript"' in _page(odd)


def test_the_kit_page_shows_names_and_french_numbers(app, seeded):
    fac = _facilitator(app, seeded)
    shown = _page(fac.get("/animateur/mallette"))
    assert "Mallette de démonstration" in shown and "kit-demo" not in shown.split("<h1>")[1][:200]
    checked = _page(_post(fac, "/animateur/mallette/verifier", "/animateur/mallette"))
    assert checked.count("batterie") <= len(re.findall(r"<li class=\"(ok|missing)\"", checked))
    assert "🔋" not in checked and ".0 %" not in checked
    # the stop-all time in milliseconds: tests/printweb/test_screens_browser.py


def test_the_teacher_menu_offers_no_gcode_and_pupils_have_no_language_switch(app, seeded):
    teacher = app.test_client()
    login_as(teacher, "teacher", seeded)
    assert "Imprimer un fichier G-code" not in _page(teacher.get("/enseignant/"))
    open_session_one(app, seeded["class_id"])
    pupil = app.test_client()
    _join(pupil, seeded["join_code"])
    shown = _page(pupil.get("/groupe/"))
    assert "English" not in shown and 'data-hold-ms="1500"' in shown
    assert "English" in _page(app.test_client().get("/"))


def test_french_dates_and_plurals_on_the_facilitator_s_pages(app, seeded):
    from datetime import date

    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import close_session, open_session

    with app.app_context(), station().sessions() as db:
        sess, _opened = open_session(db, db.get(Classroom, seeded["class_id"]), 1)
        sess.day = date(2026, 12, 2)
        close_session(db, sess)
        db.commit()
    fac = _facilitator(app, seeded)
    shown = _page(fac.get(f"/animateur/classes/{seeded['class_id']}"))
    assert "2 déc. 2026" in shown and "2026-12-02" not in shown
    dash = _page(fac.get("/animateur/"))
    assert "1 groupe<" in dash and "1 groupes" not in dash


def test_one_block_is_said_in_the_singular_on_the_group_s_timeline(app, seeded):
    from kit import events
    from kit.app import station

    with app.app_context(), station().sessions() as db:
        for version, blocks in ((1, 1), (2, 3)):
            events.record(db, events.PROGRAM_SAVED, group_id=seeded["group_id"],
                          class_id=seeded["class_id"],
                          kind="robot", version=version, blocks=blocks)
        db.commit()
    teacher = app.test_client()
    login_as(teacher, "teacher", seeded)
    shown = _page(teacher.get(f"/enseignant/groupes/{seeded['group_id']}"))
    assert "Programme enregistré (version 1, 1 bloc)" in shown
    assert "Programme enregistré (version 2, 3 blocs)" in shown
