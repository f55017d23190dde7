"""The robot-neutral program model (see ``docs/program-model.md``).

A pupil's blocks arrive as JSON. :func:`validate_program` checks them against
the contract and the session's toolbox and returns a typed :class:`Program`;
every problem found is reported at once, in French, naming the block (its
label, its Blockly id and its path) so the editor can point at it.

The checks are done by a small walker (it knows which block and field is
wrong, which pydantic's own errors would only tell by a location tuple); the
pydantic models then give the compilers and the simulator a typed result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, ValidationError

from ground.i18n import _
from robots.errors import Problem, ProgramError
from robots.vocabulary import COLOURS, EVENTS, NOTES, label

# --- the contract's vocabulary -------------------------------------------------------------

MAX_BLOCKS = 200
MAX_DEPTH = 8
MAX_VARIABLES = 10
MAX_HANDLERS = 4
VALUE_LIMIT = 32767  # any number a program holds stays within ±VALUE_LIMIT (16-bit robots)

VARIABLE_NAME = re.compile(r"^[A-Za-z]{1,20}$")

STATEMENT_BLOCKS = frozenset(
    {"move", "turn", "wait", "light", "sound", "repeat", "repeat_until", "while", "if",
     "set_variable", "change_variable", "stop"}
)
EXPRESSION_BLOCKS = frozenset({"variable", "arithmetic"})
CONDITION_BLOCKS = frozenset(
    {"sensor_obstacle", "sensor_line", "sensor_button", "sensor_sound", "not", "compare"}
)

# --- typed model ----------------------------------------------------------------------------

Number = StrictInt | StrictFloat


class _Block(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str | None = None


class Variable(_Block):
    block: Literal["variable"]
    name: str


class Arithmetic(_Block):
    block: Literal["arithmetic"]
    op: Literal["+", "-", "*", "/"]
    left: Expr
    right: Expr


Expr = Number | Variable | Arithmetic


class SensorObstacle(_Block):
    block: Literal["sensor_obstacle"]


class SensorLine(_Block):
    block: Literal["sensor_line"]


class SensorButton(_Block):
    block: Literal["sensor_button"]


class SensorSound(_Block):
    block: Literal["sensor_sound"]


class Not(_Block):
    block: Literal["not"]
    condition: Cond


class Compare(_Block):
    block: Literal["compare"]
    op: Literal["<", ">", "=", "≠"]
    left: Expr
    right: Expr


Cond = Annotated[
    SensorObstacle | SensorLine | SensorButton | SensorSound | Not | Compare,
    Field(discriminator="block"),
]


class Move(_Block):
    block: Literal["move"]
    direction: Literal["forward", "backward"]
    distance_cm: Expr | None = None
    seconds: Expr | None = None


class Turn(_Block):
    block: Literal["turn"]
    direction: Literal["left", "right"]
    degrees: Expr


class Wait(_Block):
    block: Literal["wait"]
    seconds: Expr


class Light(_Block):
    block: Literal["light"]
    colour: Literal[COLOURS]  # type: ignore[valid-type]  # the vocabulary's tuple


class Sound(_Block):
    block: Literal["sound"]
    note: Literal[NOTES]  # type: ignore[valid-type]
    seconds: Number


class Repeat(_Block):
    block: Literal["repeat"]
    times: Expr
    body: list[Statement]


class RepeatUntil(_Block):
    block: Literal["repeat_until"]
    condition: Cond
    body: list[Statement]
    max_iterations: StrictInt = 100


class While(_Block):
    block: Literal["while"]
    condition: Cond
    body: list[Statement]
    max_iterations: StrictInt = 100


class If(_Block):
    block: Literal["if"]
    condition: Cond
    then: list[Statement]
    else_: list[Statement] | None = Field(default=None, alias="else")


class SetVariable(_Block):
    block: Literal["set_variable"]
    name: str
    value: Expr


class ChangeVariable(_Block):
    block: Literal["change_variable"]
    name: str
    by: Expr


class Stop(_Block):
    block: Literal["stop"]


Statement = Annotated[
    Move | Turn | Wait | Light | Sound | Repeat | RepeatUntil | While | If | SetVariable
    | ChangeVariable | Stop,
    Field(discriminator="block"),
]


class Handler(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | None = None
    event: Literal["button_pressed", "obstacle"]
    body: list[Statement]


class Program(BaseModel):
    """A validated program; ``to_json()`` gives back the contract's JSON."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[1] = 1
    main: list[Statement]
    events: list[Handler] = []

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


