"""The browser simulator (web/static/js/simulator.js) in headless Chromium.

It must give the reference simulator's result on every shared case, and its
canvas renderer must draw the mat and play the run to the same end.
"""

from __future__ import annotations

import pytest

from robots.simulator import simulate
from tests.robots.conftest import CASE_FILES, ROOT, assert_same_run, load_case

SIMULATOR_JS = ROOT / "web" / "static" / "js" / "simulator.js"


@pytest.fixture(scope="module")
def page(chromium):
    page = chromium.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_content("<!doctype html><html lang='fr'><body>"
                     "<canvas id='c' width='480' height='320'></canvas></body></html>")
    page.add_script_tag(path=str(SIMULATOR_JS))
    yield page
    assert errors == []
    page.close()


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_browser_agrees_with_the_reference_on_every_case(page, path) -> None:
    case = load_case(path)
    result = page.evaluate("([p, m]) => MalletteSim.simulate(p, m)",
                           [case["program"], case["mat"]])
    assert_same_run(result, case["expected"])


def test_browser_agrees_on_odd_angles_and_backward_moves(page) -> None:
    mat = {"cols": 10, "rows": 10, "cell_cm": 17, "start": {"col": 4, "row": 5,
                                                             "heading": "north"},
           "obstacles": [[7, 7], [2, 3]], "target": [6, 2]}
    turns = [{"block": "turn", "direction": d, "degrees": deg}
             for d, deg in (("right", 33), ("left", 71.5), ("right", 200))]
    program = {"main": [{"block": "repeat", "times": 6, "body": [
        turns[0], {"block": "move", "direction": "forward", "distance_cm": 37.3},
        turns[1], {"block": "move", "direction": "backward", "seconds": 2.35}, turns[2]]}]}
    expected = simulate(program, mat)
    assert len(expected["cells"]) > 5  # the robot really travels
    assert_same_run(page.evaluate("([p, m]) => MalletteSim.simulate(p, m)", [program, mat]),
                    expected)


def _pixel(page, x: float, y: float) -> list[int]:
    return page.evaluate(
        "([x, y]) => Array.from(document.getElementById('c').getContext('2d')"
        ".getImageData(x, y, 1, 1).data)", [x, y])


def test_animation_draws_the_mat_and_ends_where_the_run_ends(page, tmp_path) -> None:
    case = load_case(next(p for p in CASE_FILES if "collision_obstacle" in p.stem))
    mat = dict(case["mat"], line=[[0, 2], [1, 2], [2, 2]])
    outcome = page.evaluate(
        """async ([p, m]) => {
            const frames = [];
            const player = MalletteSim.animate(document.getElementById('c'), p, m, {
                speed: 40, onFrame: (t, pose, state) => frames.push([t, pose, state])});
            const result = await player.done;
            return {result, frames: frames.length, last: frames[frames.length - 1]};
        }""", [case["program"], mat])
    assert_same_run(outcome["result"], simulate(case["program"], mat))
    assert outcome["frames"] >= 3  # really animated, not drawn once
    t, pose, state = outcome["last"]
    assert t == pytest.approx(outcome["result"]["time"])
    assert pose["x"] == pytest.approx(outcome["result"]["final"]["x"])
    assert pose["heading"] == pytest.approx(90)
    assert state["light"] == "red"
    # 6 × 4 cells of 20 cm on 480 × 320 px: 77.33 px per cell, 8 px margin.
    size, ox, oy = (320 - 16) / 4, (480 - 6 * (320 - 16) / 4) / 2, 8
    brown = _pixel(page, ox + 3 * size + size / 2 + 10, oy + size * 0.75)  # obstacle (3, 0)
    assert brown[:3] == [0x8D, 0x6E, 0x63]
    line = _pixel(page, ox + 1.5 * size, oy + 2.5 * size)  # the line through (1, 2)
    assert line[:3] == [0x21, 0x21, 0x21]
    empty = _pixel(page, ox + 4.5 * size, oy + 3.5 * size)
    assert empty[:3] == [0xFF, 0xFD, 0xF5]
    page.screenshot(path=str(tmp_path / "animation.png"))


def test_a_light_shows_on_the_robot(page) -> None:
    mat = {"cols": 3, "rows": 2, "cell_cm": 20, "start": {"col": 1, "row": 1, "heading": "east"}}
    page.evaluate("""m => MalletteSim.draw(document.getElementById('c'), m, null,
                                          {light: 'green'})""", mat)
    size, ox, oy = (320 - 16) / 2, (480 - 3 * (320 - 16) / 2) / 2, 8
    centre_x, centre_y = ox + 1.5 * size, oy + 1.5 * size
    lamp = _pixel(page, centre_x - size * 0.34 * 0.25, centre_y)
    assert lamp[:3] == [0x43, 0xA0, 0x47]


