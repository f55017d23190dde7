"""`mallette lessons show N`: the facilitator's plan of a session."""

from __future__ import annotations

from click.testing import CliRunner

from lessons.cli import lessons


def run(*args: str):
    return CliRunner().invoke(lessons, list(args))


def test_show_programming_session_in_french():
    result = run("show", "3")
    assert result.exit_code == 0, result.output
    out = result.output.replace("\xa0", " ")  # no-break spaces keep « » with their words
    assert out.startswith("Séance 3 — Les boucles : répéter au lieu de recopier\n")
    assert "programmation, 75 min" in out
    assert "répéter" in out and "Blocs disponibles" in out
    assert " 0–10 min  Jeu débranché : la danse répétée (10 min)" in out
    assert "60–75 min  Bilan : qui a le programme le plus court ? (15 min)" in out
    assert "[s3-le-carre] Le carré de Robi" in out
    flat = " ".join(out.split())  # paragraphs are wrapped for the terminal
    assert "4 blocs au plus" in flat
    assert "(décoder, séquencer)" in flat
    assert "Solution de référence : 3 blocs" in flat


def test_show_printing_session_in_english():
    result = run("show", "8", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert "From program to object: the name tag" in result.output
    assert "Safety rule: never touch the nozzle" in " ".join(result.output.split())


def test_show_unknown_session():
    result = run("show", "12")
    assert result.exit_code == 2
    assert "Pas de séance 12 dans ce cycle (séances 1 à 10)." in result.output
