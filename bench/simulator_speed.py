"""How long the reference simulator takes on the shared cases and on worst cases.

Run: python bench/simulator_speed.py  (prints milliseconds per run)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from robots.program import validate_program  # noqa: E402
from robots.simulator import simulate, validate_mat  # noqa: E402


def per_run_ms(program: dict, mat: dict, runs: int = 20) -> float:
    valid, board = validate_program(program), validate_mat(mat)
    start = time.perf_counter()
    for _ in range(runs):
        simulate(valid, board)
    return (time.perf_counter() - start) / runs * 1000


def main() -> None:
    for path in sorted((ROOT / "robots" / "sim_cases").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        print(f"{path.stem:40s} {per_run_ms(case['program'], case['mat']):8.2f} ms")
    mat = {"cols": 20, "rows": 20, "start": {"col": 0, "row": 0, "heading": "east"}}
    spin = {"main": [{"block": "repeat", "times": 50, "body": [
        {"block": "repeat", "times": 50, "body": [
            {"block": "turn", "direction": "right", "degrees": 1}] * 4}]}]}
    print(f"{'worst: 300 s of 1° turns':40s} {per_run_ms(spin, mat, 5):8.2f} ms")
    drive = {"main": [{"block": "repeat", "times": 50, "body": [
        {"block": "move", "direction": "forward", "distance_cm": 200},
        {"block": "turn", "direction": "right", "degrees": 180}]}]}
    print(f"{'worst: 300 s of driving':40s} {per_run_ms(drive, mat, 5):8.2f} ms")


if __name__ == "__main__":
    main()
