"""The Blockly blocks (web/static/js/blocks/robot_blocks.js) in headless Chromium.

A program built in a real Blockly 13 workspace must convert to program-model
JSON that the station's validator accepts, and a saved program must load back
into the editor unchanged.
"""

from __future__ import annotations

import copy

import pytest

from robots.program import validate_program
from robots.simulator import simulate
from robots.vocabulary import ALL_BLOCKS
from tests.peers import missing
from tests.robots.conftest import ROOT
from tests.robots.test_program import FULL

PAGE = ROOT / "tests" / "robots" / "blocks_test_page.html"
BLOCKLY = ROOT / "web" / "node_modules" / "blockly" / "blockly_compressed.js"
MEDIA = "../../web/node_modules/blockly/media/"


def _open(chromium, lang: str = "fr"):
    if not BLOCKLY.exists():
        missing("Blockly is not installed: npm ci in web/ (or link web/node_modules)")
    page = chromium.new_page(viewport={"width": 1000, "height": 640})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(PAGE.as_uri())
    if lang != "fr":
        page.evaluate("lang => { document.documentElement.lang = lang; MalletteBlocks.define(); }",
                      lang)
    return page, errors


@pytest.fixture
def editor(chromium):
    page, errors = _open(chromium)
    yield page
    assert errors == []
    page.close()


def _inject(page, allowed: list[str] | None) -> None:
    page.evaluate("""([allowed, media]) => {
        window.ws = MalletteBlocks.inject(document.getElementById('editor'),
                                          {allowedBlocks: allowed, media});
    }""", [allowed, MEDIA])


BUILD_FORWARD_TURN_FORWARD = """() => {
    const start = ws.getTopBlocks(false).find(b => b.type === 'start');
    function make(type) { const b = ws.newBlock(type); b.initSvg(); b.render(); return b; }
    function number(block, input, value) {
        const n = make('math_number');
        n.setShadow(true);
        n.setFieldValue(value, 'NUM');
        block.getInput(input).connection.connect(n.outputConnection);
    }
    const a = make('move'); number(a, 'AMOUNT', 40);
    const t = make('turn'); t.setFieldValue('right', 'DIRECTION'); number(t, 'DEGREES', 90);
    const b = make('move'); number(b, 'AMOUNT', 20);
    start.nextConnection.connect(a.previousConnection);
    a.nextConnection.connect(t.previousConnection);
    t.nextConnection.connect(b.previousConnection);
    return {program: MalletteBlocks.workspaceToProgram(ws), ids: [a.id, t.id, b.id]};
}"""


def test_move_turn_move_built_in_the_editor_is_a_valid_program(editor) -> None:
    _inject(editor, ["move", "turn"])
    built = editor.evaluate(BUILD_FORWARD_TURN_FORWARD)
    program = validate_program(built["program"], {"move", "turn"})
    a, t, b = built["ids"]
    assert program.to_json() == {"version": 1, "main": [
        {"id": a, "block": "move", "direction": "forward", "distance_cm": 40},
        {"id": t, "block": "turn", "direction": "right", "degrees": 90},
        {"id": b, "block": "move", "direction": "forward", "distance_cm": 20},
    ], "events": []}
    mat = {"cols": 4, "rows": 4, "start": {"col": 0, "row": 0, "heading": "east"}}
    result = simulate(program, mat)
    assert (result["final"]["col"], result["final"]["row"]) == (2, 1)


def test_an_empty_slot_is_reported_on_its_block(editor) -> None:
    _inject(editor, None)
    built = editor.evaluate("""() => {
        const start = ws.getTopBlocks(false).find(b => b.type === 'start');
        const w = ws.newBlock('wait'); w.initSvg(); w.render();
        start.nextConnection.connect(w.previousConnection);
        return {program: MalletteBlocks.workspaceToProgram(ws), id: w.id};
    }""")
    from robots.errors import ProgramError

    with pytest.raises(ProgramError) as caught:
        validate_program(built["program"])
    problem = caught.value.problems[0]
    assert problem.block_id == built["id"]
    assert problem.message == "Il manque un nombre dans « seconds » du bloc « attendre »."


def _strip(node: object) -> object:
    """The program without block ids and empty ``else`` (which the editor does not keep)."""
    if isinstance(node, list):
        return [_strip(item) for item in node]
    if isinstance(node, dict):
        return {k: _strip(v) for k, v in node.items()
                if k != "id" and not (k == "else" and not v)}
    return node


