"""Shared fixtures for the program model and simulator tests.

The simulator cases in ``robots/sim_cases/`` are run by Python and by the
browser; both compare with :func:`assert_same_run`. One headless Chromium
serves every browser test of the session (it is the slow peer).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "robots" / "sim_cases"
CASE_FILES = sorted(CASES_DIR.glob("*.json"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TOLERANCE = 1e-6


def load_case(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _close(a: object, b: object, where: str) -> None:
    if isinstance(a, bool) or isinstance(b, bool):
        assert a is b, f"{where}: {a!r} != {b!r}"
    elif isinstance(a, int | float) and isinstance(b, int | float):
        assert math.isclose(a, b, abs_tol=TOLERANCE), f"{where}: {a!r} != {b!r}"
    elif isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for key in a:
            _close(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list | tuple) and isinstance(b, list | tuple):
        assert len(a) == len(b), f"{where}: {len(a)} items != {len(b)}: {a!r} != {b!r}"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{where}[{index}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_run(actual: dict, expected: dict) -> None:
    """Every key of a run result equal, numbers within a millionth."""
    _close(actual, expected, "run")


@pytest.fixture(scope="session")
def chromium(browser) -> object:
    """The session's one headless Chromium (tests/conftest.py): Playwright's sync API
    allows a single instance per process."""
    return browser
