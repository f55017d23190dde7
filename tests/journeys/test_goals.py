"""Issue 14, goals a child can see and stop seen by the facilitator, in Chromium on a
1024×768 tablet: the goal sentence and icon above the mat, the goal drawn on the mat,
a run that says how it ended, a debugging challenge that opens on its starter (the
group's earlier program one ↩ away), and "Arrêter tous les robots" on the session's
table of groups."""

from __future__ import annotations

import json
from pathlib import Path

from lessons.goals import goal_marks
from lessons.loader import lesson_files, load_file
from tests.conftest import join_with_code

TABLET = {"width": 1024, "height": 768}
CYCLE = Path(__file__).resolve().parents[2] / "lessons" / "cycle"
# What the group wrote in session 2 (before "Le carré de Robi" of session 3).
EARLIER = {"version": 1, "main": [{"block": "turn", "direction": "right", "degrees": 90},
                                  {"block": "move", "direction": "forward", "distance_cm": 40}]}
SQUARE = {"version": 1, "main": [{"block": "repeat", "times": 4, "body": [
    {"block": "move", "direction": "forward", "distance_cm": 40},
    {"block": "turn", "direction": "right", "degrees": 90}]}]}


def _class_in_session_three(app, seeded, robot: str | None = None) -> int:
    """Session 2 held (the group saved a program in it) and closed; session 3 open."""
    from kit.app import station
    from kit.models import Classroom
    from kit.programs import save_robot_program
    from kit.sessions import close_session, curriculum_for, open_session

    with app.app_context(), station().sessions() as db:
        cls = db.get(Classroom, seeded["class_id"])
        group = cls.groups[0]
        group.robot_id = robot
        two, _ = open_session(db, cls, 2, seeded["facilitator_id"])
        toolbox = curriculum_for(two.cycle).session(2).toolbox()
        save_robot_program(db, group, two, EARLIER, toolbox)
        close_session(db, two)
        three, _ = open_session(db, cls, 3, seeded["facilitator_id"])
        db.commit()
        return three.id


