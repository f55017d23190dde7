"""kit.yaml: good files load, bad ones are refused naming file, line and field."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ground.config import EXAMPLE_KIT, SIMULATED_KIT, load_kit
from ground.yamlfile import FileError
from kit.cli import main


def write(tmp_path, text: str):
    path = tmp_path / "kit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path) -> list[str]:
    with pytest.raises(FileError) as info:
        load_kit(path)
    return [str(p) for p in info.value.problems]


def test_example_kit_is_valid_and_simulated():
    kit = load_kit(EXAMPLE_KIT)
    assert kit.station.kit_id == "mallette-01"
    assert {r.family for r in kit.robots} == {"thymio", "microbit_maqueen", "micropython_ble"}
    assert all(r.simulated for r in kit.robots) and all(p.simulated for p in kit.printers)


def test_no_file_gives_the_simulated_kit():
    kit = load_kit(None)
    assert len(kit.robots) == 3 and len(kit.printers) == 1
    assert kit == SIMULATED_KIT


GOOD_HEAD = "station:\n  name: Test\n  kit_id: t1\n"


@pytest.mark.parametrize(
    ("body", "line", "field", "words"),
    [
        ("robots:\n  - id: r1\n    name: R\n    family: tortue\n"
         "    connection: {type: simulated}\n",
         7, "robots[0].family", "valeur non reconnue"),
        ("robots:\n  - id: r1\n    name: R\n    family: thymio\n    connection:\n"
         "      type: serial\n",
         9, "robots[0].connection.port", "champ obligatoire manquant"),
        ("robots:\n  - id: r1\n    name: R\n    family: thymio\n    connection: {type: wifi}\n",
         8, "robots[0].connection", "type « wifi » inconnu"),
        ("robots:\n  - id: r1\n    nom: R\n    name: R\n    family: thymio\n"
         "    connection: {type: simulated}\n", 6, "robots[0].nom", "champ inconnu"),
        ("printers:\n  - id: p1\n    name: P\n    backend: octoprint\n", 5, "printers[0]",
         "besoin de « url »"),
        ("printers:\n  - id: p1\n    name: P\n    backend: simulated\n    build_volume: "
         "{x: deux, y: 200, z: 200}\n", 8, "printers[0].build_volume.x", "nombre attendu"),
        ("printers:\n  - id: p1\n    name: P\n    backend: octoprint\n    url: http://o\n"
         "    api_key_file: 0123456789ABCDEF0123456789ABCDEF\n", 9, "printers[0].api_key_file",
         "clé d'API"),
    ],
)
def test_bad_field_is_named_with_its_line(tmp_path, body, line, field, words):
    found = problems(write(tmp_path, GOOD_HEAD + body))
    assert any(f"kit.yaml:{line}: {field}: " in p and words in p for p in found), found


def test_yaml_syntax_error_names_the_line(tmp_path):
    found = problems(write(tmp_path, GOOD_HEAD + "robots:\n  - id: r1\n   name: [oops\n"))
    assert len(found) == 1 and "kit.yaml:" in found[0] and "YAML invalide" in found[0]


def test_duplicate_key_is_refused(tmp_path):
    found = problems(write(tmp_path, GOOD_HEAD + "station:\n  name: encore\n"))
    assert any("en double" in p and "kit.yaml:4" in p for p in found), found


def test_duplicate_robot_ids_are_refused(tmp_path):
    robot = "  - id: r1\n    name: R\n    family: thymio\n    connection: {type: simulated}\n"
    found = problems(write(tmp_path, GOOD_HEAD + "robots:\n" + robot + robot))
    assert any("« r1 » en double" in p for p in found), found


def test_missing_file(tmp_path):
    found = problems(tmp_path / "absent.yaml")
    assert "fichier introuvable" in found[0]


def test_check_cli_exit_codes(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(main, ["check", "--kit", str(EXAMPLE_KIT)])
    assert ok.exit_code == 0, ok.output
    assert "fichier valide" in ok.output and "simulé" in ok.output
    as_json = runner.invoke(main, ["check", "--kit", str(EXAMPLE_KIT), "--json"])
    report = json.loads(as_json.output)
    assert report["ok"] and all(item["simulated"] for item in report["items"])
    bad = write(tmp_path, GOOD_HEAD + "robots:\n  - id: r1\n    name: R\n    family: tortue\n"
                "    connection: {type: simulated}\n")
    result = runner.invoke(main, ["check", "--kit", str(bad)])
    assert result.exit_code == 2
    assert "robots[0].family" in result.output and ":7:" in result.output


def test_check_cli_in_english(tmp_path):
    bad = write(tmp_path, GOOD_HEAD + "robots:\n  - id: r1\n    name: R\n    family: thymio\n"
                "    connection:\n      type: serial\n")
    result = CliRunner().invoke(main, ["--lang", "en", "check", "--kit", str(bad)])
    assert result.exit_code == 2
    assert "required field missing" in result.output, result.output


def test_check_finds_missing_hardware(tmp_path):
    kit = write(tmp_path, GOOD_HEAD + "robots:\n  - id: r1\n    name: R\n    family: thymio\n"
                "    connection: {type: serial, port: /dev/ttyACM97}\n")
    result = CliRunner().invoke(main, ["check", "--kit", str(kit)])
    assert result.exit_code == 1
    assert "ne répond pas" in result.output and "/dev/ttyACM97" in result.output


def test_kit_check_speaks_one_language_even_from_its_worker_threads():
    """The robots are checked in parallel threads: their words follow ``--lang`` too."""
    runner = CliRunner()
    english = runner.invoke(main, ["--lang", "en", "check", "--kit", str(EXAMPLE_KIT)])
    assert english.exit_code == 0, english.output
    assert "✔ printer" in english.output and "simulator" in english.output
    assert "simulateur" not in english.output and "imprimante-1 (" in english.output
    french = runner.invoke(main, ["check", "--kit", str(EXAMPLE_KIT)])
    assert "✔ imprimante imprimante-1" in french.output and "simulateur" in french.output