for _model in (Arithmetic, Not, Compare, Repeat, RepeatUntil, While, If, Handler, Program):
    _model.model_rebuild()


# --- the walker -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Num:
    """A field holding a value: a literal (``expr=False``) or any expression."""

    low: float | None
    high: float | None
    integer: bool = False
    expr: bool = True
    optional: bool = False


@dataclass(frozen=True)
class _Choice:
    choices: tuple[str, ...]


class _Body:
    optional = False


class _OptionalBody(_Body):
    optional = True


_COND = "cond"
_NAME = "name"

_FIELDS: dict[str, dict[str, object]] = {
    "move": {"direction": _Choice(("forward", "backward")),
             "distance_cm": _Num(1, 200, optional=True), "seconds": _Num(0.1, 30, optional=True)},
    "turn": {"direction": _Choice(("left", "right")), "degrees": _Num(1, 360)},
    "wait": {"seconds": _Num(0, 30)},
    "light": {"colour": _Choice(COLOURS)},
    "sound": {"note": _Choice(NOTES), "seconds": _Num(0.1, 4, expr=False)},
    "repeat": {"times": _Num(1, 50, integer=True), "body": _Body()},
    "repeat_until": {"condition": _COND, "body": _Body(),
                     "max_iterations": _Num(1, 1000, integer=True, expr=False, optional=True)},
    "while": {"condition": _COND, "body": _Body(),
              "max_iterations": _Num(1, 1000, integer=True, expr=False, optional=True)},
    "if": {"condition": _COND, "then": _Body(), "else": _OptionalBody()},
    "set_variable": {"name": _NAME, "value": _Num(None, None)},
    "change_variable": {"name": _NAME, "by": _Num(None, None)},
    "stop": {},
    "variable": {"name": _NAME},
    "arithmetic": {"op": _Choice(("+", "-", "*", "/")), "left": _Num(None, None),
                   "right": _Num(None, None)},
    "compare": {"op": _Choice(("<", ">", "=", "≠")), "left": _Num(None, None),
                "right": _Num(None, None)},
    "not": {"condition": _COND},
    "sensor_obstacle": {}, "sensor_line": {}, "sensor_button": {}, "sensor_sound": {},
}

