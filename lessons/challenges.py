"""The challenge engine: is a challenge passed by this program on this mat?

The station decides, not the pupil: the program runs in the reference simulator
(``robots.simulator.simulate``) and each criterion of the challenge (see
docs/program-model.md, "Challenge criteria") is checked against the run and the
program's blocks. Criteria are small pure functions of :class:`Facts`, so they
can be reasoned about (and tested) one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ground.i18n import _, current_language
from lessons.schema import Challenge, Mat
from robots.errors import ProgramError
from robots.program import Program, blocks_used, count_blocks, validate_program
from robots.simulator import simulate
from robots.vocabulary import label

HEADING_DEGREES = {"east": 0, "south": 90, "west": 180, "north": 270}


@dataclass
class Facts:
    """What the criteria look at: a simulator run and the program's blocks."""

    run: dict[str, Any]
    blocks_used: set[str]
    block_count: int
    mat: dict[str, Any]


@dataclass
class PrintFacts:
    """What printing criteria look at, as the printing part measures them."""

    printable: bool
    print_minutes: float | None
    blocks_used: set[str]
    block_count: int


@dataclass
class ChallengeResult:
    """The verdict, with the words to show: the hint on failure, the praise on success."""

    challenge_id: str
    passed: bool
    failed_criteria: list[str]
    message: str
    reasons: list[str] = field(default_factory=list)
    run: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "challenge": self.challenge_id, "passed": self.passed,
            "failed_criteria": self.failed_criteria, "message": self.message,
            "reasons": self.reasons,
        }


def _cell(value: Any) -> tuple[int, int]:
    return int(value[0]), int(value[1])


def _final_cell(f: Facts) -> tuple[int, int]:
    final = f.run["final"]
    return int(final["col"]), int(final["row"])


def _heading_name(degrees: float) -> str | None:
    d = round(float(degrees)) % 360
    return next((name for name, deg in HEADING_DEGREES.items() if deg == d), None)


def _visits_in_order(wanted: list[Any], cells: list[Any]) -> bool:
    it = iter(_cell(c) for c in cells)
    return all(any(c == _cell(w) for c in it) for w in wanted)


def _event_colour(event: dict[str, Any]) -> Any:
    return event.get("colour", event.get("color"))


def _line_fraction(f: Facts) -> float:
    line = {_cell(c) for c in f.mat.get("line", [])}
    if not line:
        return 0.0
    seen = {_cell(c) for c in f.run.get("cells", [])}
    return len(line & seen) / len(line)


def _uses(value: Any, used: set[str]) -> bool:
    names = [value] if isinstance(value, str) else list(value)
    return all(n in used for n in names)


# Each criterion: does it hold for these facts?
CRITERIA: dict[str, Callable[[Any, Facts], bool]] = {
    "reach_target": lambda v, f: bool(f.run.get("reached_target")) == bool(v),
    "ends_at": lambda v, f: _final_cell(f) == _cell(v),
    "ends_facing": lambda v, f: _heading_name(f.run["final"]["heading"]) == v,
    "visits": lambda v, f: _visits_in_order(v, f.run.get("cells", [])),
    "no_collision": lambda v, f: not f.run.get("collided"),
    "uses_block": lambda v, f: _uses(v, f.blocks_used),
    "max_blocks": lambda v, f: f.block_count <= v,
    "min_blocks": lambda v, f: f.block_count >= v,
    "light_shown": lambda v, f: any(
        e.get("type") == "light" and _event_colour(e) == v for e in f.run.get("events", [])
    ),
    "sound_played": lambda v, f: any(e.get("type") == "sound" for e in f.run.get("events", [])),
    "reacts_to_obstacle": lambda v, f: bool(
        {"sensor_obstacle", "when_obstacle"} & f.blocks_used
    ) and not f.run.get("collided"),
    "follows_line": lambda v, f: _line_fraction(f) >= float(v) - 1e-9,
}

PRINT_CRITERIA: dict[str, Callable[[Any, PrintFacts], bool]] = {
    "printable": lambda v, f: f.printable == bool(v),
    "max_print_minutes": lambda v, f: f.print_minutes is not None and f.print_minutes <= v,
    "uses_block": lambda v, f: _uses(v, f.blocks_used),
    "max_blocks": lambda v, f: f.block_count <= v,
    "min_blocks": lambda v, f: f.block_count >= v,
}


