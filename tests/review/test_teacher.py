"""What a teacher sees with the class's access code, and what they never see."""

from __future__ import annotations

import csv
import io
import re

from tests.review.conftest import as_teacher


def _cell(html: str, group: str, session: int) -> str:
    row = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(group)}</a></th>(.*?)</tr>",
                    html, re.S)
    assert row, f"no row for {group}"
    cell = re.search(rf'<td class="rv-cell [^"]*" data-session="{session}" '
                     r'data-status="([^"]+)"[^>]*>(.*?)</td>', row.group(1), re.S)
    assert cell, f"no cell for session {session}"
    return cell.group(1) + " " + re.sub(r"<[^>]+>|\s+", " ", cell.group(2))


def test_overview_shows_passed_challenges_with_words_not_only_colour(client, cycle_data):
    as_teacher(client, cycle_data["class_id"])
    resp = client.get("/enseignant/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "review.css" in html
    assert _cell(html, "Les Fusées", 1).startswith("all_passed")
    assert "Tous les défis réussis 3/3" in _cell(html, "Les Fusées", 1)
    assert "Défi réussi 1/3" in _cell(html, "Les Fusées", 2)
    assert "Défi réussi 1/3" in _cell(html, "Les Robots", 1)
    assert "Absent" in _cell(html, "Les Robots", 2)
    assert "Séance pas encore faite" in _cell(html, "Les Absents", 3)
    # the legend names every status in words
    legend = re.search(r'<ul class="rv-legend".*?</ul>', html, re.S).group(0)
    for words in ("Séance pas encore faite", "Groupe pas encore créé", "Absent", "Présent",
                  "Défi réussi", "Tous les défis réussis"):
        assert words in legend
    # the five-skills grid of each group, in the guide's words, with plural forms
    for skill in ("Décoder", "Encoder", "Déboguer", "Séquencer", "Optimiser"):
        assert f">{skill}</th>" in html
    assert ">Coder<" not in html and "(s)" not in html
    assert "3 défis réussis sur 4" in html  # Les Fusées, séquencer
    assert "1 défi réussi sur 1" in html  # Les Fusées, décoder
    assert "Présent à 3 séances · 4 défis réussis · 3 programmes envoyés · 1 objet imprimé" \
        in re.sub(r"\s+", " ", html)


def test_group_page_timeline_programs_and_prints(client, cycle_data):
    as_teacher(client, cycle_data["class_id"])
    html = client.get(f"/enseignant/groupes/{cycle_data['fusees']}").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", html)
    text = re.sub(r"\s+", " ", text)
    assert "Le groupe a rejoint la séance 1" in text
    assert f"Défi « {cycle_data['s1_titles'][0]} » réussi" in text
    assert "Programme (version 1) envoyé à Robot rouge" in text  # the robot's name
    assert "Objet « Porte-nom des Fusées » imprimé" in text
    assert "12 janvier 2026 à 10:12" in text  # times, the French way (Babel)
    # programs as the pupils built them, with French block labels and values
    assert "avancer sens en avant distance (cm) 60" in text
    assert "tourner sens à droite degrés 90" in text
    assert "taille (mm) 60 × 18 × 2,4" in text
    assert "FUSÉES" in text
    assert "Porte-nom des Fusées — Imprimé" in text
    # read-only: no form, no editor
    main = html.split("<main", 1)[1]
    assert "<form" not in main and "<textarea" not in main and "blockly" not in main


def test_failed_attempts_and_failed_sending_are_told(client, cycle_data):
    as_teacher(client, cycle_data["class_id"])
    text = client.get(f"/enseignant/groupes/{cycle_data['robots']}").get_data(as_text=True)
    assert "Défi « Premiers pas » essayé, pas encore réussi" in text
    assert "impossible : Robot injoignable" in text


def test_csv_export_opens_in_a_french_spreadsheet(client, cycle_data):
    as_teacher(client, cycle_data["class_id"])
    resp = client.get("/enseignant/export.csv")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    raw = resp.data
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Classe", "Groupe", "Élèves", "Séance"]
    assert len(body) == 3 * 10  # 3 groups × 10 sessions
    col = {name: i for i, name in enumerate(header)}
    fusees_s1 = next(r for r in body if r[col["Groupe"]] == "Les Fusées"
                     and r[col["Séance"]] == "1")
    assert fusees_s1[col["Statut"]] == "Tous les défis réussis"
    assert fusees_s1[col["Défis réussis"]] == "3"
    assert fusees_s1[col["Date"]] == "12/01/2026"
    assert cycle_data["s1_titles"][1] in fusees_s1[col["Défis réussis (noms)"]]
    robots_s2 = next(r for r in body if r[col["Groupe"]] == "Les Robots"
                     and r[col["Séance"]] == "2")
    assert robots_s2[col["Statut"]] == "Absent"
    assert "Les Comètes" not in raw.decode("utf-8-sig")


def test_printable_report(client, cycle_data):
    as_teacher(client, cycle_data["class_id"])
    resp = client.get("/enseignant/rapport")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "review.css" in html and "window.print()" in html
    assert "Mme Roux" in html and "École des Tilleuls" in html
    assert "Tous les défis réussis" in html
    assert cycle_data["s2_challenge_title"] in html
    css = client.get("/static/css/review.css").get_data(as_text=True)
    assert "@media print" in css and "@page" in css


def test_teacher_never_sees_another_class(client, cycle_data):
    as_teacher(client, cycle_data["other_class_id"])
    html = client.get("/enseignant/").get_data(as_text=True)
    assert "Les Comètes" in html
    for name in ("Les Fusées", "Les Robots", "CE2 bleu"):
        assert name not in html
    assert client.get(f"/enseignant/groupes/{cycle_data['fusees']}").status_code == 404
    assert client.get("/enseignant/groupes/99999").status_code == 404
    for path in ("/enseignant/export.csv", "/enseignant/rapport"):
        body = client.get(path).get_data(as_text=True)
        assert "Les Fusées" not in body and "Les Comètes" in body


def test_teacher_pages_are_for_the_teacher_role_only(client, cycle_data):
    from tests.conftest import log_in
    from tests.review.conftest import as_facilitator

    log_in(client, "group", group_id=cycle_data["fusees"], class_id=cycle_data["class_id"])
    for path in ("/enseignant/", "/enseignant/export.csv", "/enseignant/rapport",
                 f"/enseignant/groupes/{cycle_data['fusees']}"):
        assert client.get(path).status_code == 403
    as_facilitator(client, cycle_data["facilitator_id"])
    assert client.get("/enseignant/export.csv").status_code == 403
    with client.session_transaction() as sess:
        sess.clear()  # a cookie written by hand, with no login behind it
        sess.update(role="teacher", class_id=424242)
    resp = client.get("/enseignant/")
    assert resp.status_code == 302 and resp.location.startswith("/?next=")


def test_pages_render_in_english_too(client, cycle_data):
    as_teacher(client, cycle_data["class_id"])
    for path in ("/enseignant/?lang=en", f"/enseignant/groupes/{cycle_data['fusees']}",
                 "/enseignant/rapport", "/enseignant/export.csv"):
        resp = client.get(path)
        assert resp.status_code == 200, path
    assert '<html lang="en">' in client.get("/enseignant/").get_data(as_text=True)


def test_a_new_class_with_no_group_yet(app, client):
    from kit.app import station
    from kit.roster import create_class, create_school

    with app.app_context(), station().sessions() as db:
        cls = create_class(db, create_school(db, "École neuve"), "CP A")
        db.commit()
        class_id = cls.id
    as_teacher(client, class_id)
    html = client.get("/enseignant/").get_data(as_text=True)
    assert "Aucun groupe pour l&#39;instant." in html or "Aucun groupe pour l'instant." in html
    assert "0 séance faite sur 10." in html
    rows = client.get("/enseignant/export.csv").data.decode("utf-8-sig").splitlines()
    assert len(rows) == 1  # the header only