_MAX_PROBLEMS = 50


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def _fmt(value: float) -> str:
    """A number as a French reader writes it (``0,1`` not ``0.1``)."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return text.replace(".", ",")


def _kind(value: object) -> str:
    if value is None:
        return _("rien")
    if isinstance(value, bool):
        return _("un booléen")
    if isinstance(value, int | float):
        return _("un nombre")
    if isinstance(value, str):
        return _("un texte")
    if isinstance(value, list):
        return _("une liste")
    return _("un objet")


class _Walker:
    def __init__(self, allowed: set[str] | None):
        self.allowed = allowed
        self.problems: list[Problem] = []
        self.count = 0
        self.variables: list[str] = []
        self.too_many_reported = False

    # helpers
    def add(self, path: str, node: object, message: str, block: str | None = None) -> None:
        if len(self.problems) >= _MAX_PROBLEMS:
            return
        block_id = None
        if isinstance(node, dict):
            raw_id = node.get("id")
            block_id = raw_id if isinstance(raw_id, str) else None
            if block is None and isinstance(node.get("block"), str):
                block = node["block"]
        self.problems.append(Problem(block_id, block, path, message))

    def counted(self, path: str, node: dict, name: str) -> None:
        self.count += 1
        if self.count > MAX_BLOCKS and not self.too_many_reported:
            self.too_many_reported = True
            self.add(path, node, _(
                "Le programme a trop de blocs : le bloc « %(block)s » dépasse la limite "
                "de %(max)s blocs.", block=label(name), max=MAX_BLOCKS), name)

    def check_allowed(self, path: str, node: dict, name: str) -> None:
        if self.allowed is not None and name not in self.allowed:
            self.add(path, node, _(
                "Le bloc « %(block)s » n'est pas autorisé dans cette séance.",
                block=label(name)), name)

    def block_name(self, path: str, node: object) -> str | None:
        """The block name of ``node`` after the checks common to every block."""
        if not isinstance(node, dict):
            self.add(path, node, _("L'élément %(path)s n'est pas un bloc (c'est %(kind)s).",
                                   path=path, kind=_kind(node)))
            return None
        raw_id = node.get("id")
        if raw_id is not None and not (isinstance(raw_id, str) and len(raw_id) <= 100):
            self.add(path, {}, _("L'identifiant du bloc %(path)s doit être un texte court.",
                                 path=path))
        name = node.get("block")
        if not isinstance(name, str):
            self.add(path, node, _("L'élément %(path)s n'a pas de nom de bloc (« block »).",
                                   path=path))
            return None
        if name not in _FIELDS:
            self.add(path, node, _("Bloc inconnu « %(name)s ».", name=name))
            return None
        return name

    def fields(self, path: str, node: dict, name: str, depth: int) -> None:
        spec = _FIELDS[name]
        for key in node:
            if key not in spec and key not in ("block", "id"):
                self.add(path, node, _("Champ inconnu « %(field)s » dans le bloc « %(block)s ».",
                                       field=key, block=label(name)))
        for key, kind in spec.items():
            present = key in node
            optional = getattr(kind, "optional", False)
            if not present:
                if not optional:
                    self.add(path, node, _(
                        "Il manque le champ « %(field)s » au bloc « %(block)s ».",
                        field=key, block=label(name)))
                continue
            value = node[key]
            sub = f"{path}.{key}"
            if isinstance(kind, _Choice):
                if value not in kind.choices:
                    self.add(sub, node, _(
                        "Valeur « %(value)s » non valable pour « %(field)s » du bloc "
                        "« %(block)s » (choix : %(choices)s).", value=value, field=key,
                        block=label(name), choices=", ".join(kind.choices)))
            elif isinstance(kind, _Num):
                self.value(sub, node, name, key, value, kind, 1)
            elif isinstance(kind, _Body):
                if kind.optional and value is None:
                    continue
                self.body(sub, value, depth + 1, owner=(node, name, key))
            elif kind == _COND:
                if value is None:  # an empty slot in the editor
                    self.add(sub, node, _("Il manque la condition du bloc « %(block)s ».",
                                          block=label(name)))
                else:
                    self.condition(sub, value, 1)
            elif kind == _NAME:
                self.variable_name(path, node, name, value)

    def variable_name(self, path: str, node: dict, name: str, value: object) -> None:
        if not isinstance(value, str) or not VARIABLE_NAME.match(value):
            self.add(path, node, _(
                "Le nom de variable « %(name)s » du bloc « %(block)s » n'est pas valable : "
                "de 1 à 20 lettres, sans espace, chiffre ni accent.",
                name=value, block=label(name)))
            return
        if value not in self.variables:
            self.variables.append(value)
            if len(self.variables) == MAX_VARIABLES + 1:
                self.add(path, node, _(
                    "Trop de variables : le bloc « %(block)s » crée la variable « %(name)s », "
                    "%(max)s variables au plus.", block=label(name), name=value,
                    max=MAX_VARIABLES))

    def value(self, path: str, owner: dict, owner_name: str, key: str, value: object,
              kind: _Num, depth: int) -> None:
        if value is None:  # an empty slot in the editor
            self.add(path, owner, _(
                "Il manque un nombre dans « %(field)s » du bloc « %(block)s ».",
                field=key, block=label(owner_name)))
            return
        if _is_number(value):
            assert isinstance(value, int | float)
            low = kind.low if kind.low is not None else -VALUE_LIMIT
            high = kind.high if kind.high is not None else VALUE_LIMIT
            if kind.integer and value != int(value):
                self.add(path, owner, _(
                    "« %(field)s » du bloc « %(block)s » doit être un nombre entier "
                    "(reçu %(value)s).", field=key, block=label(owner_name), value=_fmt(value)))
            elif not low <= value <= high:
                self.add(path, owner, _(
                    "La valeur %(value)s de « %(field)s » du bloc « %(block)s » doit être "
                    "entre %(min)s et %(max)s.", value=_fmt(value), field=key,
                    block=label(owner_name), min=_fmt(low), max=_fmt(high)))
            return
        if not kind.expr or not isinstance(value, dict):
            self.add(path, owner, _(
                "« %(field)s » du bloc « %(block)s » doit être un nombre (reçu %(kind)s).",
                field=key, block=label(owner_name), kind=_kind(value)))
            return
        name = self.block_name(path, value)
        if name is None:
            return
        if name not in EXPRESSION_BLOCKS:
            self.add(path, value, _(
                "Le bloc « %(block)s » ne peut pas donner un nombre pour « %(field)s » du bloc "
                "« %(owner)s ».", block=label(name), field=key, owner=label(owner_name)))
            return
        self.expression(path, value, name, depth)

    def expression(self, path: str, node: dict, name: str, depth: int) -> None:
        self.counted(path, node, name)
        self.check_allowed(path, node, name)
        if depth > MAX_DEPTH:
            self.add(path, node, _(
                "Le calcul du bloc « %(block)s » est imbriqué trop profondément "
                "(niveau %(depth)s, %(max)s au plus).", block=label(name), depth=depth,
                max=MAX_DEPTH))
            return
        if name == "variable":
            self.fields(path, node, name, 0)
            return
        self.fields_shallow(path, node, name)
        for key in ("left", "right"):
            if key in node:
                self.value(f"{path}.{key}", node, name, key, node[key], _Num(None, None),
                           depth + 1)

    def fields_shallow(self, path: str, node: dict, name: str) -> None:
        """Check the plain fields of an expression or condition (not its operands)."""
        spec = _FIELDS[name]
        for key in node:
            if key not in spec and key not in ("block", "id"):
                self.add(path, node, _("Champ inconnu « %(field)s » dans le bloc « %(block)s ».",
                                       field=key, block=label(name)))
        for key, kind in spec.items():
            if key not in node:
                self.add(path, node, _("Il manque le champ « %(field)s » au bloc « %(block)s ».",
                                       field=key, block=label(name)))
            elif isinstance(kind, _Choice) and node[key] not in kind.choices:
                self.add(f"{path}.{key}", node, _(
                    "Valeur « %(value)s » non valable pour « %(field)s » du bloc « %(block)s » "
                    "(choix : %(choices)s).", value=node[key], field=key, block=label(name),
                    choices=", ".join(kind.choices)))

    def condition(self, path: str, node: object, depth: int) -> None:
        name = self.block_name(path, node)
        if name is None:
            return
        assert isinstance(node, dict)
        if name not in CONDITION_BLOCKS:
            self.add(path, node, _("Le bloc « %(block)s » n'est pas une condition.",
                                   block=label(name)))
            return
        self.counted(path, node, name)
        self.check_allowed(path, node, name)
        if depth > MAX_DEPTH:
            self.add(path, node, _(
                "La condition « %(block)s » est imbriquée trop profondément "
                "(niveau %(depth)s, %(max)s au plus).", block=label(name), depth=depth,
                max=MAX_DEPTH))
            return
        self.fields_shallow(path, node, name)
        if name == "not" and node.get("condition") is None and "condition" in node:
            self.add(f"{path}.condition", node, _("Il manque la condition du bloc « %(block)s ».",
                                                  block=label(name)))
        elif name == "not" and "condition" in node:
            self.condition(f"{path}.condition", node["condition"], depth + 1)
        elif name == "compare":
            for key in ("left", "right"):
                if key in node:
                    self.value(f"{path}.{key}", node, name, key, node[key], _Num(None, None),
                               depth + 1)

    def body(self, path: str, value: object, depth: int,
             owner: tuple[dict, str, str] | None = None) -> None:
        if not isinstance(value, list):
            if owner is None:
                self.add(path, None, _("« %(field)s » doit être une liste de blocs.", field=path))
            else:
                node, name, key = owner
                self.add(path, node, _(
                    "« %(field)s » du bloc « %(block)s » doit être une liste de blocs.",
                    field=key, block=label(name)))
            return
        for index, item in enumerate(value):
            self.statement(f"{path}[{index}]", item, depth)

    def statement(self, path: str, node: object, depth: int) -> None:
        name = self.block_name(path, node)
        if name is None:
            return
        assert isinstance(node, dict)
        if name not in STATEMENT_BLOCKS:
            self.add(path, node, _(
                "Le bloc « %(block)s » ne peut pas être utilisé seul comme instruction.",
                block=label(name)))
            return
        shown = name
        if name == "if" and node.get("else"):
            shown = "if_else"
        self.counted(path, node, shown)
        self.check_allowed(path, node, shown)
        if depth > MAX_DEPTH:
            self.add(path, node, _(
                "Le bloc « %(block)s » est imbriqué trop profondément (niveau %(depth)s, "
                "%(max)s au plus).", block=label(shown), depth=depth, max=MAX_DEPTH), shown)
            return
        self.fields(path, node, name, depth)
        if name == "move":
            has_distance = "distance_cm" in node
            if has_distance == ("seconds" in node):
                self.add(path, node, _(
                    "Le bloc « %(block)s » doit avoir soit une distance en cm, soit une durée "
                    "en secondes (une seule des deux).", block=label(name)))

    def handlers(self, value: object) -> None:
        if not isinstance(value, list):
            self.add("events", None, _("« events » doit être une liste de blocs d'événement."))
            return
        for index, handler in enumerate(value):
            path = f"events[{index}]"
            if not isinstance(handler, dict):
                self.add(path, None, _("L'élément %(path)s n'est pas un bloc d'événement.",
                                       path=path))
                continue
            event = handler.get("event")
            if not isinstance(event, str) or event not in EVENTS:  # a dict is no dict key
                self.add(path, handler, _("Événement inconnu « %(event)s » (choix : %(choices)s).",
                                          event=event, choices=", ".join(EVENTS)))
                continue
            name = EVENTS[event]
            for key in handler:
                if key not in ("event", "body", "id"):
                    self.add(path, handler, _(
                        "Champ inconnu « %(field)s » dans le bloc « %(block)s ».",
                        field=key, block=label(name)), name)
            self.counted(path, handler, name)
            self.check_allowed(path, handler, name)
            if index == MAX_HANDLERS:
                self.add(path, handler, _(
                    "Trop de blocs d'événement : le bloc « %(block)s » dépasse la limite de "
                    "%(max)s.", block=label(name), max=MAX_HANDLERS), name)
            if "body" not in handler:
                self.add(path, handler, _("Il manque le champ « %(field)s » au bloc « %(block)s ».",
                                          field="body", block=label(name)), name)
            else:
                self.body(f"{path}.body", handler["body"], 1, owner=(handler, name, "body"))


def validate_program(data: object, allowed_blocks: set[str] | None = None) -> Program:
    """Check ``data`` against the contract (and the toolbox ``allowed_blocks``)."""
    if isinstance(data, Program):
        data = data.to_json()
    walker = _Walker(set(allowed_blocks) if allowed_blocks is not None else None)
    if not isinstance(data, dict):
        walker.add("", None, _("Le programme doit être un objet JSON (reçu %(kind)s).",
                               kind=_kind(data)))
        raise ProgramError(walker.problems)
    for key in data:
        if key not in ("version", "main", "events"):
            walker.add(str(key), None, _("Champ inconnu « %(field)s » dans le programme.",
                                         field=key))
    version = data.get("version", 1)
    if version != 1 or isinstance(version, bool):
        walker.add("version", None, _(
            "Version de programme inconnue : %(version)s (seule la version 1 existe).",
            version=version))
    if "main" not in data:
        walker.add("main", None, _("Le programme n'a pas de liste de blocs « main »."))
    else:
        walker.body("main", data["main"], 1)
    if "events" in data:
        walker.handlers(data["events"])
    if walker.problems:
        raise ProgramError(walker.problems)
    try:
        return Program.model_validate(data)
    except ValidationError as exc:  # the walker should have caught it: say where anyway
        first = exc.errors()[0]
        path = ".".join(str(part) for part in first["loc"])
        raise ProgramError([Problem(None, None, path, _(
            "Programme non valable à %(path)s.", path=path))]) from None


# --- reading a valid program ----------------------------------------------------------------


def _as_json(program: Program | dict) -> dict:
    return program.to_json() if isinstance(program, Program) else program


def iter_blocks(program: Program | dict) -> Iterator[tuple[str, dict]]:
    """Every block of a valid program as ``(name, node)``, handlers included.

    An ``if`` with a non-empty ``else`` is named ``if_else``; handlers are named
    by their block (``when_button``, ``when_obstacle``).
    """
    data = _as_json(program)

    def walk(node: object) -> Iterator[tuple[str, dict]]:
        if isinstance(node, list):
            for item in node:
                yield from walk(item)
            return
        if not isinstance(node, dict):
            return
        name = node.get("block")
        if name == "if" and node.get("else"):
            name = "if_else"
        if isinstance(name, str):
            yield name, node
        for key, value in node.items():
            if key not in ("block", "id"):
                yield from walk(value)

    yield from walk(data.get("main", []))
    for handler in data.get("events", []):
        yield EVENTS[handler["event"]], handler
        yield from walk(handler.get("body", []))


def count_blocks(program: Program | dict) -> int:
    """How many blocks a pupil placed (numbers typed in a field do not count)."""
    return sum(1 for _name in iter_blocks(program))


def blocks_used(program: Program | dict) -> set[str]:
    """The toolbox names the program uses (``if_else`` for an ``if`` with an ``else``)."""
    return {name for name, _node in iter_blocks(program)}
