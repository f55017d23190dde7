"""A pupil group builds a program with blocks on a tablet, tries it, submits it (issue 4)."""

from __future__ import annotations

from sqlalchemy import select

from kit.models import Event, ProgramVersion
from tests.conftest import join_with_code

TABLET = {"width": 1280, "height": 800}


def _open_session_one(app, seeded):
    from kit.app import station
    from kit.models import Classroom
    from kit.sessions import open_session

    with app.app_context(), station().sessions() as db:
        cls = db.get(Classroom, seeded["class_id"])
        cls.groups[0].robot_id = "robot-rouge"
        open_session(db, cls, 1)
        db.commit()


def _drag_from_flyout(page, category: str, block_type: str, to_x: float, to_y: float) -> None:
    page.locator(".blocklyToolboxCategory", has_text=category).first.click()
    page.wait_for_function("() => Blockly.getMainWorkspace().getFlyout().isVisible()")
    ids = page.evaluate(
        """(type) => Blockly.getMainWorkspace().getFlyout().getWorkspace().getTopBlocks(true)
               .filter(b => b.type === type).map(b => b.id)""", block_type)
    assert ids, f"no {block_type} block in the {category} flyout"
    flyout_block = page.locator(f'.blocklyFlyout [data-id="{ids[0]}"]').first
    box = flyout_block.bounding_box()
    page.mouse.move(box["x"] + 12, box["y"] + 12)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 40, steps=5)
    page.mouse.move(to_x, to_y, steps=12)
    page.mouse.up()


def _stack_bottom(page) -> tuple[float, float]:
    """Screen point just under the last block of the program (where a new block snaps)."""
    return page.evaluate(
        """() => {
             const ws = Blockly.getMainWorkspace();
             let b = ws.getTopBlocks(true).find(x => x.type === 'start');
             while (b.getNextBlock()) b = b.getNextBlock();
             const r = b.getSvgRoot().getBoundingClientRect();
             return [r.left + 12, r.bottom + 10];
           }""")


def _chain(page) -> list[str]:
    return page.evaluate(
        """() => { const ws = Blockly.getMainWorkspace();
                   let b = ws.getTopBlocks(true).find(x => x.type === 'start');
                   const out = [];
                   while ((b = b.getNextBlock())) out.push(b.type);
                   return out; }""")


def test_forward_turn_forward_with_blocks(browser, live_server, app, seeded, output_dir):
    _open_session_one(app, seeded)
    page = browser.new_page(viewport=TABLET, has_touch=True)
    errors: list[str] = []
    outside: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith((live_server.url, "data:", "blob:"))
            else outside.append(r.url))
    join_with_code(page, live_server.url, seeded["join_code"])
    page.select_option("#challenge", "s1-le-virage")
    # build "avancer, tourner, avancer" by dragging blocks out of the toolbox
    for n, block in enumerate(("move", "turn", "move"), start=1):
        for _attempt in range(3):  # a child's drag may miss the stack: they drag again
            x, y = _stack_bottom(page)
            _drag_from_flyout(page, "Mouvement", block, x, y)
            page.wait_for_timeout(200)
            if len(_chain(page)) == n:
                break
            page.evaluate("""() => Blockly.getMainWorkspace().getTopBlocks(false)
                               .filter(b => b.type !== 'start').forEach(b => b.dispose())""")
    assert _chain(page) == ["move", "turn", "move"]
    # the pupils type their numbers: 60 cm, a right turn of 90°, 40 cm
    page.evaluate(
        """() => { const ws = Blockly.getMainWorkspace();
                   let b = ws.getTopBlocks(true).find(x => x.type === 'start');
                   const blocks = []; while ((b = b.getNextBlock())) blocks.push(b);
                   const num = (blk) => blk.inputList.map(i => i.connection &&
                       i.connection.targetBlock()).filter(Boolean)[0];
                   num(blocks[0]).setFieldValue(60, 'NUM');
                   blocks[1].setFieldValue('right', 'DIRECTION');
                   num(blocks[1]).setFieldValue(90, 'NUM');
                   num(blocks[2]).setFieldValue(40, 'NUM'); }""")
    page.get_by_role("button", name="Essayer").click()
    page.wait_for_timeout(600)
    page.screenshot(path=str(output_dir / "robot-en-route.png"))
    page.get_by_role("button", name="J'ai fini !").click()
    page.wait_for_selector(".result.ok, .result.hint, .result.error")
    text = page.locator("#result").inner_text()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(output_dir / "defi-reussi.png"))
    assert "Super ! Ton robot a pris le virage" in text, text
    # then to the real (here simulated) robot, with progress on the same line
    page.get_by_role("button", name="Au robot").click()
    page.wait_for_function(
        "() => document.querySelector('#result').textContent.includes('Le robot exécute')")
    assert errors == []
    assert outside == []  # the kit has no internet: nothing is fetched from elsewhere
    page.close()
    from kit.app import station

    with app.app_context(), station().sessions() as db:
        checked = db.scalars(select(Event).where(Event.type == "challenge.checked")).all()
        assert [e.payload["passed"] for e in checked] == [True]
        assert checked[0].payload["challenge"] == "s1-le-virage"
        program = db.scalars(select(ProgramVersion)).all()[-1].program
        assert [b["block"] for b in program["main"]] == ["move", "turn", "move"]
