"""Issue 3's journey in a real browser: the facilitator creates a class and opens
session 1, a pupil group joins on a tablet and passes a challenge, the teacher
sees it in the class overview and in the CSV export."""

from __future__ import annotations

import csv
import io
import re

import httpx

from tests.conftest import join_with_code

TABLET = {"width": 800, "height": 1280}


def test_facilitator_pupils_teacher(browser, live_server, seeded, output_dir):
    url = live_server.url
    fac = browser.new_page(viewport={"width": 1366, "height": 900})
    fac.goto(url + "/")
    fac.get_by_text("Animateur·rice").click()
    fac.fill("#password", seeded["password"])
    fac.get_by_role("button", name="Se connecter").click()
    fac.wait_for_url("**/animateur/")
    # a new school, a class and a group, through the forms
    fac.fill("#name", "École du Lac")
    fac.fill("#town", "Annecy")
    fac.get_by_role("button", name="Ajouter").click()
    fac.wait_for_url("**/animateur/ecoles/*")
    fac.fill("#name", "CM1 Lac")
    fac.select_option("#level", "CM1")
    fac.get_by_role("button", name="Créer").click()
    fac.wait_for_url("**/animateur/classes/*")
    fac.fill("#name", "Les Hérons")
    fac.fill("#members", "Alix, Nino, Maé")
    fac.fill("#girls", "2")
    fac.fill("#boys", "1")
    fac.get_by_role("button", name="Ajouter").click()
    code = fac.locator("td.code").first.inner_text().strip()
    access_code = fac.locator("strong.code").first.inner_text().strip()
    fac.select_option("select[name=robot_id]", "robot-vert")
    fac.wait_for_load_state()
    assert fac.locator("#number").input_value() == "1"  # session 1 is proposed
    fac.get_by_role("button", name="Ouvrir la séance").click()
    fac.wait_for_url("**/animateur/seances/*")
    assert fac.get_by_text("Séance 1").first.is_visible()
    fac.screenshot(path=str(output_dir / "1-animateur-seance.png"))

    # the group joins on its tablet and passes "Premiers pas"
    pupil = browser.new_page(viewport=TABLET, has_touch=True)
    join_with_code(pupil, url, code, tap=True)
    pupil.select_option("#challenge", "s1-tout-droit")
    pupil.evaluate("""() => MalletteBlocks.programToWorkspace(
        {version: 1, main: [{block: 'move', direction: 'forward', distance_cm: 60}]},
        window.malletteWorkspace)""")
    pupil.get_by_role("button", name="J'ai fini !").tap()
    pupil.wait_for_selector(".result.ok, .result.hint, .result.error")
    assert "Bravo" in pupil.locator("#result").inner_text()
    pupil.screenshot(path=str(output_dir / "2-eleves-defi.png"))

    # the facilitator's live table shows it
    fac.wait_for_selector("tr.state-challenge_passed", timeout=20000)

    # the teacher sees it in the overview and in the CSV
    teacher = browser.new_page(viewport={"width": 1280, "height": 900})
    teacher.goto(url + "/")
    teacher.get_by_text("Enseignant·e").first.click()
    teacher.fill("#teacher-code", access_code)
    teacher.get_by_role("button", name="Voir ma classe").click()
    teacher.wait_for_url("**/enseignant/")
    overview = teacher.content()
    assert "Les Hérons" in overview and "Défi réussi" in overview
    teacher.screenshot(path=str(output_dir / "3-enseignant.png"), full_page=True)
    cookies = {c["name"]: c["value"] for c in teacher.context.cookies()}
    resp = httpx.get(url + "/enseignant/export.csv", cookies=cookies)
    assert resp.status_code == 200
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    session_one = [dict(zip(header, r, strict=True)) for r in rows[1:]
                   if r[1] == "Les Hérons" and r[header.index("Séance")] == "1"]
    assert len(session_one) == 1, rows
    assert any(re.search(r"Premiers pas|s1-tout-droit", v) for v in session_one[0].values()), (
        session_one)
    for page in (fac, pupil, teacher):
        page.close()