def test_a_saved_program_loads_back_unchanged(editor) -> None:
    _inject(editor, None)
    saved = validate_program(FULL).to_json()
    back = editor.evaluate("""p => {
        MalletteBlocks.programToWorkspace(p, ws);
        return MalletteBlocks.workspaceToProgram(ws);
    }""", saved)
    again = validate_program(back).to_json()
    assert _strip(again) == _strip(saved)
    assert again["main"][0]["id"] == "a"  # block ids survive, so messages still point at them
    assert again["events"][1]["id"] == "h"
    assert again["main"][8]["body"][0]["max_iterations"] == 5


def test_every_shared_case_program_round_trips(editor) -> None:
    from tests.robots.conftest import CASE_FILES, load_case

    _inject(editor, None)
    for path in CASE_FILES:
        saved = validate_program(load_case(path)["program"]).to_json()
        back = editor.evaluate("""p => {
            MalletteBlocks.programToWorkspace(p, ws);
            return MalletteBlocks.workspaceToProgram(ws);
        }""", copy.deepcopy(saved))
        assert _strip(validate_program(back).to_json()) == _strip(saved), path.stem


def test_the_toolbox_holds_only_the_lesson_blocks(editor) -> None:
    toolbox = editor.evaluate("MalletteBlocks.toolbox(['move', 'turn', 'repeat'])")
    assert [c["name"] for c in toolbox["contents"]] == ["Mouvement", "Boucles"]
    types = [i["type"] for c in toolbox["contents"] for i in c["contents"]]
    assert types == ["move", "turn", "repeat"]
    full = editor.evaluate("MalletteBlocks.toolbox(null)")
    all_types = {i["type"] for c in full["contents"] for i in c["contents"] if "type" in i}
    assert all_types == set(ALL_BLOCKS)
    _inject(editor, ["light", "set_variable"])
    names = editor.evaluate("ws.getToolbox().getToolboxItems().map(i => i.getName())")
    assert names == ["Lumière et son", "Variables et calculs"]


def test_blocks_speak_french_by_default(editor) -> None:
    _inject(editor, None)
    editor.evaluate("""() => MalletteBlocks.programToWorkspace({main: [
        {block: 'repeat', times: 3, body: [{block: 'move', direction: 'backward', seconds: 2}]}],
        events: [{event: 'button_pressed', body: []}]}, ws)""")
    text = " | ".join(editor.evaluate("ws.getAllBlocks(true).map(b => b.toString())"))
    for words in ("quand le programme démarre", "répéter 3 fois", "reculer de 2 secondes",
                  "quand le bouton est appuyé"):
        assert words in text, text


def test_blocks_speak_english_when_the_page_is_english(chromium) -> None:
    page, errors = _open(chromium, "en")
    try:
        _inject(page, ["move", "turn"])
        page.evaluate(BUILD_FORWARD_TURN_FORWARD)
        text = " | ".join(page.evaluate("ws.getAllBlocks(true).map(b => b.toString())"))
        for words in ("when the program starts", "move forward 40 cm", "turn ↻ right by 90"):
            assert words in text, text
        assert "avancer" not in text
        names = page.evaluate("ws.getToolbox().getToolboxItems().map(i => i.getName())")
        assert names == ["Motion"]
        assert errors == []
    finally:
        page.close()


def test_the_editor_opens_a_saved_program_under_an_undeletable_start(editor) -> None:
    saved = {"version": 1, "main": [{"id": "m1", "block": "move", "direction": "forward",
                                     "distance_cm": 20}]}
    state = editor.evaluate("""([p, media]) => {
        window.ws = MalletteBlocks.inject(document.getElementById('editor'),
                                          {allowedBlocks: ['move', 'set_variable'], program: p,
                                           media});
        const start = ws.getTopBlocks(false).filter(b => b.type === 'start');
        const data = MalletteBlocks.toolbox(['set_variable']).contents[0].contents[0];
        return {starts: start.length, deletable: start[0].isDeletable(),
                program: MalletteBlocks.workspaceToProgram(ws), button: data};
    }""", [saved, MEDIA])
    assert state["starts"] == 1 and state["deletable"] is False
    assert state["program"] == saved
    assert state["button"]["kind"] == "button"
    assert state["button"]["text"] == "Créer une variable"
