"""Reference simulator: what a program does on a mat (see ``docs/program-model.md``).

This is the semantics every other runner follows: the browser simulator
(``web/static/js/simulator.js``) must give the same result on every case in
``robots/sim_cases/``, and the lessons judge challenges on its result. The
rules are spelt out in the contract's "Precise semantics" section; the code
below follows them step by step, in the same order as the JavaScript, so the
two agree to the last rounding.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ground.i18n import _
from robots.program import VALUE_LIMIT, Program, validate_program

SPEED_CM_S = 10.0
TURN_DEG_S = 90.0
STEP_CM = 1.0
STEP_DEG = 9.0
TICK_S = 0.1
MAX_STEPS = 10_000
MAX_TIME_S = 300.0
INPUT_LENGTH_S = 0.5
EPSILON = 1e-9

HEADINGS = {"east": 0.0, "south": 90.0, "west": 180.0, "north": 270.0}
_AHEAD = ((1, 0), (0, 1), (-1, 0), (0, -1))


# --- the mat --------------------------------------------------------------------------------


class Start(BaseModel):
    model_config = ConfigDict(extra="forbid")
    col: int = Field(ge=0, le=19)
    row: int = Field(ge=0, le=19)
    heading: Literal["east", "south", "west", "north"] = "east"


class Inputs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    button: list[float] = []
    sound: list[float] = []

    @model_validator(mode="after")
    def _times(self) -> Inputs:
        for name in ("button", "sound"):
            for value in getattr(self, name):
                if not 0 <= value <= MAX_TIME_S:
                    raise ValueError(_(
                        "Le moment %(value)s s de « %(name)s » doit être entre 0 et 300 s.",
                        value=value, name=name))
        return self


Cell = tuple[int, int]


class Mat(BaseModel):
    """A mat: a grid of cells with obstacles, a line, a target and timed inputs."""

    model_config = ConfigDict(extra="forbid")
    cols: int = Field(ge=1, le=20)
    rows: int = Field(ge=1, le=20)
    cell_cm: float = Field(default=20.0, ge=5, le=100)
    start: Start
    obstacles: list[Cell] = []
    line: list[Cell] = []
    target: Cell | None = None
    inputs: Inputs = Inputs()

    @model_validator(mode="after")
    def _cells_on_mat(self) -> Mat:
        def check(cell: Cell, what: str) -> None:
            if not (0 <= cell[0] < self.cols and 0 <= cell[1] < self.rows):
                raise ValueError(_(
                    "La case [%(col)s, %(row)s] (%(what)s) est hors du tapis de %(cols)s × "
                    "%(rows)s cases.", col=cell[0], row=cell[1], what=what, cols=self.cols,
                    rows=self.rows))

        start = (self.start.col, self.start.row)
        check(start, _("départ"))
        for cell in self.obstacles:
            check(cell, _("obstacle"))
        for cell in self.line:
            check(cell, _("ligne"))
        if self.target is not None:
            check(self.target, _("cible"))
            if self.target in self.obstacles:
                raise ValueError(_("La cible est sur un obstacle."))
        if start in self.obstacles:
            raise ValueError(_("Le robot part d'une case d'obstacle."))
        return self


class MatError(ValueError):
    """A mat that cannot be used; ``problems`` are French sentences with their place."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _pydantic_message(kind: str, ctx: dict[str, Any]) -> str:
    """A French sentence for one of pydantic's error types (gettext can extract these)."""
    pair = _("doit être une paire [colonne, ligne]")
    messages = {
        "missing": lambda: _("il manque cette valeur"),
        "extra_forbidden": lambda: _("champ inconnu"),
        "int_type": lambda: _("doit être un nombre entier"),
        "int_parsing": lambda: _("doit être un nombre entier"),
        "int_from_float": lambda: _("doit être un nombre entier"),
        "float_type": lambda: _("doit être un nombre"),
        "float_parsing": lambda: _("doit être un nombre"),
        "greater_than_equal": lambda: _("doit être au moins %(ge)s", ge=ctx.get("ge")),
        "less_than_equal": lambda: _("doit être au plus %(le)s", le=ctx.get("le")),
        "literal_error": lambda: _("doit être l'un de : %(expected)s",
                                   expected=str(ctx.get("expected")).replace(" or ", ", ")),
        "list_type": lambda: _("doit être une liste"),
        "tuple_type": lambda: pair,
        "too_short": lambda: pair,
        "too_long": lambda: pair,
        "model_type": lambda: _("doit être un objet"),
        "model_attributes_type": lambda: _("doit être un objet"),
    }
    return messages.get(kind, lambda: _("valeur non valable"))()



def validate_mat(data: object) -> Mat:
    """A :class:`Mat` from JSON-like data, or :class:`MatError` in French."""
    if isinstance(data, Mat):
        return data
    try:
        return Mat.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or _("tapis")
            if error["type"] == "value_error":
                text = str(error.get("ctx", {}).get("error", error["msg"]))
            else:
                text = _pydantic_message(error["type"], dict(error.get("ctx") or {}))
            problems.append(_("Tapis, %(where)s : %(text)s", where=where, text=text))
        raise MatError(problems) from None


