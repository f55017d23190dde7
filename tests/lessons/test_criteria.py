"""Each challenge criterion on its own, against hand-made run results (the
contract's run-result format); the end-to-end checks are in test_solutions.py."""

from __future__ import annotations

from typing import Any

import pytest

from lessons.challenges import CRITERIA, PRINT_CRITERIA, Facts, PrintFacts, evaluate
from lessons.checks import PRINTING_CRITERIA, PROGRAM_CRITERIA

MAT = {"cols": 6, "rows": 4, "cell_cm": 20, "start": {"col": 0, "row": 0, "heading": "east"},
       "line": [[0, 1], [1, 1], [2, 1], [3, 1]], "target": [5, 3]}


def facts(**run: Any) -> Facts:
    base = {"final": {"x": 110.0, "y": 70.0, "heading": 270.0, "col": 5, "row": 3},
            "cells": [[0, 0], [0, 1], [1, 1], [2, 1], [2, 2], [5, 3]],
            "events": [{"t": 1.0, "type": "light", "colour": "green"}],
            "collided": False, "reached_target": True, "time": 9.0, "steps": 5}
    used = run.pop("used", {"move", "turn", "light"})
    count = run.pop("count", 5)
    base.update(run)
    return Facts(run=base, blocks_used=set(used), block_count=count, mat=MAT)


def test_every_contract_criterion_has_a_check():
    assert set(CRITERIA) == set(PROGRAM_CRITERIA)
    assert set(PRINT_CRITERIA) == set(PRINTING_CRITERIA)


@pytest.mark.parametrize("name, value, good, bad", [
    ("reach_target", True, facts(), facts(reached_target=False)),
    ("ends_at", [5, 3], facts(), facts(final={"x": 0, "y": 0, "heading": 0, "col": 0, "row": 0})),
    ("ends_facing", "north", facts(), facts(final={"x": 0, "y": 0, "heading": 90.0,
                                                   "col": 0, "row": 0})),
    ("visits", [[0, 1], [2, 2]], facts(), facts(cells=[[0, 0], [2, 2], [0, 1]])),
    ("no_collision", True, facts(), facts(collided=True)),
    ("uses_block", "turn", facts(), facts(used={"move"})),
    ("uses_block", ["move", "repeat"], facts(used={"move", "repeat"}), facts(used={"move"})),
    ("max_blocks", 5, facts(count=5), facts(count=6)),
    ("min_blocks", 5, facts(count=5), facts(count=4)),
    ("light_shown", "green", facts(), facts(events=[{"t": 0, "type": "light", "colour": "red"}])),
    ("sound_played", True, facts(events=[{"t": 0, "type": "sound", "note": "C4", "seconds": 1}]),
     facts(events=[])),
    ("reacts_to_obstacle", True, facts(used={"repeat_until", "sensor_obstacle", "move"}),
     facts(used={"move"})),
    ("reacts_to_obstacle", True, facts(used={"when_obstacle", "move"}),
     facts(used={"when_obstacle", "move"}, collided=True)),
    ("follows_line", 0.75, facts(), facts(cells=[[0, 0], [0, 1], [1, 1]])),
])
def test_criterion_holds_or_not(name: str, value: Any, good: Facts, bad: Facts):
    assert CRITERIA[name](value, good) is True
    assert CRITERIA[name](value, bad) is False


def test_headings_are_read_modulo_360():
    assert CRITERIA["ends_facing"]("east", facts(final={"x": 0, "y": 0, "heading": 359.9999,
                                                        "col": 0, "row": 0}))


def test_evaluate_lists_only_the_failed_criteria_in_order():
    criteria = {"reach_target": True, "max_blocks": 3, "light_shown": "green",
                "sound_played": True}
    assert evaluate(criteria, facts(count=5)) == ["max_blocks", "sound_played"]
    assert evaluate(criteria, facts(count=3, events=[
        {"t": 0, "type": "light", "colour": "green"},
        {"t": 1, "type": "sound", "note": "C4", "seconds": 1}])) == []


@pytest.mark.parametrize("name, value, good, bad", [
    ("printable", True, {"printable": True}, {"printable": False}),
    ("max_print_minutes", 30, {"print_minutes": 29.5}, {"print_minutes": 31.0}),
    ("max_print_minutes", 30, {"print_minutes": 30}, {"print_minutes": None}),
    ("uses_block", ["text", "union"], {"blocks_used": {"text", "union", "box"}},
     {"blocks_used": {"text", "box"}}),
    ("max_blocks", 4, {"block_count": 4}, {"block_count": 5}),
    ("min_blocks", 4, {"block_count": 4}, {"block_count": 3}),
])
def test_print_criterion(name: str, value: Any, good: dict, bad: dict):
    def pf(**kw: Any) -> PrintFacts:
        base = {"printable": True, "print_minutes": 20.0, "blocks_used": {"box"},
                "block_count": 3}
        base.update(kw)
        return PrintFacts(**base)

    assert PRINT_CRITERIA[name](value, pf(**good)) is True
    assert PRINT_CRITERIA[name](value, pf(**bad)) is False
