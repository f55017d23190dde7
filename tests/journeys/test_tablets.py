"""Issue 14, items 1, 2 and 4 (pupils' side), in Chromium on tablet screens: nothing is
lost between taps (reload, sleeping tablet, Wi-Fi drop), two tablets of one group share
one program and never silently overwrite each other, and "Arrêter tous les robots" is
seen on the pupils' screen.

Tablets join through the real home page with their group code; what is asserted is what
a pupil sees, and what the station holds (its database)."""

from __future__ import annotations

import time

import pytest

from tests.conftest import csrf_token, join_with_code, login_as

TABLET = {"width": 1024, "height": 768}
TABLET_WIDE = {"width": 1280, "height": 800}
SAVED = "#draft-sign[data-state=saved]"
PENDING = "#draft-sign[data-state=pending]"


def _move(*distances: int) -> dict:
    return {"version": 1, "main": [{"block": "move", "direction": "forward", "distance_cm": d}
                                   for d in distances]}


@pytest.fixture
def open_group(app, seeded) -> dict:
    """The seeded group, its class in session 2 (which has the "wait" block), with a robot."""
    from kit.app import station
    from kit.models import Classroom, Group
    from kit.sessions import assign_robot, open_session

    with app.app_context(), station().sessions() as db:
        open_session(db, db.get(Classroom, seeded["class_id"]), 2,
                     facilitator_id=seeded["facilitator_id"])
        assign_robot(db, db.get(Group, seeded["group_id"]), "robot-rouge", station().kit)
        db.commit()
    return seeded


def _join(browser, url: str, code: str, viewport: dict = TABLET):  # noqa: ANN202
    """A tablet (its own browser context: its own storage) joins with the group code."""
    context = browser.new_context(viewport=viewport, has_touch=True)
    page = context.new_page()
    join_with_code(page, url, code, tap=True)
    return context, page


def _edit(page, program: dict) -> None:
    """The pupil's edit: the workspace now holds ``program`` (Blockly's change events
    fire as for a drag; the save is left to the editor)."""
    page.evaluate("""async (program) => {
        MalletteBlocks.programToWorkspace(program, window.malletteWorkspace);
        await new Promise((r) => setTimeout(r, 50));  // Blockly fires its events
    }""", program)


def _distances(page) -> list:
    return page.evaluate("""() => MalletteBlocks.workspaceToProgram(window.malletteWorkspace)
        .main.map((b) => b.distance_cm)""")


def _shows(page, distances: list[int]) -> None:
    """Wait until the tablet's workspace holds the moves ``distances``."""
    page.wait_for_function("""(want) => JSON.stringify(MalletteBlocks.workspaceToProgram(
        window.malletteWorkspace).main.map((b) => b.distance_cm)) === JSON.stringify(want)""",
                           arg=distances, timeout=15000)


def _settle(app, gid: int, a, b, within: float = 20.0):  # noqa: ANN001, ANN202
    """After both tablets edited: the tablet asked which program to keep, or None when
    both show one program that the station holds (the second edit came after the first
    had reached its tablet: it was based on it, nothing to ask)."""
    end = time.monotonic() + within
    while True:
        asked = [p for p in (a, b) if p.locator("#draft-conflict").is_visible()]
        if asked:
            assert len(asked) == 1
            return asked[0]
        shown = _distances(a)
        if (shown == _distances(b) and _station(app, gid)[0][1] == shown
                and a.locator(SAVED).is_visible() and b.locator(SAVED).is_visible()):
            return None
        assert time.monotonic() < end, "the tablets neither agree nor ask"
        a.wait_for_timeout(200)


def _station(app, group_id: int) -> list[tuple[int, list]]:
    """The group's saved versions in the station's database: (version, distances), newest
    first."""
    from kit.app import station
    from kit.models import Group
    from kit.programs import list_versions

    with app.app_context(), station().sessions() as db:
        return [(v.version, [b.get("distance_cm") for b in v.program["main"]])
                for v in list_versions(db, db.get(Group, group_id))]


