"""Programs shown to the teacher read-only, as the pupils built them."""

from __future__ import annotations

from kit.sessions import _curriculum
from lessons.cycle import DEFAULT_CYCLE_DIR
from web.teacher import render_program


def _solution(challenge_id: str) -> dict:
    lesson, challenge = _curriculum(str(DEFAULT_CYCLE_DIR)).find_challenge(challenge_id)
    return challenge.solution


def _flat(nodes, depth=0):
    for n in nodes:
        yield depth, n["label"], dict(n["values"])
        for sec in n["sections"]:
            yield depth + 1, f"[{sec['title']}]", {}
            yield from _flat(sec["blocks"], depth + 2)


def test_nested_blocks_in_french(app):
    with app.test_request_context("/"):
        view = render_program(_solution("s5-suivre-la-ligne"))
    lines = list(_flat(view["sections"][0]["blocks"]))
    assert lines[0] == (0, "répéter", {"fois": "7"})
    assert lines[1] == (1, "[faire]", {})
    assert (2, "si … sinon", {"condition": "sur la ligne"}) in lines
    assert (3, "[alors]", {}) in lines and (3, "[sinon]", {}) in lines
    assert any(label == "allumer la lumière" and values == {"couleur": "vert"}
               for _d, label, values in lines)


def test_conditions_variables_and_handlers(app):
    with app.test_request_context("/"):
        counter = render_program(_solution("s6-compteur"))
        signal = render_program(_solution("s4-au-signal"))
    lines = list(_flat(counter["sections"][0]["blocks"]))
    assert (0, "mettre la variable", {"nom": "pas", "valeur": "0"}) in lines
    assert (0, "répéter jusqu'à", {"condition": "pas = 3"}) in lines
    assert [s["title"] for s in signal["sections"]] == ["Programme principal",
                                                        "quand le bouton est appuyé"]


def test_english_labels_when_the_page_is_in_english(app):
    with app.test_request_context("/?lang=en"):
        view = render_program({"version": 1, "main": [
            {"block": "move", "direction": "forward", "distance_cm": 20}]})
    assert view["sections"][0]["blocks"][0]["label"] == "move"


def test_unreadable_programs_do_not_break_the_page(app):
    with app.test_request_context("/"):
        assert render_program("pas un programme")["error"] == "Programme illisible."
        view = render_program({"main": [42, {"block": "move", "distance_cm": {"x": 1}}]})
    blocks = view["sections"][0]["blocks"]
    assert blocks[0]["label"] == "bloc illisible"
    assert dict(blocks[1]["values"])["distance (cm)"] == "?"
