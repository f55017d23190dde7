"""Program model → Aseba script for the Thymio II.

Aseba is event-driven: a handler runs to completion, there is no ``sleep``. So the pupil's
sequential program becomes a small state machine: the blocks are flattened into numbered
steps with jumps (loops, ``if``), and ``onevent timer0`` (every 10 ms) runs steps until one
has to last (a move, a turn, a wait, a note), which sets ``m_busy`` to a number of ticks.
Event handlers (``when_button``, ``when_obstacle``) interrupt the main steps like a
subroutine call: the main program's step, remaining ticks and motor targets are saved and
restored when the handler ends.

Aseba numbers are 16-bit integers: numbers written in the program are scaled at compile
time (0.5 s → 50 ticks), variables hold integers, ``/`` is guarded against zero.
Status variables readable from the station: ``m_state`` (1 running, 2 finished),
``m_pc`` (current step), ``m_blocks`` (blocks executed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ground.i18n import _
from robots.compilers import common as c
from robots.errors import ProgramError
from robots.program import Cond, Expr, Program, Statement
from robots.vocabulary import COLOURS_RGB, NOTES_HZ

TICK_MS = 10


@dataclass(frozen=True)
class ThymioProfile:
    move_speed: int = 250         # motor target giving MODEL_CM_PER_S (≈ 0.04 cm/s per unit)
    move_cm_s: float = 10.0
    turn_speed: int = 150
    turn_deg_s: float = 90.0
    obstacle_threshold: int = 2000   # prox.horizontal, front sensors
    line_threshold: int = 400        # prox.ground.delta below this: dark line
    sound_threshold: int = 20        # mic.intensity


THYMIO = ThymioProfile()

# The Thymio's LEDs take 0..32 per channel.
LED_RGB = {name: tuple(v * 32 // 255 for v in rgb) for name, rgb in COLOURS_RGB.items()}


@dataclass
class _Step:
    code: list[str] = field(default_factory=list)
    # where to go next; None = the following step. Jumps are patched as labels.
    goto: str | None = None


class _Flattener:
    def __init__(self, profile: ThymioProfile) -> None:
        self.p = profile
        self.steps: list[_Step] = []
        self.labels: dict[str, int] = {}
        self.temps = 0
        self.max_temps = 0
        self.counters: list[str] = []
        self.label_no = 0

    # ---- helpers ---------------------------------------------------------------------
    def new_label(self) -> str:
        self.label_no += 1
        return f"L{self.label_no}"

    def mark(self, label: str) -> None:
        self.labels[label] = len(self.steps)

    def add(self, code: list[str], goto: str | None = None) -> None:
        self.steps.append(_Step(code, goto))

    def counter(self) -> str:
        name = f"m_c{len(self.counters)}"
        self.counters.append(name)
        return name

    # ---- expressions: (lines to run before, expression text) ---------------------------
    def expr(self, node: Expr, pre: list[str], scale: float = 1) -> str:
        if isinstance(node, int | float):
            value = round(node * scale)
            if not -32768 <= value <= 32767:
                raise ProgramError.about(_("Le nombre %(value)s est trop grand pour le Thymio.",
                                           value=node))
            return str(value)
        if node.block == "variable":
            text = "v_" + node.name
        elif node.block == "arithmetic":
            op = node.op
            left = self.expr(node.left, pre)
            right = self.expr(node.right, pre)
            if op == "/" and _is_int(right):
                # Aseba folds constants and rejects "x / 0" even in a guarded branch
                text = "0" if int(right) == 0 else f"({left}) / {right}"
                if _is_int(left) and int(right) != 0:
                    q = abs(int(left)) // abs(int(right))
                    text = str(q if (int(left) >= 0) == (int(right) > 0) else -q)
            elif op == "/":
                temp = f"m_t{self.temps}"
                self.temps += 1
                self.max_temps = max(self.max_temps, self.temps)
                pre.append(f"if {right} == 0 then\n  {temp} = 0\nelse\n"
                           f"  {temp} = ({left}) / ({right})\nend")
                text = temp
            else:
                text = f"({left} {op} {right})"
        else:  # a block the model gained and this compiler does not know yet
            raise c.fail(node, _("ce bloc n'est pas un nombre"))
        if scale != 1:
            num, den = _fraction(scale)
            text = f"({text}) * {num}" + (f" / {den}" if den != 1 else "")
        return text

    def cond(self, node: Cond, pre: list[str]) -> str:
        kind = node.block
        p = self.p
        if kind == "sensor_obstacle":
            return "m_obst == 1"
        if kind == "sensor_line":
            return (f"(prox.ground.delta[0] < {p.line_threshold} or "
                    f"prox.ground.delta[1] < {p.line_threshold})")
        if kind == "sensor_button":
            return "button.center == 1"
        if kind == "sensor_sound":
            return f"mic.intensity > {p.sound_threshold}"
        if kind == "not":
            return f"not ({self.cond(node.condition, pre)})"
        if kind == "compare":
            op = {"<": "<", ">": ">", "=": "==", "≠": "!="}[node.op]
            return f"{self.expr(node.left, pre)} {op} {self.expr(node.right, pre)}"
        raise c.fail(node, _("ce bloc n'est pas une condition"))

    # ---- statements ------------------------------------------------------------------
    def block_list(self, blocks: list[Statement]) -> None:
        for block in blocks:
            self.stmt(block)

    def timed(self, code: list[str], ticks: str, pre: list[str]) -> None:
        self.add(pre + code + [f"m_busy = {ticks}"])
        self.add(["motor.left.target = 0", "motor.right.target = 0"])

    def stmt(self, b: Statement) -> None:
        self.temps = 0
        kind = b.block
        p = self.p
        pre: list[str] = []
        count = ["m_blocks = m_blocks + 1"]
        if kind == "move":
            sign = 1 if b.direction == "forward" else -1
            if b.distance_cm is not None:
                ticks = self.expr(b.distance_cm, pre, 1000 / p.move_cm_s / TICK_MS)
            else:  # the contract gives a move a distance or a duration, never both
                ticks = self.expr(b.seconds, pre, 1000 / TICK_MS)
            speed = sign * p.move_speed
            self.timed(count + [f"motor.left.target = {speed}",
                                f"motor.right.target = {speed}"], ticks, pre)
        elif kind == "turn":
            sign = 1 if b.direction == "right" else -1
            ticks = self.expr(b.degrees, pre, 1000 / p.turn_deg_s / TICK_MS)
            self.timed(count + [f"motor.left.target = {sign * p.turn_speed}",
                                f"motor.right.target = {-sign * p.turn_speed}"], ticks, pre)
        elif kind == "wait":
            ticks = self.expr(b.seconds, pre, 1000 / TICK_MS)
            self.add(pre + count + [f"m_busy = {ticks}"])
        elif kind == "light":
            r, g, bl = LED_RGB[b.colour]
            self.add(count + [f"call leds.top({r}, {g}, {bl})"])
        elif kind == "sound":
            hz = NOTES_HZ[b.note]
            seconds = b.seconds
            ticks = self.expr(seconds, pre, 1000 / TICK_MS)
            sixtieths = self.expr(seconds, pre, 60)
            self.add(pre + count + [f"call sound.freq({hz}, {sixtieths})",
                                    f"m_busy = {ticks}"])
        elif kind == "repeat":
            counter, top, end = self.counter(), self.new_label(), self.new_label()
            times = self.expr(b.times, pre)
            self.add(pre + count + [f"{counter} = {times}"])
            self.mark(top)
            self.add([f"if {counter} <= 0 then\n  m_pc = @{end}\nelse\n  {counter} = {counter} - 1"
                      f"\n  m_pc = @next\nend"], goto="computed")
            self.block_list(b.body)
            self.add([], goto=top)
            self.mark(end)
        elif kind in ("repeat_until", "while"):
            counter, top, end = self.counter(), self.new_label(), self.new_label()
            limit = b.max_iterations
            self.add(count + [f"{counter} = 0"])
            self.mark(top)
            test = self.cond(b.condition, pre)
            if kind == "repeat_until":
                test = f"not ({test})"
            self.add(pre + [f"if {test} and {counter} < {limit} then\n  {counter} = {counter} + 1"
                            f"\n  m_pc = @next\nelse\n  m_pc = @{end}\nend"], goto="computed")
            self.block_list(b.body)
            self.add([], goto=top)
            self.mark(end)
        elif kind == "if":
            other, end = self.new_label(), self.new_label()
            test = self.cond(b.condition, pre)
            self.add(pre + count + [f"if {test} then\n  m_pc = @next\nelse\n"
                                    f"  m_pc = @{other}\nend"], goto="computed")
            self.block_list(b.then)
            self.add([], goto=end)
            self.mark(other)
            self.block_list(b.else_ or [])
            self.mark(end)
        elif kind == "set_variable":
            value = self.expr(b.value, pre)
            self.add(pre + count + [f"v_{b.name} = {value}"])
        elif kind == "change_variable":
            name = b.name
            value = self.expr(b.by, pre)
            self.add(pre + count + [f"v_{name} = v_{name} + {value}"])
        elif kind == "stop":
            self.add(count + ["motor.left.target = 0", "motor.right.target = 0",
                              "m_pc = -1", "m_state = 2", "m_inh = 0"], goto="computed")
        else:  # a block the model gained and the Thymio cannot run yet
            raise c.fail(b, _("ce bloc n'est pas connu du Thymio"))


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def _fraction(scale: float) -> tuple[int, int]:
    from fractions import Fraction

    f = Fraction(scale).limit_denominator(100)
    return f.numerator, f.denominator


def compile_program(program: Program, profile: ThymioProfile = THYMIO) -> str:
    """Aseba source for ``program`` (one Thymio node; validated where it entered)."""
    variables = c.variables_of(program)
    flat = _Flattener(profile)
    flat.block_list(program.main)
    flat.add(["motor.left.target = 0", "motor.right.target = 0", "m_pc = -1",
              "m_state = 2"], goto="computed")
    entries: dict[str, str] = {}
    for handler in program.events:
        label = flat.new_label()
        flat.mark(label)
        entries[handler.event] = label
        flat.block_list(handler.body)
        flat.add(["m_pc = m_rpc", "m_busy = m_rbusy", "motor.left.target = m_rml",
                  "motor.right.target = m_rmr", "m_inh = 0",
                  "if m_pc == -1 then m_state = 2 end"], goto="computed")

    lines = ["# Mallette: programme généré pour Thymio II (ne pas modifier)"]
    declared = [f"v_{v}" for v in variables] + flat.counters + [
        f"m_t{i}" for i in range(flat.max_temps)] + [
        "m_pc", "m_busy", "m_state", "m_blocks", "m_n", "m_inh", "m_rpc", "m_rbusy",
        "m_rml", "m_rmr", "m_obst", "m_pobst", "m_pbtn"]
    lines += [f"var {name}" for name in declared]
    lines += [f"v_{v} = 0" for v in variables]
    lines += [f"{name} = 0" for name in flat.counters]
    lines += ["m_pc = 0", "m_busy = 0", "m_state = 1", "m_blocks = 0", "m_inh = 0",
              "m_obst = 0", "m_pobst = 0", "m_pbtn = 0",
              "motor.left.target = 0", "motor.right.target = 0",
              f"timer.period[0] = {TICK_MS}", ""]

    def enter(label: str) -> list[str]:
        return ["if m_inh == 0 then", "  m_inh = 1", "  m_rpc = m_pc", "  m_rbusy = m_busy",
                "  m_rml = motor.left.target", "  m_rmr = motor.right.target",
                f"  m_pc = {flat.labels[label]}", "  m_busy = 0", "  m_state = 1", "end"]

    lines.append("onevent timer0")
    threshold = profile.obstacle_threshold
    lines.append("  m_obst = 0")
    lines.append(f"  if prox.horizontal[1] > {threshold} or prox.horizontal[2] > {threshold} "
                 f"or prox.horizontal[3] > {threshold} then m_obst = 1 end")
    if "obstacle" in entries:
        lines.append("  if m_obst == 1 and m_pobst == 0 then")
        lines += ["    " + x for x in enter(entries["obstacle"])]
        lines.append("  end")
    lines.append("  m_pobst = m_obst")
    if "button_pressed" in entries:
        lines.append("  if button.center == 1 and m_pbtn == 0 then")
        lines += ["    " + x for x in enter(entries["button_pressed"])]
        lines.append("  end")
    lines.append("  m_pbtn = button.center")
    lines.append("  if m_busy > 0 then m_busy = m_busy - 1 end")
    lines.append("  m_n = 0")
    lines.append("  while m_busy == 0 and m_pc >= 0 and m_n < 20 do")
    lines.append("    m_n = m_n + 1")
    for index, step in enumerate(flat.steps):
        keyword = "if" if index == 0 else "elseif"
        lines.append(f"    {keyword} m_pc == {index} then")
        for code in step.code:
            code = code.replace("@next", str(index + 1))
            code = re.sub(r"@(L\d+)", lambda m: str(flat.labels[m.group(1)]), code)
            lines.extend("      " + part for part in code.split("\n"))
        if step.goto is None:
            lines.append(f"      m_pc = {index + 1}")
        elif step.goto != "computed":
            lines.append(f"      m_pc = {flat.labels[step.goto]}")
    if flat.steps:
        lines.append("    end")
    lines.append("  end")
    return "\n".join(lines) + "\n"


def aesl_document(source: str, node_name: str = "thymio-II", node_id: int = 1) -> str:
    """The AESL file asebahttp loads (``PUT /nodes/NODE``)."""
    from xml.sax.saxutils import escape

    return ("<!DOCTYPE aesl-source>\n<network>\n<keywords flag=\"true\"/>\n"
            f"<node nodeId=\"{node_id}\" name=\"{escape(node_name)}\">"
            f"{escape(source)}</node>\n</network>\n")


EMPTY_PROGRAM = ("# Mallette: robot arrêté\nmotor.left.target = 0\nmotor.right.target = 0\n"
                 "call leds.top(0, 0, 0)\n")