def _station_has(app, group_id: int, distances: list[int], within: float = 20.0) -> list:
    """Wait until the station's latest version is ``distances`` (a wait, not a measure)."""
    end = time.monotonic() + within
    while True:
        versions = _station(app, group_id)
        if versions and versions[0][1] == distances:
            return versions
        assert time.monotonic() < end, f"the station holds {versions}, not {distances}"
        time.sleep(0.2)


def test_two_tablets_follow_each_other_and_never_overwrite(browser, live_server, open_group,
                                                          output_dir):
    app, url, gid = live_server.app, live_server.url, open_group["group_id"]
    ctx_a, a = _join(browser, url, open_group["join_code"])
    ctx_b, b = _join(browser, url, open_group["join_code"], TABLET_WIDE)

    # A edits; the station gets it and B follows, with nothing to tap
    _edit(a, _move(20, 40))
    _shows(b, [20, 40])
    assert _station_has(app, gid, [20, 40])[0][0] == 1
    a.wait_for_selector(SAVED)
    b.wait_for_selector(SAVED)

    # B edits while its Wi-Fi is down; meanwhile A changes the program
    ctx_b.set_offline(True)
    _edit(b, _move(20, 40, 60))
    b.wait_for_selector(PENDING)
    _edit(a, _move(20, 80))
    _station_has(app, gid, [20, 80])
    # B comes back: its draft is based on version 1, A saved version 2: B is asked
    ctx_b.set_offline(False)
    b.wait_for_selector("#draft-conflict", state="visible", timeout=20000)
    assert "L'autre tablette a changé le programme" in b.inner_text("#draft-conflict")
    b.screenshot(path=str(output_dir / "b-conflit.png"))
    assert _station(app, gid)[0][1] == [20, 80]  # A's work was not replaced
    assert _distances(a) == [20, 80] and _distances(b) == [20, 40, 60]  # nor B's dropped
    # B's pupils keep theirs: it becomes the latest, A follows, A's stays a version
    b.get_by_role("button", name="Le mien").tap()
    versions = _station_has(app, gid, [20, 40, 60])
    assert [d for _v, d in versions] == [[20, 40, 60], [20, 80], [20, 40]]
    _shows(a, [20, 40, 60])
    b.wait_for_selector("#draft-conflict", state="hidden")
    b.wait_for_selector(SAVED)

    # ↩ on A reaches A's own version again (as a new version: none is overwritten)
    a.locator("#btn-undo").tap()
    _shows(a, [20, 80])
    _station_has(app, gid, [20, 80])
    _shows(b, [20, 80])
    assert [v for v, _d in _station(app, gid)] == [4, 3, 2, 1]

    # both edit in the same instant: one save wins, the other tablet is asked
    _edit(a, _move(10))
    _edit(b, _move(30))
    asked = _settle(app, gid, a, b)
    if asked is None:  # a slow machine: B had followed A before its edit, no conflict
        assert [d for _v, d in _station(app, gid)[:3]] == [[30], [10], [20, 80]]
    else:
        winner = a if asked is b else b
        won, lost = _distances(winner), _distances(asked)
        assert won != lost  # the loser's is still on its screen, until its pupils choose
        assert _station_has(app, gid, won)[1][1] == [20, 80]  # and was never saved
        asked.get_by_role("button", name="Le sien").tap()
        _shows(asked, won)
        asked.wait_for_selector(SAVED)
        # the blocks not kept are a version under the kept ones: ↩ brings them back
        assert [d for _v, d in _station(app, gid)[:3]] == [won, lost, won]
        _shows(winner, won)
        asked.locator("#btn-undo").tap()
        _shows(asked, lost)
    a.screenshot(path=str(output_dir / "a-suivi.png"))
    ctx_a.close()
    ctx_b.close()