def _random_program(rng, depth: int = 1) -> list[dict]:
    """A small valid program mixing every statement, with odd numbers."""
    def number(low: float, high: float) -> object:
        if rng.random() < 0.2:
            return {"block": "arithmetic", "op": rng.choice("+-*/"),
                    "left": {"block": "variable", "name": rng.choice("ab")},
                    "right": rng.randint(-3, 7)}
        return max(low, round(rng.uniform(low, high), rng.choice((0, 1, 2))))

    def condition() -> dict:
        kind = rng.choice(("sensor_obstacle", "sensor_line", "sensor_button", "sensor_sound",
                           "not", "compare"))
        if kind == "not":
            return {"block": "not", "condition": {"block": "sensor_obstacle"}}
        if kind == "compare":
            return {"block": "compare", "op": rng.choice(["<", ">", "=", "≠"]),
                    "left": {"block": "variable", "name": "a"}, "right": rng.randint(0, 4)}
        return {"block": kind}

    body = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(("move", "move", "turn", "turn", "wait", "light", "sound", "set",
                           "change") + (("repeat", "until", "while", "if") if depth < 3 else ()))
        if kind == "move":
            unit = rng.choice(("distance_cm", "seconds"))
            body.append({"block": "move", "direction": rng.choice(("forward", "backward")),
                         unit: number(1, 60) if unit == "distance_cm" else number(0.1, 4)})
        elif kind == "turn":
            body.append({"block": "turn", "direction": rng.choice(("left", "right")),
                         "degrees": number(1, 360)})
        elif kind == "wait":
            body.append({"block": "wait", "seconds": number(0, 2)})
        elif kind == "light":
            body.append({"block": "light", "colour": rng.choice(("red", "green", "off"))})
        elif kind == "sound":
            body.append({"block": "sound", "note": "E4", "seconds": rng.choice((0.1, 0.35, 1))})
        elif kind == "set":
            body.append({"block": "set_variable", "name": rng.choice("ab"), "value": number(-5, 9)})
        elif kind == "change":
            body.append({"block": "change_variable", "name": rng.choice("ab"), "by": number(-2, 3)})
        elif kind == "repeat":
            body.append({"block": "repeat", "times": rng.randint(1, 4),
                         "body": _random_program(rng, depth + 1)})
        elif kind in ("until", "while"):
            body.append({"block": "repeat_until" if kind == "until" else "while",
                         "condition": condition(), "max_iterations": rng.randint(1, 6),
                         "body": _random_program(rng, depth + 1)})
        else:
            block = {"block": "if", "condition": condition(),
                     "then": _random_program(rng, depth + 1)}
            if rng.random() < 0.5:
                block["else"] = _random_program(rng, depth + 1)
            body.append(block)
    return body


def test_browser_agrees_on_random_programs(page) -> None:
    import random

    from robots.program import validate_program

    rng = random.Random(20261125)
    runs = []
    for _ in range(150):
        cols, rows = rng.randint(2, 8), rng.randint(2, 8)
        cells = [[c, r] for c in range(cols) for r in range(rows)]
        rng.shuffle(cells)
        mat = {"cols": cols, "rows": rows, "cell_cm": rng.choice((10, 20, 25)),
               "start": {"col": cells[0][0], "row": cells[0][1],
                         "heading": rng.choice(("east", "south", "west", "north"))},
               "obstacles": cells[1:1 + min(rng.randint(0, 4), len(cells) - 2)],
               "line": cells[5:9],
               "target": cells[-1],
               "inputs": {"button": sorted(rng.uniform(0, 20) for _ in range(3)),
                          "sound": [round(rng.uniform(0, 20), 1)]}}
        program = {"main": _random_program(rng)}
        if rng.random() < 0.5:
            program["events"] = [{"event": rng.choice(("button_pressed", "obstacle")),
                                  "body": _random_program(rng, 2)}]
        program = validate_program(program).to_json()
        runs.append((program, mat))
    results = page.evaluate("runs => runs.map(([p, m]) => MalletteSim.simulate(p, m))", runs)
    moved = collided = limited = 0
    for (program, mat), result in zip(runs, results, strict=True):
        expected = simulate(program, mat)
        moved += len(expected["cells"]) > 1
        collided += expected["collided"]
        limited += any(e["type"] == "limit" for e in expected["events"])
        assert_same_run(result, expected)
    print(f"random programs: {moved} moved, {collided} collided, {limited} hit a loop limit")
    assert moved > 50 and collided > 10 and limited > 5  # the programs really exercise the rules


def test_animation_with_sound_plays_the_notes_and_can_be_stopped(page) -> None:
    case = load_case(next(p for p in CASE_FILES if "lights_and_sound" in p.stem))
    outcome = page.evaluate(
        """async ([p, m]) => {
            const notes = [];
            const player = MalletteSim.animate(document.getElementById('c'), p, m, {
                speed: 20, audio: true,
                onFrame: (t, pose, state) => { if (state.note) notes.push(state.note); }});
            const result = await player.done;
            const slow = MalletteSim.animate(document.getElementById('c'), p, m, {speed: 0.01});
            slow.stop();
            const stopped = await slow.done;
            return {result, notes: [...new Set(notes)], stopped: stopped.time};
        }""", [case["program"], case["mat"]])
    assert_same_run(outcome["result"], case["expected"])
    assert outcome["notes"] == ["C4", "G5"]
    assert outcome["stopped"] == case["expected"]["time"]
