"""How fast the ``mallette`` command answers: ``--help``, ``robots --help``, ``print --help``.

Each command is started afresh 10 times (a new Python process, as a facilitator types it);
prints the median and the slowest wall time of each, against the 0.3 s goal. The commands
import their libraries (trimesh, SQLAlchemy, Flask) only when they run, not for help.

Run: python bench/bench_cli.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = (["--help"], ["robots", "--help"], ["print", "--help"])
GOAL_S = 0.3


def mallette() -> list[str]:
    """The installed ``mallette`` script beside this Python, else the module itself."""
    script = Path(sys.executable).with_name("mallette")
    if script.exists():
        return [str(script)]
    found = shutil.which("mallette")
    return [found] if found else [sys.executable, "-c", "from kit.cli import main; main()"]


def timed(argv: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    base = mallette()
    timed([*base, "--help"])  # a first start fills the OS's file cache
    print(f"mallette start time, {runs} runs each (median / slowest), goal {GOAL_S:.1f} s")
    for command in COMMANDS:
        times = [timed([*base, *command]) for _ in range(runs)]
        median = statistics.median(times)
        verdict = "ok" if median <= GOAL_S else "SLOW"
        print(f"  mallette {' '.join(command):<14} {median:.3f} s / {max(times):.3f} s  {verdict}")


if __name__ == "__main__":
    main()