def test_reload_and_a_sleeping_tablet_keep_the_blocks(browser, live_server, open_group,
                                                      output_dir):
    app, url, gid = live_server.app, live_server.url, open_group["group_id"]
    ctx, page = _join(browser, url, open_group["join_code"])
    # reload in the middle of an edit (before the station got it): the tablet kept it
    _edit(page, _move(20, 40, 60))
    page.reload()
    page.wait_for_function("() => window.malletteWorkspace !== undefined")
    assert _distances(page) == [20, 40, 60]
    _station_has(app, gid, [20, 40, 60])
    page.wait_for_selector(SAVED)
    # a loose block, not yet attached, survives a reload too
    page.evaluate("""() => {
        const block = window.malletteWorkspace.newBlock('turn');
        block.initSvg(); block.render(); block.moveBy(300, 260);
    }""")
    page.wait_for_function("""() => JSON.parse(localStorage.getItem(
        Object.keys(localStorage).find((k) => k.startsWith('mallette.draft.')))).state
        .blocks.blocks.length === 2""")
    page.reload()
    page.wait_for_function("() => window.malletteWorkspace !== undefined")
    assert page.evaluate("() => window.malletteWorkspace.getTopBlocks(false).length") == 2
    assert _distances(page) == [20, 40, 60]

    # the tablet sleeps (its context closes: its memory and storage are gone) mid-edit
    _edit(page, _move(20, 40, 60, 80))
    _station_has(app, gid, [20, 40, 60, 80])
    ctx.close()
    ctx2, woken = _join(browser, url, open_group["join_code"], TABLET_WIDE)
    assert _distances(woken) == [20, 40, 60, 80]
    woken.wait_for_selector(SAVED)
    ctx2.close()


def test_a_wifi_drop_keeps_the_draft_until_the_station_answers(browser, live_server,
                                                               open_group, output_dir):
    app, url, gid = live_server.app, live_server.url, open_group["group_id"]
    ctx, page = _join(browser, url, open_group["join_code"])
    _edit(page, _move(20))
    _station_has(app, gid, [20])
    page.wait_for_selector(SAVED)
    assert page.inner_text("#draft-sign").strip() == "✓ enregistré"

    ctx.set_offline(True)
    _edit(page, _move(20, 40))
    page.wait_for_selector(PENDING)
    assert page.inner_text("#draft-sign").strip() == "… pas encore enregistré"
    page.wait_for_timeout(5000)  # the pupil goes on editing while the Wi-Fi is down
    _edit(page, _move(20, 40, 60))
    page.wait_for_timeout(5000)
    assert page.locator(PENDING).is_visible()
    assert _station(app, gid) == [(1, [20])]  # nothing reached the station meanwhile
    page.screenshot(path=str(output_dir / "hors-ligne.png"))

    ctx.set_offline(False)
    _station_has(app, gid, [20, 40, 60])
    page.wait_for_selector(SAVED)
    page.screenshot(path=str(output_dir / "de-retour.png"))  # docs/img/editeur-eleve.png
    ctx.close()


def test_stop_all_is_seen_on_the_pupils_screen(app, browser, live_server, open_group):
    url = live_server.url
    ctx, page = _join(browser, url, open_group["join_code"])
    _edit(page, {"version": 1, "main": [{"block": "wait", "seconds": 30}]})
    page.get_by_role("button", name="Au robot").tap()
    page.wait_for_selector("#result.ok", timeout=20000)
    assert "Le robot exécute ton programme" in page.inner_text("#result")

    fac = app.test_client()
    login_as(fac, "facilitator", open_group)
    token = csrf_token(fac, "/animateur/mallette")
    res = fac.post("/api/v1/robots/stop-all", headers={"X-CSRFToken": token}).json
    assert res["robots"]["robot-rouge"]["ok"]
    page.wait_for_selector("#result.hint", timeout=5000)
    assert "Le robot est arrêté" in page.inner_text("#result")
    ctx.close()
