"""Plate batching (real PrusaSlicer) and the ``print check`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trimesh
from click.testing import CliRunner
from PIL import Image

from printers.cli import print_group
from printers.gcode import check_gcode_file
from printers.objects import build_mesh
from printers.plates import PlateError, PlateItem, pack, render_plate_png, slice_plate
from printers.profiles import get_profile
from printers.slicing import parse_duration
from printers.templates import instantiate

PROFILE = get_profile("default")
NAMES = ["Léa", "Noé", "Inès", "Tom", "Chloé", "Maël", "Zoé", "Jade", "Hugo", "Lou", "Adam",
         "Rose"]


@pytest.fixture(scope="module")
def tags() -> list[PlateItem]:
    return [PlateItem(f"job{i}", f"G{i % 4 + 1} {n}", build_mesh(instantiate("name_tag", name=n)))
            for i, n in enumerate(NAMES)]


def test_parse_duration() -> None:
    assert parse_duration("1d 2h 3m 4s") == 93784 and parse_duration("6m 5s") == 365


def test_twelve_tags_share_one_plate_without_overlap(tags: list[PlateItem]) -> None:
    plates = pack(tags, PROFILE)
    assert len(plates) == 1 and len(plates[0].placements) == 12
    boxes = [p.placed_mesh().bounds for p in plates[0].placements]
    for i, a in enumerate(boxes):
        assert a[0][0] >= PROFILE.margin - 1e-6 and a[1][0] <= 220 - PROFILE.margin + 1e-6
        assert a[0][1] >= PROFILE.margin - 1e-6 and a[1][1] <= 220 - PROFILE.margin + 1e-6
        for b in boxes[i + 1:]:
            apart = (a[1][0] <= b[0][0] or b[1][0] <= a[0][0] or a[1][1] <= b[0][1]
                     or b[1][1] <= a[0][1])
            assert apart


def test_more_than_a_plate_spills_onto_a_second_one() -> None:
    big = [PlateItem(f"b{i}", "G", trimesh.creation.box((100, 100, 5))) for i in range(5)]
    plates = pack(big, PROFILE)
    assert [len(p.placements) for p in plates] == [4, 1]
    with pytest.raises(PlateError, match="ne tient pas sur le plateau"):
        pack([PlateItem("x", "G", trimesh.creation.box((230, 10, 5)))], PROFILE)


def test_plate_is_sliced_as_one_gcode_with_every_object(tags: list[PlateItem], tmp_path: Path,
                                                        prusa_slicer: str) -> None:
    plate = pack(tags[:4], PROFILE)[0]
    result = slice_plate(plate, PROFILE, tmp_path / "plate.gcode")
    report = check_gcode_file(result.gcode_path, PROFILE)
    assert report.ok
    xs = [p.x for p in plate.placements] + [p.x + p.width for p in plate.placements]
    ys = [p.y for p in plate.placements] + [p.y + p.depth for p in plate.placements]
    # the printed area covers every placed object (skirt adds a few mm around them)
    assert report.bounds[0][0] <= min(xs) and report.bounds[1][0] >= max(xs) - 1
    assert report.bounds[0][1] <= min(ys) + 1 and report.bounds[1][1] >= max(ys) - 1
    assert result.filament_g is not None and result.filament_g > 4 * 1.5


def test_plate_picture_labels_groups(tags: list[PlateItem], tmp_path: Path) -> None:
    plate = pack(tags, PROFILE)[0]
    path = render_plate_png(plate, PROFILE, tmp_path / "plate.png")
    img = Image.open(path)
    assert img.size == (700, 700)
    colours = {c for _n, c in img.getcolors(maxcolors=100_000)}
    assert (231, 76, 60) in colours and (52, 152, 219) in colours  # group colours
    assert plate.groups == sorted(t.group for t in tags)


# -- mallette print check -----------------------------------------------------------
def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(print_group, ["check", *args])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("check")
    out = {}
    out["part"] = d / "part.stl"
    build_mesh(instantiate("pen_holder")).export(out["part"])
    cup = trimesh.creation.cylinder(radius=10, height=20, sections=32)
    cup.update_faces(cup.face_normals[:, 2] < 0.5)
    out["open"] = d / "open.stl"
    cup.export(out["open"])
    out["big"] = d / "big.3mf"
    trimesh.creation.box((240, 240, 10)).export(out["big"])
    out["broken"] = d / "broken.stl"
    out["broken"].write_bytes(b"solid nope\n  facet normal what\n")
    out["object"] = d / "tag.json"
    out["object"].write_text(json.dumps(instantiate("name_tag", name="Inès")))
    out["badobject"] = d / "bad.json"
    out["badobject"].write_text(json.dumps({"version": 1, "root": {"block": "cube"}}))
    out["gcode"] = d / "hot.gcode"
    out["gcode"].write_text("G90\nM104 S300\nG1 X10 Y10\n")
    return out


def test_check_watertight_part_is_printable(files: dict[str, Path], prusa_slicer: str) -> None:
    result = run(str(files["part"]))
    assert result.exit_code == 0, result.output
    assert "part.stl : imprimable sur « default »" in result.output
    assert "estimation de PrusaSlicer" in result.output


def test_check_open_mesh_is_not_printable(files: dict[str, Path]) -> None:
    result = run(str(files["open"]), "--no-slice")
    assert result.exit_code == 1
    assert "[BLOQUANT] L'objet a des trous" in result.output


def test_check_part_larger_than_bed(files: dict[str, Path]) -> None:
    result = run(str(files["big"]), "--printer", "default", "--json", "--no-slice")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["printable"] is False
    assert {"code": "size", "severity": "blocking"}.items() <= next(
        f for f in data["findings"] if f["code"] == "size").items()


def test_check_unreadable_file(files: dict[str, Path], tmp_path: Path) -> None:
    result = run(str(files["broken"]))
    assert result.exit_code == 2
    assert "Fichier « broken.stl »" in result.output
    assert run(str(tmp_path / "missing.stl")).exit_code == 2
    result = run(str(files["badobject"]), "--json")
    assert result.exit_code == 2 and "Bloc inconnu « cube »" in json.loads(result.output)["error"]


def test_check_object_json_and_gcode(files: dict[str, Path]) -> None:
    assert run(str(files["object"]), "--no-slice").exit_code == 0
    result = run(str(files["gcode"]))
    assert result.exit_code == 1
    assert "ligne 2 : température de buse dangereuse : 300 °C" in result.output


def test_check_printer_from_kit_file(files: dict[str, Path], tmp_path: Path) -> None:
    kit = tmp_path / "kit.yaml"
    kit.write_text("printers:\n  - id: mini\n    name: Mini\n    backend: octoprint\n"
                   "    url: http://127.0.0.1:5000\n    build_volume: {x: 120, y: 120, z: 120}\n"
                   "    margin_mm: 5\n    nozzle_mm: 0.4\n    slicer_profile: generic_pla_0.4\n")
    result = run(str(files["object"]), "--printer", "mini", "--kit", str(kit), "--no-slice")
    assert result.exit_code == 0
    result = run(str(files["big"]), "--printer", "mini", "--kit", str(kit), "--no-slice")
    assert result.exit_code == 1 and "volume utile 110 × 110 × 120 mm" in result.output
    result = run(str(files["part"]), "--printer", "nope", "--no-slice")
    assert result.exit_code == 2 and "Imprimante inconnue" in result.output


def test_plate_command_batches_files(files: dict[str, Path], tmp_path: Path,
                                     prusa_slicer: str) -> None:
    out = tmp_path / "plates"
    result = CliRunner().invoke(print_group, [
        "plate", f"Les Lynx={files['part']}", f"Les Pandas={files['object']}",
        "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Plateau 1 : 2 objets (Les Lynx, Les Pandas)" in result.output
    assert (out / "plate-1.gcode").is_file() and (out / "plate-1.png").is_file()
    result = CliRunner().invoke(print_group, ["plate", str(files["big"]), "--out", str(out)])
    assert result.exit_code == 1 and "trop grand" in result.output


def test_slicer_failure_is_a_clear_error(tmp_path: Path, prusa_slicer: str) -> None:
    from printers.slicing import SlicerError, slice_one

    broken = PROFILE.model_copy(update={"slicer_profile": tmp_path / "missing.ini"})
    with pytest.raises(SlicerError, match="PrusaSlicer n'a pas pu découper l'objet"):
        slice_one(trimesh.creation.box((10, 10, 10)), broken, tmp_path / "x.gcode")