def _pupil(browser, live_server, seeded):
    page = browser.new_page(viewport=TABLET, has_touch=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    join_with_code(page, live_server.url, seeded["join_code"])
    return page, errors


def _without_ids(node):
    if isinstance(node, dict):
        return {k: _without_ids(v) for k, v in node.items() if k != "id"}
    if isinstance(node, list):
        return [_without_ids(v) for v in node]
    return node


def _program(page) -> dict:
    """The program on screen, without Blockly's block ids."""
    return _without_ids(
        page.evaluate("() => MalletteBlocks.workspaceToProgram(window.malletteWorkspace)"))


def _drawn(page) -> dict:
    return json.loads(page.locator("#sim").get_attribute("data-drawn"))


def _pixel(page, mat: dict, cell: list[int], dx: float, dy: float, px: int = 0) -> list[int]:
    """The canvas colour at (dx, dy) cells (plus ``px`` pixels towards the cell's
    inside) from ``cell``'s top left corner, with the simulator's layout."""
    return page.evaluate(
        """([mat, cell, dx, dy, px]) => {
             const cv = document.getElementById('sim');
             const size = Math.min((cv.width - 16) / mat.cols, (cv.height - 16) / mat.rows);
             const ox = (cv.width - size * mat.cols) / 2, oy = (cv.height - size * mat.rows) / 2;
             const x = Math.round(ox + (cell[0] + dx) * size - px);
             const y = Math.round(oy + (cell[1] + dy) * size + px);
             return Array.from(cv.getContext('2d').getImageData(x, y, 1, 1).data).slice(0, 3);
           }""", [mat, cell, dx, dy, px])


def _result_says(page, words: str) -> str:
    page.wait_for_function(
        "(w) => document.querySelector('#result').textContent.includes(w)", arg=words,
        timeout=30000)
    return page.locator("#result").inner_text()


def test_every_challenge_has_a_goal_and_icon_and_marks_follow_criteria():
    for path in lesson_files(CYCLE):
        loaded = load_file(path)
        assert loaded.errors == [], loaded.errors
        for ch in loaded.session.challenges:
            assert ch.goal and ch.icon, f"{path.name}: {ch.id} has no goal or icon"
            assert "[" not in ch.hint.fr, f"{ch.id}: the hint names cells by coordinates"
    three = load_file(CYCLE / "03-boucles.yaml").session
    square = three.challenge("s3-le-carre")
    assert goal_marks(square, three.mat_for(square)) == {
        "target": [1, 1], "arrive": "end", "corners": [[3, 1], [3, 3], [1, 3], [1, 1]],
        "path": [], "facing": "east"}


def test_an_icon_that_is_a_word_is_refused_with_a_french_message(tmp_path):
    text = (CYCLE / "01-robot-humain.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "01-robot-humain.yaml"
    bad.write_text(text.replace('icon: "🚩"', 'icon: "drapeau"', 1), encoding="utf-8")
    errors = [str(e) for e in load_file(bad).errors]
    assert len(errors) == 1 and "challenges[0].icon" in errors[0], errors
    assert "doit être un emoji" in errors[0]


def test_goal_on_mat_starter_and_end_of_run(browser, live_server, app, seeded, output_dir):
    _class_in_session_three(app, seeded)
    page, errors = _pupil(browser, live_server, seeded)

    # the goal: one short sentence with its icon, above the mat, on a 1024×768 tablet
    goal = page.locator("#goal")
    assert goal.is_visible()
    assert "Fais le tour du plot et reviens au départ." in goal.inner_text()
    assert page.locator("#goal .goal-icon").inner_text() == "🐞"
    box = goal.bounding_box()
    assert box["x"] + box["width"] <= TABLET["width"]
    assert box["y"] + box["height"] <= TABLET["height"]

    # the mat: numbered corners in order, the flag where the robot must come back
    drawn = _drawn(page)
    assert drawn["corners"] == [[3, 1], [3, 3], [1, 3], [1, 1]]
    assert drawn["target"] == [1, 1] and drawn["arrive"] == "end"
    mat = {"cols": 6, "rows": 6}
    purple = _pixel(page, mat, [3, 1], 0.62, 0.22, px=2)  # corner 1: its disc, left of "1"
    assert purple[0] in range(80, 130) and purple[1] < 60 and purple[2] > 120, purple
    green = _pixel(page, mat, [1, 1], 0.1, 0.9)  # the flag's cell, beside the robot
    assert green[1] > green[0] + 15 and green[1] > green[2] + 15, green

    # a debugging challenge opens on its starter, not on the session-2 program
    opened = _program(page)
    assert opened["main"][0]["block"] == "repeat", opened
    assert opened["main"][0]["body"][1]["direction"] == "left", opened

    # ↩ reaches the group's earlier version
    page.locator("#btn-undo").click()
    _result_says(page, "Version précédente chargée")
    assert _program(page)["main"] == EARLIER["main"]

    # choosing the challenge again in the menu brings the starter back
    page.select_option("#challenge", "s3-escalier")
    assert "Monte les marches" in goal.inner_text()
    assert _drawn(page)["corners"] == []
    page.select_option("#challenge", "s3-le-carre")
    _result_says(page, "programme de départ")
    assert _program(page)["main"][0]["body"][1]["direction"] == "left"

    # Robi's bug: the run ends off course, and says so, with the place marked
    page.get_by_role("button", name="Essayer").click()
    text = _result_says(page, "s'est arrêté ici")
    assert "Le robot est arrivé" not in text
    assert _drawn(page)["stop"]["kind"] == "stopped"

    # the bug fixed: the run ends on the flag
    page.evaluate("""(p) => { const ws = window.malletteWorkspace; ws.clear();
        MalletteBlocks.programToWorkspace(p, ws); MalletteBlocks.ensureStart(ws); }""", SQUARE)
    page.get_by_role("button", name="Essayer").click()
    _result_says(page, "Le robot est arrivé !")
    stop = _drawn(page)["stop"]
    assert stop == {"col": 1, "row": 1, "kind": "arrived"}
    page.screenshot(path=str(output_dir / "objectif-defi.png"))  # docs/img/objectif-defi.png

    # all the versions are still there: ↩ twice goes back past the starter to session 2
    page.locator("#btn-undo").click()
    _result_says(page, "Version précédente chargée")
    page.locator("#btn-undo").click()
    page.wait_for_function("""() => MalletteBlocks.workspaceToProgram(
        window.malletteWorkspace).main[0].block === 'turn'""")
    assert errors == []
    page.close()


def test_stop_all_shows_stopped_on_the_facilitators_table(browser, live_server, app, seeded,
                                                           output_dir):
    session_id = _class_in_session_three(app, seeded, robot="robot-rouge")
    fac = browser.new_page(viewport=TABLET)
    fac.goto(live_server.url + "/")
    fac.get_by_text("Animateur·rice").click()
    fac.fill("#password", seeded["password"])
    fac.get_by_role("button", name="Se connecter").click()
    fac.wait_for_url("**/animateur/")
    fac.goto(f"{live_server.url}/animateur/seances/{session_id}")

    pupil, errors = _pupil(browser, live_server, seeded)
    pupil.get_by_role("button", name="Au robot").click()
    _result_says(pupil, "Le robot exécute")
    row = fac.locator(f"tr[data-group='{seeded['group_id']}']")
    fac.wait_for_function(
        "(id) => document.querySelector(`tr[data-group='${id}']`).textContent"
        ".includes('programme envoyé')", arg=seeded["group_id"], timeout=20000)

    fac.get_by_role("button", name="Arrêter tous les robots").click()
    fac.wait_for_selector(f"tr[data-group='{seeded['group_id']}'] .badge-stopped")
    text = row.inner_text()
    assert "robot arrêté" in text and "programme envoyé" not in text, text
    assert row.locator(".robot-stage").inner_text().strip().endswith("arrêté")
    assert "✅" in fac.locator("#stop-all-result").inner_text()
    fac.screenshot(path=str(output_dir / "robots-arretes.png"))
    assert errors == []
    for page in (fac, pupil):
        page.close()
