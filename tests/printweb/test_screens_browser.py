"""Screens a class really uses (issue 14, items 6 and 8), in Chromium on tablet viewports.

- the pupil editor and the object editor at 1024×768 and 1280×800: no horizontal scroll,
  the buttons, the hint and "Mes impressions" inside the screen; Blockly speaks French,
  screen-reader texts included; no language switch, "Quitter" only for a held finger;
- the text size block changes the object (the template's hidden fit gives way);
- the codes page: the station's address, a QR code per group that a decoder reads back
  as the join page's address, which opens the group in one tap. Its screenshot is kept
  for the guide (docs/img/codes-groupes.png).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import login_as

VIEWPORTS = [{"width": 1024, "height": 768}, {"width": 1280, "height": 800}]


def _open_session(app, class_id: int, number: int) -> None:
    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import open_session

    with app.app_context(), station().sessions() as db:
        cls = db.get(Classroom, class_id)
        cls.groups[0].robot_id = "robot-rouge"
        open_session(db, cls, number)
        db.commit()


def _join(page, base: str, code: str) -> None:
    page.goto(base + "/")
    page.fill("#join-code", code)
    page.get_by_role("button", name="Entrer").click()
    page.wait_for_url("**/groupe/")


def _inside(page, selector: str) -> None:
    """The element is wholly on the screen, without scrolling anything."""
    box = page.locator(selector).first.bounding_box()
    view = page.viewport_size
    assert box is not None, f"{selector} is not shown"
    assert box["x"] >= 0 and box["y"] >= 0, f"{selector} starts off screen: {box}"
    assert box["x"] + box["width"] <= view["width"] + 0.5, f"{selector} is cut on the right: {box}"
    assert box["y"] + box["height"] <= view["height"] + 0.5, f"{selector} is below the fold: {box}"


def _no_horizontal_scroll(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
    heights = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
    assert heights[0] <= heights[1], f"the page scrolls down: {heights}"


def _no_horizontal_scroll_x(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def _blockly_speaks_french(page) -> None:
    said = page.evaluate("""() => [Blockly.Msg.ADD_COMMENT, Blockly.Msg.ZOOM_IN,
        Blockly.Msg.ARIA_LABEL_TRASH_EMPTY, Blockly.Msg.WORKSPACE_LABEL_PLAIN]""")
    assert said == ["Ajouter un commentaire", "Agrandir", "Corbeille, vide pour l'instant",
                    "Espace de travail des blocs."]


def _header_is_safe_for_a_child(page) -> None:
    assert page.get_by_text("English", exact=True).count() == 0
    quit_button = page.get_by_role("button", name="Quitter")
    quit_button.click()  # a child's tap: nothing happens but a hint for the adult
    assert "/groupe/" in page.url
    assert "garder le doigt" in (quit_button.get_attribute("title") or "")


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_the_pupil_editor_fits_a_tablet(browser, live_server, app, seeded, output_dir,
                                        viewport):
    _open_session(app, seeded["class_id"], 1)
    page = browser.new_page(viewport=viewport, has_touch=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _join(page, live_server.url, seeded["join_code"])
    _header_is_safe_for_a_child(page)
    page.goto(live_server.url + "/groupe/programme")
    page.wait_for_function("() => window.Blockly && Blockly.getMainWorkspace()")
    _blockly_speaks_french(page)
    # a hint after "J'ai fini !" stays on the screen with every button
    page.get_by_role("button", name="J'ai fini !").click()
    page.wait_for_function("""() => { const r = document.getElementById('result');
        return !r.hidden && r.textContent.trim() && !r.classList.contains('pending'); }""",
                           timeout=20000)
    for selector in ("#challenge", "#btn-run", "#btn-send", "#btn-check", "#btn-undo",
                     "#result", "#sim", ".blocklyToolbox"):
        _inside(page, selector)
    _no_horizontal_scroll(page)
    page.screenshot(path=str(output_dir / f"editeur-{viewport['width']}x{viewport['height']}.png"))
    assert errors == []
    page.close()


def _open_printing(app, class_id: int) -> None:
    _open_session(app, class_id, 8)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda v: f"{v['width']}x{v['height']}")
def test_the_object_editor_fits_a_tablet_and_the_text_size_works(
        browser, live_server, app, seeded, output_dir, viewport):
    _open_printing(app, seeded["class_id"])
    page = browser.new_page(viewport=viewport, has_touch=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _join(page, live_server.url, seeded["join_code"])
    page.get_by_text("Construire mon objet").click()
    page.wait_for_function("() => window.malletteWorkspace && window.mallettePreview")
    _blockly_speaks_french(page)
    page.wait_for_function("() => document.getElementById('objects-app').dataset.previewed",
                           timeout=30000)
    for selector in ("#challenge", "#btn-preview", "#btn-print", "#btn-undo", ".btn-import",
                     "#prints-title", "#preview3d", ".blocklyToolbox"):
        _inside(page, selector)
    _no_horizontal_scroll(page)
    page.screenshot(path=str(output_dir / f"objet-{viewport['width']}x{viewport['height']}.png"))

    # the pupil sets the letters' size from 8 to 30: the object's letters grow
    def letters_extent() -> float:
        return page.evaluate("""async () => {
            const doc = MalletteObjectBlocks.workspaceToObject(window.malletteWorkspace);
            const find = (n) => n.block === 'text' ? n
                : (n.children || []).map(find).find(Boolean);
            const text = find(doc.root);
            const out = await Mallette.api('POST', '/api/v1/group/object/preview',
                                           {object: {version: 1, root: text}});
            return out.extents_mm[1];
        }""")

    before = letters_extent()
    page.evaluate("""() => malletteWorkspace.getAllBlocks(false)
        .find(b => b.type === 'obj_text').setFieldValue(30, 'SIZE')""")
    text = page.wait_for_function("""() => {
        const doc = MalletteObjectBlocks.workspaceToObject(window.malletteWorkspace);
        const find = (n) => n.block === 'text' ? n : (n.children || []).map(find).find(Boolean);
        const text = find(doc.root);
        return !('max_width' in text) && text;
    }""").json_value()
    assert text["size"] == 30 and text["text"] == "Les Fusées"
    after = letters_extent()
    assert after > 2.5 * before, (before, after)
    assert errors == []
    page.close()


def test_the_codes_page_qr_code_opens_the_group_in_one_tap(browser, live_server, app, seeded,
                                                          output_dir):
    zxingcpp = pytest.importorskip("zxingcpp", reason="pip install zxing-cpp (test extra)")
    from PIL import Image

    _open_session(app, seeded["class_id"], 1)
    _more_groups(app, seeded["class_id"], [("Les Pingouins", "Inès, Tom"),
                                           ("Les Hiboux", "Maël, Rose, Lina")])
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    fac = context.new_page()
    login_cookie = _facilitator_cookie(app, seeded)
    context.add_cookies([{"name": login_cookie[0], "value": login_cookie[1],
                          "url": live_server.url}])
    fac.goto(f"{live_server.url}/animateur/classes/{seeded['class_id']}/codes")
    address = fac.locator("#station-address").inner_text()
    assert address.startswith("http://")
    assert fac.get_by_role("link", name="Retour à la classe").count() == 1
    fac.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth)")
    lines = fac.evaluate("""() => [...document.querySelectorAll('.big-code')].map((el) => {
        const range = document.createRange(); range.selectNodeContents(el);
        return range.getClientRects().length; })""")
    assert lines == [1, 1, 1], "a code is cut across lines"
    shot = output_dir / "codes-groupes.png"  # the guide's docs/img/codes-groupes.png
    fac.screenshot(path=str(shot), full_page=True)

    # read the QR code back from what the screen shows, as a tablet's camera would
    qr_png = output_dir / "qr.png"
    fac.locator("img.qr").first.screenshot(path=str(qr_png))
    found = zxingcpp.read_barcodes(Image.open(qr_png))
    assert [r.format.name for r in found] == ["QRCode"]
    url = found[0].text
    assert url == f"{address}/rejoindre?code={seeded['join_code']}"

    # the class page on a 1024 px tablet: robot names whole in the groups table
    fac.set_viewport_size({"width": 1024, "height": 768})
    fac.goto(f"{live_server.url}/animateur/classes/{seeded['class_id']}")
    fac.screenshot(path=str(output_dir / "classe-1024.png"), full_page=True)
    cut = fac.evaluate("""() => [...document.querySelectorAll('.robot-select select')]
        .map((sel) => {
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = getComputedStyle(sel).font;
            const widest = Math.max(...[...sel.options].map((o) => ctx.measureText(o.text).width));
            return widest + 40 > sel.clientWidth ? sel.id : null; })
        .filter(Boolean)""")
    assert cut == [], f"robot names cut in {cut}"
    _no_horizontal_scroll_x(fac)

    # the kit page: the station's name, and the stop-all time in milliseconds
    fac.goto(f"{live_server.url}/animateur/mallette")
    assert "Mallette de démonstration" in fac.locator("h1").inner_text()
    fac.get_by_role("button", name="Arrêter tous les robots").click()
    fac.wait_for_function(
        "() => document.getElementById('stop-all-result').textContent.includes('Robots')")
    said = fac.locator("#stop-all-result").inner_text()
    assert said.endswith(" ms)") and "0." not in said, said
    context.close()

    # the tablet opens that address (here on the test's own station) and taps "Entrer"
    tablet = browser.new_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    parts = urlsplit(url)
    tablet.goto(f"{live_server.url}{parts.path}?{parts.query}")
    assert tablet.locator("#join-code").input_value() == seeded["join_code"]
    tablet.get_by_role("button", name="Entrer").tap()
    tablet.wait_for_url("**/groupe/")
    assert "Les Fusées" in tablet.content()
    # an adult holds "Quitter": the tablet leaves the group
    box = tablet.get_by_role("button", name="Quitter").bounding_box()
    tablet.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tablet.mouse.down()
    tablet.wait_for_url(live_server.url + "/")
    tablet.mouse.up()
    assert tablet.locator("#join-code").count() == 1
    tablet.close()


def _more_groups(app, class_id: int, groups: list[tuple[str, str]]) -> None:
    from kit.app import station
    from kit.models import Classroom
    from kit.roster import create_group

    with app.app_context(), station().sessions() as db:
        for name, members in groups:
            create_group(db, db.get(Classroom, class_id), name, members)
        db.commit()


def _facilitator_cookie(app, seeded) -> tuple[str, str]:
    """A real facilitator login's session cookie (the login form has its own tests)."""
    client = app.test_client()
    login_as(client, "facilitator", seeded)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return cookie.key, cookie.value
