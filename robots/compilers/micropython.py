"""Program model → MicroPython source for a board profile (first: micro:bit + Maqueen).

MicroPython on the micro:bit V1 has no threads, so event handlers (``when_button``,
``when_obstacle``) are polled: every wait is cut into 20 ms slices that check the
sensors, and a handler runs on the rising edge of its condition. Moves and turns are
timed from the distance or angle at the speed the robot was calibrated to.

The generated program prints ``MALLETTE:START`` and ``MALLETTE:END`` so the station can
tell "running" from "finished", keeps the last events in ``_log`` (what the board did,
readable through the REPL) and always turns the motors off when it ends or is stopped.
"""

from __future__ import annotations

from dataclasses import dataclass

from ground.i18n import _
from robots.compilers import common as c
from robots.program import Cond, Expr, Program, Statement
from robots.vocabulary import COLOURS_RGB, NOTES_HZ


@dataclass(frozen=True)
class BoardProfile:
    """One robot model: how its hardware is driven, and its calibration."""

    name: str
    imports: str
    hardware: str          # defines _motors(l, r), _light(c), _note(f, ms), sensors
    move_pwm: int = 120
    move_cm_s: float = 10.0
    turn_pwm: int = 80
    turn_deg_s: float = 90.0
    sensors: tuple[str, ...] = ()
    stop_code: str = "_motors(0,0)"
    motors_off: str = ""   # run from the REPL on stop, outside the program


MAQUEEN_HARDWARE = '''\
_M = [0, 0]
def _motors(l, r):
    _M[0] = l
    _M[1] = r
    for reg, v in ((0, l), (2, r)):
        try:
            i2c.write(0x10, bytes([reg, 0 if v >= 0 else 1, min(255, abs(int(v)))]))
        except OSError:
            pass
_RGB = {rgb}
def _light(name):
    r, g, b = _RGB[name]
    try:
        _np = neopixel.NeoPixel(pin15, 4)
        for i in range(4):
            _np[i] = (r, g, b)
        _np.show()
    except Exception:
        pass
    pin8.write_digital(1 if r else 0)
    pin12.write_digital(1 if g or b else 0)
    if name == 'off':
        display.clear()
    else:
        display.show(Image.HEART)
def _note(f, ms):
    # not wait=True: the board keeps watching its sensors while the note plays
    music.pitch(f, -1, pin0, False)
    try:
        _wait(ms)
    finally:
        music.stop(pin0)
def _obstacle():
    pin1.write_digital(1)
    pin1.write_digital(0)
    t = running_time() + 3
    while pin2.read_digital() == 0:
        if running_time() > t:
            return False
    s = running_time()
    while pin2.read_digital() == 1:
        if running_time() > t + 3:
            return False
    return (running_time() - s) * 17 < 15
def _line():
    return pin13.read_digital() == 0 or pin14.read_digital() == 0
def _button():
    return button_a.is_pressed()
def _sound():
    return False
'''

MICROBIT_MAQUEEN = BoardProfile(
    name="micro:bit + Maqueen",
    imports="from microbit import *\nimport music\nimport neopixel\n",
    hardware=MAQUEEN_HARDWARE.replace("{rgb}", repr(COLOURS_RGB)),
    sensors=("obstacle", "line", "button"),
    motors_off="from microbit import i2c\ntry:\n i2c.write(0x10,bytes([0,0,0]))\n"
               " i2c.write(0x10,bytes([2,0,0]))\nexcept OSError:\n pass\n",
)

# A generic MicroPython robot (ESP32...): motors and sensors are left to a small
# ``robot`` module on the board when present; otherwise the program only records.
GENERIC_HARDWARE = '''\
try:
    import robot as _r
except ImportError:
    _r = None
_M = [0, 0]
def _motors(l, r):
    _M[0] = l
    _M[1] = r
    if _r:
        _r.motors(l, r)
def _light(name):
    if _r:
        _r.light(name)
def _note(f, ms):
    if _r:
        _r.note(f, ms)
    else:
        sleep(ms)
def _obstacle():
    return bool(_r and _r.obstacle())
def _line():
    return bool(_r and _r.line())
def _button():
    return bool(_r and _r.button())
def _sound():
    return bool(_r and _r.sound())
'''

GENERIC_MICROPYTHON = BoardProfile(
    name="MicroPython",
    imports="import time\ndef sleep(ms):\n    time.sleep_ms(int(ms))\n"
            "def running_time():\n    return time.ticks_ms()\n",
    hardware=GENERIC_HARDWARE,
    sensors=("obstacle", "line", "button", "sound"),
    motors_off="try:\n import robot\n robot.motors(0,0)\nexcept Exception:\n pass\n",
)