def reason(name: str, value: Any) -> str:
    """Why a criterion failed, in words a pupil or facilitator understands."""
    if name == "uses_block":
        lang = current_language()
        names = ", ".join(f"« {label(b, lang)} »" if lang == "fr" else f"'{label(b, lang)}'"
                          for b in ([value] if isinstance(value, str) else value))
        return _("Le programme doit utiliser : %(names)s.", names=names)
    texts = {
        "reach_target": _("Le robot n'arrive pas sur la cible."),
        "ends_at": _("Le robot doit finir sur la case [%(value)s].",
                     value=", ".join(str(v) for v in value) if isinstance(value, list) else value),
        "ends_facing": _("Le robot ne finit pas tourné dans la bonne direction."),
        "visits": _("Le robot ne passe pas par toutes les cases demandées, dans l'ordre."),
        "no_collision": _("Le robot heurte un obstacle ou le bord du tapis."),
        "max_blocks": _("Le programme doit tenir en %(value)s blocs au plus.", value=value),
        "min_blocks": _("Le programme doit avoir au moins %(value)s blocs.", value=value),
        "light_shown": _("La lumière « %(value)s » n'est jamais allumée.", value=value),
        "sound_played": _("Le robot ne joue aucun son."),
        "reacts_to_obstacle": _("Le robot doit détecter l'obstacle et ne pas le heurter."),
        "follows_line": _("Le robot ne suit pas assez la ligne."),
        "printable": _("L'objet ne peut pas être imprimé tel quel."),
        "max_print_minutes": _("L'impression doit durer %(value)s minutes au plus.",
                               value=value),
    }
    return texts.get(name, name)


def evaluate(criteria: dict[str, Any], facts: Facts) -> list[str]:
    """The names of the criteria that do not hold (empty: the challenge is passed)."""
    return [name for name, value in criteria.items() if not CRITERIA[name](value, facts)]


def _result(challenge: Challenge, failed: list[str], run: dict[str, Any] | None,
            extra: list[str] | None = None) -> ChallengeResult:
    lang = current_language()
    passed = not failed and not extra
    reasons = list(extra or []) + [reason(n, challenge.criteria[n]) for n in failed]
    message = challenge.success.get(lang) if passed else challenge.hint.get(lang)
    return ChallengeResult(challenge.id, passed, failed, message, reasons, run)


def check_challenge(challenge: Challenge, program: dict[str, Any], mat: Mat | dict[str, Any],
                    *, toolbox: list[str] | None = None) -> ChallengeResult:
    """Validate ``program`` (a lesson's JSON), then :func:`run_challenge`.

    A program that breaks the contract, or (with ``toolbox``) uses a block the
    session does not offer, fails with the validator's messages as reasons.
    """
    _programming_only(challenge)
    try:
        valid = validate_program(program, set(toolbox) if toolbox is not None else None)
    except ProgramError as exc:
        return _result(challenge, [], None, [p.message for p in exc.problems])
    return run_challenge(challenge, valid, mat)


def run_challenge(challenge: Challenge, program: Program,
                  mat: Mat | dict[str, Any]) -> ChallengeResult:
    """Run ``program`` (already validated against the toolbox) on ``mat`` in the reference
    simulator and check every criterion."""
    _programming_only(challenge)
    mat_dict = mat.contract() if isinstance(mat, Mat) else dict(mat)
    run = simulate(program, mat_dict)
    facts = Facts(run=run, blocks_used=blocks_used(program),
                  block_count=count_blocks(program), mat=mat_dict)
    return _result(challenge, evaluate(challenge.criteria, facts), run)


def _programming_only(challenge: Challenge) -> None:
    unknown = [name for name in challenge.criteria if name not in CRITERIA]
    if unknown:  # a printing challenge: see check_print_challenge
        raise ValueError(_("Le défi « %(id)s » n'est pas un défi de programmation.",
                           id=challenge.id))


def check_print_challenge(challenge: Challenge, facts: PrintFacts) -> ChallengeResult:
    """Check a printing challenge against what the printing part measured of the object."""
    failed = [n for n, v in challenge.criteria.items() if not PRINT_CRITERIA[n](v, facts)]
    return _result(challenge, failed, None)
