"""`mallette lessons validate`: the shipped cycle passes, each kind of broken file
is reported as ``file:line: field: message`` with exit code 2."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ground.i18n import set_language
from lessons.cli import lessons
from lessons.cycle import DEFAULT_CYCLE_DIR

BROKEN = Path(__file__).parent / "broken"
MARK = "# ← erreur"


@pytest.fixture(autouse=True)
def _french():
    set_language("fr")
    yield
    set_language("fr")


def run(*args: str):
    return CliRunner().invoke(lessons, list(args))


def _expectations(text: str) -> dict[str, str]:
    return dict(re.findall(r"^# expect-([a-z]+): ?(.*)$", text, re.M))


def _marked_line(path: Path) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if MARK in line)


def test_shipped_cycle_is_valid():
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "Cycle valide : 10 séances (7 de programmation, 3 d'impression)." in result.output


def test_shipped_cycle_json_report():
    result = run("validate", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report == {
        "valid": True, "directory": str(DEFAULT_CYCLE_DIR), "sessions": 10,
        "programming": 7, "printing": 3, "errors": [],
    }


SINGLE = sorted(BROKEN.glob("*.yaml"))


@pytest.mark.parametrize("fixture", SINGLE, ids=[p.stem for p in SINGLE])
def test_broken_lesson_file(fixture: Path, tmp_path: Path):
    # The broken file alone makes a one-session cycle: its own error is the only one.
    target = tmp_path / "01-seance.yaml"
    shutil.copy(fixture, target)
    expect = _expectations(fixture.read_text(encoding="utf-8"))
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2, result.output
    line = _marked_line(target)
    field = f" {expect['field']}:" if expect["field"] else ""
    wanted = f"{target}:{line}:{field} "
    hits = [ln for ln in result.output.splitlines() if ln.startswith(wanted)]
    assert hits, f"no line starting with {wanted!r} in:\n{result.output}"
    assert expect["message"] in hits[0]
    assert "erreur(s) : cycle non valide." in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", ["numbering-gap", "duplicate-number", "duplicate-challenge-id"])
def test_broken_cycle_folder(case: str):
    folder = BROKEN / case
    expect = _expectations((folder / "EXPECT").read_text(encoding="utf-8"))
    result = run("validate", str(folder))
    assert result.exit_code == 2, result.output
    path = folder / expect["file"]
    wanted = f"{path}:{_marked_line(path)}: {expect['field']}: "
    hits = [ln for ln in result.output.splitlines() if ln.startswith(wanted)]
    assert hits and expect["message"] in hits[0], result.output


def test_every_error_is_listed_and_json_has_file_line_field(tmp_path: Path):
    for name in ("unknown-block", "step-minutes", "missing-translation"):
        text = (BROKEN / f"{name}.yaml").read_text(encoding="utf-8")
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    result = run("validate", str(tmp_path), "--json")
    assert result.exit_code == 2
    report = json.loads(result.output)
    assert report["valid"] is False
    found = {(Path(e["file"]).stem, e["field"]) for e in report["errors"]}
    assert {("unknown-block", "blocks[2]"), ("step-minutes", "steps"),
            ("missing-translation", "challenges[0].title.en")} <= found
    # Three files all numbered 1: the numbering is reported too.
    assert any("existe déjà" in e["message"] for e in report["errors"])
    assert all(e["line"] >= 1 for e in report["errors"])


def test_yaml_syntax_error_gives_its_line(tmp_path: Path):
    (tmp_path / "01.yaml").write_text("number: 1\nkind: [programming\ntitle: x\n",
                                      encoding="utf-8")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert re.search(rf"^{re.escape(str(tmp_path / '01.yaml'))}:[23]: erreur de syntaxe YAML",
                     result.output, re.M), result.output


def test_empty_or_missing_folder(tmp_path: Path):
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "aucun fichier de séance" in result.output
    result = run("validate", str(tmp_path / "absent"))
    assert result.exit_code == 2
    assert "dossier de cycle introuvable" in result.output


def test_file_that_is_not_a_session(tmp_path: Path):
    (tmp_path / "01.yaml").write_text("- juste\n- une liste\n", encoding="utf-8")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert f"{tmp_path / '01.yaml'}:1: le fichier doit décrire une séance" in result.output


def test_a_copied_cycle_can_be_edited_and_revalidated(tmp_path: Path):
    """What the facilitator guide describes: copy the cycle, edit a file, validate."""
    cycle = tmp_path / "mon-cycle"
    shutil.copytree(DEFAULT_CYCLE_DIR, cycle)
    first = cycle / "01-robot-humain.yaml"
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("duration_min: 60", "duration_min: 65"), encoding="utf-8")
    result = run("validate", str(cycle))
    assert result.exit_code == 2
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.startswith("steps:"))
    assert (f"{first}:{line}: steps: les étapes durent 60 min au total mais la séance dure "
            "65 min") in result.output
    first.write_text(text, encoding="utf-8")
    assert run("validate", str(cycle)).exit_code == 0


def test_common_yaml_pitfalls_get_a_plain_french_explanation(tmp_path: Path):
    base = (BROKEN / "unknown-skill.yaml").read_text(encoding="utf-8")
    base = base.replace("skills: [encode, coder]  # ← erreur", "skills: [encode]")
    (tmp_path / "01.yaml").write_text(base.replace("  cols: 4", "\tcols: 4"), encoding="utf-8")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert "erreur de syntaxe YAML : tabulation interdite, indentez avec des espaces" \
        in result.output
    off = base.replace("blocks: [move, turn]", "blocks: [move, turn, light]").replace(
        "      max_blocks: 3\n", "      max_blocks: 3\n      light_shown: off\n")
    (tmp_path / "01.yaml").write_text(off, encoding="utf-8")
    result = run("validate", str(tmp_path))
    assert result.exit_code == 2
    assert 'challenges[0].criteria.light_shown: écrivez "off" entre guillemets' in result.output