RUNTIME = '''\
class _Stop(Exception):
    pass
_log = []
def _rec(*e):
    _log.append(e)
    if len(_log) > 20:
        _log.pop(0)
def _div(a, b):
    if b == 0:
        return 0
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q
_busy = [False]
def _poll():
    for i in range(len(_H)):
        now = _H[i][0]()
        if now and not _P[i] and not _busy[0]:
            _P[i] = True
            _busy[0] = True
            try:
                _H[i][1]()
            finally:
                _busy[0] = False
        _P[i] = now
def _wait(ms):
    end = running_time() + int(ms)
    while True:
        left = end - running_time()
        if left <= 0:
            break
        if _H:
            _poll()
        sleep(min(20, left))
def _drive(l, r, ms):
    _motors(l, r)
    try:
        _wait(ms)
    finally:
        _motors(0, 0)
'''


class _Gen:
    def __init__(self, profile: BoardProfile, variables: list[str]) -> None:
        self.p = profile
        self.vars = variables
        self.lines: list[str] = []
        self.counter = 0

    def emit(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    # expressions -----------------------------------------------------------------------
    def expr(self, node: Expr) -> str:
        if isinstance(node, int | float):
            return repr(node)
        if node.block == "variable":
            return "v_" + node.name
        if node.block == "arithmetic":
            left, right = self.expr(node.left), self.expr(node.right)
            if node.op == "/":
                return f"_div({left}, {right})"
            return f"({left} {node.op} {right})"
        raise c.fail(node, _("ce bloc n'est pas un nombre"))  # a block the model gained

    def cond(self, node: Cond) -> str:
        kind = node.block
        simple = {"sensor_obstacle": "_obstacle()", "sensor_line": "_line()",
                  "sensor_button": "_button()", "sensor_sound": "_sound()"}
        if kind in simple:
            return simple[kind]
        if kind == "not":
            return f"(not {self.cond(node.condition)})"
        if kind == "compare":
            op = {"<": "<", ">": ">", "=": "==", "≠": "!="}[node.op]
            return f"({self.expr(node.left)} {op} {self.expr(node.right)})"
        raise c.fail(node, _("ce bloc n'est pas une condition"))

    # statements ------------------------------------------------------------------------
    def block_list(self, blocks: list[Statement], depth: int) -> None:
        if not blocks:
            self.emit(depth, "pass")
        for block in blocks:
            self.stmt(block, depth)

    def stmt(self, b: Statement, d: int) -> None:
        kind = b.block
        p = self.p
        if kind == "move":
            sign = 1 if b.direction == "forward" else -1
            if b.distance_cm is not None:
                ms = f"{self.expr(b.distance_cm)} * {1000.0 / p.move_cm_s!r}"
            else:  # the contract gives a move a distance or a duration, never both
                ms = f"{self.expr(b.seconds)} * 1000"
            self.emit(d, f"_rec('move', {sign})")
            self.emit(d, f"_drive({sign * p.move_pwm}, {sign * p.move_pwm}, {ms})")
        elif kind == "turn":
            sign = 1 if b.direction == "right" else -1
            ms = f"{self.expr(b.degrees)} * {1000.0 / p.turn_deg_s!r}"
            self.emit(d, f"_rec('turn', {sign})")
            self.emit(d, f"_drive({sign * p.turn_pwm}, {-sign * p.turn_pwm}, {ms})")
        elif kind == "wait":
            self.emit(d, f"_wait({self.expr(b.seconds)} * 1000)")
        elif kind == "light":
            colour = b.colour
            self.emit(d, f"_rec('light', {colour!r})")
            self.emit(d, f"_light({colour!r})")
        elif kind == "sound":
            note = b.note
            self.emit(d, f"_rec('sound', {note!r})")
            self.emit(d, f"_note({NOTES_HZ[note]}, int({self.expr(b.seconds)} * 1000))")
        elif kind == "repeat":
            self.counter += 1
            self.emit(d, f"for _i{self.counter} in range(int({self.expr(b.times)})):")
            self.emit(d + 1, "_poll()")
            self.block_list(b.body, d + 1)
        elif kind in ("repeat_until", "while"):
            self.counter += 1
            n = f"_n{self.counter}"
            limit = b.max_iterations
            test = self.cond(b.condition)
            self.emit(d, f"{n} = 0")
            self.emit(d, f"while {'not ' if kind == 'repeat_until' else ''}{test}:")
            self.emit(d + 1, f"if {n} >= {limit}:")
            self.emit(d + 2, "_rec('limit')")
            self.emit(d + 2, "break")
            self.emit(d + 1, f"{n} += 1")
            self.emit(d + 1, "_poll()")
            self.block_list(b.body, d + 1)
        elif kind == "if":
            self.emit(d, f"if {self.cond(b.condition)}:")
            self.block_list(b.then, d + 1)
            if b.else_:
                self.emit(d, "else:")
                self.block_list(b.else_, d + 1)
        elif kind == "set_variable":
            self.emit(d, f"v_{b.name} = {self.expr(b.value)}")
        elif kind == "change_variable":
            self.emit(d, f"v_{b.name} = v_{b.name} + {self.expr(b.by)}")
        elif kind == "stop":
            self.emit(d, "raise _Stop()")
        else:  # a block the model gained and this board cannot run yet
            raise c.fail(b, _("ce bloc n'est pas connu de ce robot"))

    def function(self, name: str, blocks: list[Statement]) -> None:
        self.emit(0, f"def {name}():")
        if self.vars:
            self.emit(1, "global " + ", ".join("v_" + v for v in self.vars))
        self.block_list(blocks, 1)


def compile_program(program: Program, profile: BoardProfile = MICROBIT_MAQUEEN) -> str:
    """MicroPython source (ASCII) running ``program`` (validated where it entered) on
    ``profile``'s robot."""
    variables = c.variables_of(program)
    gen = _Gen(profile, variables)
    gen.lines.append(f"# Mallette program for {profile.name} (generated, do not edit)")
    gen.lines.append(profile.imports.rstrip())
    gen.lines.append(profile.hardware.rstrip())
    gen.lines.append(RUNTIME.rstrip())
    for v in variables:
        gen.emit(0, f"v_{v} = 0")
    handlers = []
    for i, handler in enumerate(program.events):
        cond = "_button" if handler.event == "button_pressed" else "_obstacle"
        gen.function(f"_h{i}", handler.body)
        handlers.append(f"(lambda: {cond}(), _h{i})")
    gen.emit(0, f"_H = [{', '.join(handlers)}]")
    gen.emit(0, "_P = [False] * len(_H)")
    gen.function("_main", program.main)
    gen.lines.append(
        "print('MALLETTE:START')\n"
        "try:\n"
        "    _main()\n"
        "    while _H:\n"
        "        _wait(1000)\n"
        "except _Stop:\n"
        "    _rec('stop')\n"
        "finally:\n"
        f"    {profile.stop_code}\n"
        "print('MALLETTE:END')"
    )
    source = "\n".join(gen.lines) + "\n"
    return source


# LEGO SPIKE Prime / Robot Inventor hub with Pybricks firmware: drive motors on ports A
# (left, mounted mirrored) and B, ultrasonic sensor on D, colour sensor on C. Speeds in
# degrees per second of the wheel (56 mm wheels: 205 °/s ≈ 10 cm/s).
PYBRICKS_HARDWARE = '''\
_hub = PrimeHub()
_sw = StopWatch()
def sleep(ms):
    wait(int(ms))
def running_time():
    return _sw.time()
def _dev(make):
    try:
        return make()
    except Exception:
        return None
_L = _dev(lambda: Motor(Port.A, Direction.COUNTERCLOCKWISE))
_R = _dev(lambda: Motor(Port.B))
_US = _dev(lambda: UltrasonicSensor(Port.D))
_CS = _dev(lambda: ColorSensor(Port.C))
_M = [0, 0]
def _motors(l, r):
    _M[0] = l
    _M[1] = r
    for m, v in ((_L, l), (_R, r)):
        if m:
            if v:
                m.run(v)
            else:
                m.stop()
_COLOURS = {'red': Color.RED, 'green': Color.GREEN, 'blue': Color.BLUE,
            'yellow': Color.YELLOW, 'purple': Color.VIOLET, 'cyan': Color.CYAN,
            'white': Color.WHITE}
def _light(name):
    if name == 'off':
        _hub.light.off()
    else:
        _hub.light.on(_COLOURS[name])
def _note(f, ms):
    _hub.speaker.beep(f, ms)
def _obstacle():
    return bool(_US) and _US.distance() < 150
def _line():
    return bool(_CS) and _CS.reflection() < 30
def _button():
    return Button.LEFT in _hub.buttons.pressed()
def _sound():
    return False
'''

PYBRICKS_PRIME = BoardProfile(
    name="LEGO SPIKE Prime (Pybricks)",
    imports="from pybricks.hubs import PrimeHub\n"
            "from pybricks.pupdevices import Motor, UltrasonicSensor, ColorSensor\n"
            "from pybricks.parameters import Port, Direction, Color, Button\n"
            "from pybricks.tools import wait, StopWatch\n",
    hardware=PYBRICKS_HARDWARE,
    move_pwm=205, turn_pwm=180,
    sensors=("obstacle", "line", "button"),
)