# --- the run --------------------------------------------------------------------------------


def _r6(value: float) -> float:
    """Round to a millionth, half up, exactly as ``Math.round`` does in the browser."""
    return math.floor(value * 1e6 + 0.5) / 1e6


def _heading(value: float) -> float:
    """``value`` brought into [0, 360) with the very operations the browser uses."""
    result = _r6(value - 360.0 * math.floor(value / 360.0))
    return result - 360.0 if result >= 360.0 else result


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _unit(heading: float) -> tuple[float, float]:
    if heading % 90.0 == 0:
        return float(_AHEAD[int(heading // 90) % 4][0]), float(_AHEAD[int(heading // 90) % 4][1])
    rad = heading * math.pi / 180.0
    return math.cos(rad), math.sin(rad)


class _End(Exception):
    """The run is over (a ``stop`` block or a global limit)."""


class _Run:
    def __init__(self, program: dict, mat: Mat):
        self.mat = mat
        self.cell = float(mat.cell_cm)
        self.x = (mat.start.col + 0.5) * self.cell
        self.y = (mat.start.row + 0.5) * self.cell
        self.heading = HEADINGS[mat.start.heading]
        self.t = 0.0
        self.steps = 0
        self.variables: dict[str, float] = {}
        self.events: list[dict[str, Any]] = []
        self.cells: list[list[int]] = [[mat.start.col, mat.start.row]]
        self.collided = False
        self.obstacles = {tuple(c) for c in mat.obstacles}
        self.line = {tuple(c) for c in mat.line}
        self.presses = sorted(mat.inputs.button)
        self.next_press = 0
        self.claps = sorted(mat.inputs.sound)
        self.handlers: dict[str, list[list[dict]]] = {"button_pressed": [], "obstacle": []}
        for handler in program.get("events", []):
            self.handlers[handler["event"]].append(handler["body"])
        self.in_handler = False
        self.prev_obstacle = False
        self.main = program["main"]

    # --- results
    def record(self, kind: str, node: dict | None = None, **data: Any) -> None:
        event: dict[str, Any] = {"t": self.t, "type": kind, **data}
        if node is not None and node.get("id") is not None:
            event["block_id"] = node["id"]
        self.events.append(event)

    def result(self) -> dict[str, Any]:
        col, row = self.cell_of(self.x, self.y)
        target = self.mat.target
        return {
            "final": {"x": self.x, "y": self.y, "heading": self.heading, "col": col, "row": row},
            "cells": self.cells,
            "events": self.events,
            "collided": self.collided,
            "reached_target": target is not None and [target[0], target[1]] in self.cells,
            "time": self.t,
            "steps": self.steps,
        }

    # --- the world
    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        return math.floor(x / self.cell), math.floor(y / self.cell)

    def blocked(self, col: int, row: int) -> bool:
        return (col < 0 or row < 0 or col >= self.mat.cols or row >= self.mat.rows
                or (col, row) in self.obstacles)

    def sensor_obstacle(self) -> bool:
        col, row = self.cell_of(self.x, self.y)
        dc, dr = _AHEAD[math.floor(self.heading / 90.0 + 0.5) % 4]
        return self.blocked(col + dc, row + dr)

    def active(self, times: list[float]) -> bool:
        return any(p - EPSILON <= self.t < p + INPUT_LENGTH_S - EPSILON for p in times)

    # --- check points: time limit and events
    def check(self) -> bool:
        """Called after every small step; True when a handler ran (abandon the action)."""
        if self.t >= MAX_TIME_S - EPSILON:
            self.record("limit", reason="time")
            raise _End
        due = False
        while (self.next_press < len(self.presses)
               and self.presses[self.next_press] <= self.t + EPSILON):
            self.next_press += 1
            due = True
        obstacle = self.sensor_obstacle()
        rising = obstacle and not self.prev_obstacle
        self.prev_obstacle = obstacle
        if self.in_handler:
            return False
        if due and self.handlers["button_pressed"]:
            self.handle("button_pressed")
            return True
        if rising and self.handlers["obstacle"]:
            self.handle("obstacle")
            return True
        return False

    def handle(self, event: str) -> None:
        self.in_handler = True
        for body in self.handlers[event]:
            self.run_body(body)
        self.in_handler = False
        self.prev_obstacle = self.sensor_obstacle()

    def idle(self) -> None:
        """After ``main``: wait for the remaining button presses if a handler listens."""
        if not self.handlers["button_pressed"]:
            return
        while self.next_press < len(self.presses):
            press = self.presses[self.next_press]
            if press >= MAX_TIME_S:
                return
            self.t = max(self.t, press)
            self.check()

    # --- actions, in small steps
    def drive(self, distance: float, sign: float) -> None:
        dx, dy = _unit(self.heading)
        x0, y0, t0 = self.x, self.y, self.t
        done = 0.0
        while done < distance - EPSILON:
            step = min(STEP_CM, distance - done)
            ahead = done + step
            nx = _r6(x0 + sign * dx * ahead)
            ny = _r6(y0 + sign * dy * ahead)
            col, row = self.cell_of(nx, ny)
            if self.blocked(col, row):
                self.collided = True
                self.record("collision", self.current, col=col, row=row)
                return
            self.x, self.y, done = nx, ny, ahead
            self.t = _r6(t0 + done / SPEED_CM_S)
            if self.cells[-1] != [col, row]:
                self.cells.append([col, row])
            if self.check():
                return

    def rotate(self, degrees: float, sign: float) -> None:
        h0, t0 = self.heading, self.t
        done = 0.0
        while done < degrees - EPSILON:
            done = done + min(STEP_DEG, degrees - done)
            self.heading = _heading(h0 + sign * done)
            self.t = _r6(t0 + done / TURN_DEG_S)
            if self.check():
                return

    def pause(self, seconds: float) -> None:
        t0 = self.t
        done = 0.0
        while done < seconds - EPSILON:
            done = done + min(TICK_S, seconds - done)
            self.t = _r6(t0 + done)
            if self.check():
                return

    # --- the program
    def value(self, expr: Any) -> float:
        if isinstance(expr, int | float):
            result = float(expr)
        elif expr["block"] == "variable":
            result = self.variables.get(expr["name"], 0.0)
        else:
            left, right = self.value(expr["left"]), self.value(expr["right"])
            op = expr["op"]
            if op == "+":
                result = left + right
            elif op == "-":
                result = left - right
            elif op == "*":
                result = left * right
            else:
                result = 0.0 if right == 0 else float(math.trunc(left / right))
        return _clamp(result, -VALUE_LIMIT, VALUE_LIMIT)

    def condition(self, cond: dict) -> bool:
        name = cond["block"]
        if name == "sensor_obstacle":
            return self.sensor_obstacle()
        if name == "sensor_line":
            return self.cell_of(self.x, self.y) in self.line
        if name == "sensor_button":
            return self.active(self.presses)
        if name == "sensor_sound":
            return self.active(self.claps)
        if name == "not":
            return not self.condition(cond["condition"])
        left, right = self.value(cond["left"]), self.value(cond["right"])
        op = cond["op"]
        if op == "<":
            return left < right
        if op == ">":
            return left > right
        equal = abs(left - right) < EPSILON
        return equal if op == "=" else not equal

    def run_body(self, body: list[dict]) -> None:
        for statement in body:
            self.statement(statement)

    def statement(self, node: dict) -> None:
        if self.steps >= MAX_STEPS:
            self.record("limit", reason="blocks")
            raise _End
        self.steps += 1
        self.current = node
        name = node["block"]
        if name == "move":
            sign = 1.0 if node["direction"] == "forward" else -1.0
            if "distance_cm" in node:
                distance = _clamp(self.value(node["distance_cm"]), 0, 200)
            else:
                distance = _clamp(self.value(node["seconds"]), 0, 30) * SPEED_CM_S
            self.drive(distance, sign)
        elif name == "turn":
            sign = 1.0 if node["direction"] == "right" else -1.0
            self.rotate(_clamp(self.value(node["degrees"]), 0, 360), sign)
        elif name == "wait":
            self.pause(_clamp(self.value(node["seconds"]), 0, 30))
        elif name == "light":
            self.record("light", node, colour=node["colour"])
        elif name == "sound":
            self.record("sound", node, note=node["note"], seconds=node["seconds"])
            self.pause(float(node["seconds"]))
        elif name == "repeat":
            times = math.trunc(_clamp(self.value(node["times"]), 0, 50))
            for _turn in range(times):
                self.run_body(node["body"])
        elif name in ("repeat_until", "while"):
            self.loop(node, until=name == "repeat_until")
        elif name == "if":
            if self.condition(node["condition"]):
                self.run_body(node["then"])
            else:
                self.run_body(node.get("else") or [])
        elif name == "set_variable":
            self.variables[node["name"]] = self.value(node["value"])
        elif name == "change_variable":
            total = self.variables.get(node["name"], 0.0) + self.value(node["by"])
            self.variables[node["name"]] = _clamp(total, -VALUE_LIMIT, VALUE_LIMIT)
        elif name == "stop":
            self.record("stop", node)
            raise _End

    def loop(self, node: dict, until: bool) -> None:
        limit = node.get("max_iterations", 100)
        done = 0
        while True:
            holds = self.condition(node["condition"])
            if holds == until:
                return
            if done >= limit:
                self.record("limit", node, reason="max_iterations", block=node["block"])
                return
            self.run_body(node["body"])
            done += 1

    def run(self) -> dict[str, Any]:
        self.current: dict | None = None
        try:
            self.check()
            self.run_body(self.main)
            self.idle()
        except _End:
            pass
        return self.result()


def simulate(program: Program | dict, mat: Mat | dict) -> dict[str, Any]:
    """Run ``program`` on ``mat`` and return the contract's run result.

    A dict program is validated first (:class:`robots.errors.ProgramError`),
    a dict mat too (:class:`MatError`).
    """
    valid = program if isinstance(program, Program) else validate_program(program)
    return _Run(valid.to_json(), validate_mat(mat)).run()
