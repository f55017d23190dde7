"""Printability checks and G-code safety checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import trimesh

from printers.checks import check_mesh, lay_flat, overhang_share, wall_thickness_samples
from printers.gcode import GcodeError, check_gcode_file, check_gcode_text
from printers.objects import build_mesh
from printers.profiles import get_profile
from printers.templates import instantiate

PROFILE = get_profile("default")


def severities(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.code: f.severity for f in report.findings}


def test_name_tag_is_printable_with_a_slicer_estimate(prusa_slicer: str) -> None:
    report = check_mesh(build_mesh(instantiate("name_tag")), PROFILE)
    assert report.printable
    assert report.estimate is not None and report.estimate.source == "prusaslicer"
    assert 300 < report.estimate.print_time_s < 3600 and 0.5 < report.estimate.filament_g < 10
    sentence = next(f.message for f in report.findings if f.code == "estimate")
    assert sentence.startswith("Impression d'environ") and "g de plastique" in sentence


def test_volume_estimate_is_labelled_as_such() -> None:
    report = check_mesh(build_mesh(instantiate("badge")), PROFILE, slice_estimate=False)
    assert report.estimate is not None and report.estimate.source == "volume"
    assert "approximative" in report.estimate.label


def test_too_big_and_open_meshes_are_blocking() -> None:
    big = check_mesh(trimesh.creation.box((300, 20, 10)), PROFILE, slice_estimate=False)
    assert not big.printable and severities(big)["size"] == "blocking"
    assert "trop grand" in next(f.message for f in big.findings if f.code == "size")
    tube = trimesh.creation.cylinder(radius=10, height=20, sections=32)
    tube.update_faces(tube.face_normals[:, 2] < 0.5)  # remove the top cap: a cup with a hole
    opened = check_mesh(tube, PROFILE, slice_estimate=False)
    assert not opened.printable and severities(opened)["watertight"] == "blocking"


def test_long_part_fits_when_turned() -> None:
    diagonal = check_mesh(trimesh.creation.box((205, 100, 5)), PROFILE, slice_estimate=False)
    assert severities(diagonal)["size"] == "ok"


def test_lay_flat_puts_the_largest_face_down() -> None:
    standing = trimesh.creation.box((60, 20, 4))
    standing.apply_transform(trimesh.transformations.rotation_matrix(1.5708, [1, 0, 0]))
    flat, rotated = lay_flat(standing)
    assert rotated and flat.extents[2] == pytest.approx(4, abs=0.01)
    already, rotated = lay_flat(build_mesh(instantiate("name_tag")))
    assert not rotated


def test_thin_walls_measured_by_rays() -> None:
    sheet = trimesh.creation.box((40, 40, 0.3))
    thickness, _ = wall_thickness_samples(sheet)
    assert (thickness[thickness < 1] == pytest.approx(0.3, abs=0.01))
    report = check_mesh(sheet, PROFILE, slice_estimate=False)
    assert severities(report)["thin_walls"] == "blocking"
    solid = check_mesh(trimesh.creation.box((20, 20, 5)), PROFILE, slice_estimate=False)
    assert severities(solid)["thin_walls"] == "ok"


def test_overhangs_share() -> None:
    # a T: the bar's underside hangs in the air
    stem = trimesh.creation.box((4, 4, 20))
    stem.apply_translation((0, 0, 10))
    bar = trimesh.creation.box((40, 4, 4))
    bar.apply_translation((0, 0, 22))
    t = trimesh.boolean.union([stem, bar], engine="manifold")
    assert overhang_share(t) > 0.05
    report = check_mesh(t, PROFILE, slice_estimate=False, orient=False)
    assert severities(report)["overhangs"] == "warning"
    assert overhang_share(trimesh.creation.box((10, 10, 10))) == 0


def test_floating_piece_is_blocking() -> None:
    a = trimesh.creation.box((10, 10, 10))
    b = trimesh.creation.box((10, 10, 10))
    b.apply_translation((30, 0, 20))
    report = check_mesh(trimesh.util.concatenate([a, b]), PROFILE, slice_estimate=False,
                        orient=False)
    assert severities(report)["floating"] == "blocking"


# -- G-code -------------------------------------------------------------------
def test_sliced_gcode_is_accepted(sliced: dict[str, Path]) -> None:
    report = check_gcode_file(sliced["tag"], PROFILE)
    assert report.ok, report.violations
    assert report.max_hotend == 215 and report.max_bed == 60 and report.lines > 1000


DANGEROUS = """; from a teacher's slicer
G21
G90
M140 S130
M104 S320
G28
G1 X100 Y100 Z0.3 F3000
G91
G1 X150 ; relative: ends at X=250
G90
G92 X0 ; X=0 is now physical X=250
G1 X10
G1 Z-3
M211 S0
G20
G1 X5 ; 5 inches = 127 mm from 0
M109 R200
"""


def test_dangerous_gcode_violations_with_line_numbers() -> None:
    report = check_gcode_text(DANGEROUS, PROFILE)
    assert not report.ok
    found = {(v.line, v.message.split(" :")[0]) for v in report.violations}
    assert (4, "température de plateau dangereuse") in found
    assert (5, "température de buse dangereuse") in found
    assert (9, "déplacement hors du volume d'impression") in found
    assert (12, "déplacement hors du volume d'impression") in found
    assert (13, "déplacement hors du volume d'impression") in found
    assert (14, "commande interdite M211") in found
    assert (16, "déplacement hors du volume d'impression") in found
    assert all(v.line != 17 for v in report.violations)  # M109 R200 is fine
    assert "X = 250.0 mm" in next(v.message for v in report.violations if v.line == 9)


def test_binary_file_is_not_gcode(tmp_path: Path) -> None:
    path = tmp_path / "x.gcode"
    path.write_bytes(b"\0\1\2" * 100)
    with pytest.raises(GcodeError, match="pas un fichier G-code texte"):
        check_gcode_file(path, PROFILE)


# -- bounded checks (issue 13) ------------------------------------------------------------
def test_the_fallback_ray_test_measures_like_manifold3d() -> None:
    import numpy as np

    from printers.checks import _segment_thickness

    sheet = trimesh.creation.box((40, 40, 0.3))
    points, faces = trimesh.sample.sample_surface(sheet, 200, seed=3)
    normals = sheet.face_normals[faces]
    fallback = _segment_thickness(sheet.triangles, points - normals * 1e-4, -normals, 3.0)
    measured, _ = wall_thickness_samples(sheet, count=200, seed=3)
    both = np.isfinite(measured) & np.isfinite(fallback)
    assert both.sum() > 150
    assert fallback[both] == pytest.approx(measured[both], abs=0.01)


def test_a_closed_cloud_manifold3d_refuses_gets_a_bounded_number_of_rays() -> None:
    import numpy as np

    from printers.checks import RAY_TEST_BUDGET, _as_manifold
    from tests.printweb.real_station import scattered_stl

    cloud = trimesh.load(trimesh.util.wrap_as_stream(scattered_stl(50_000)), file_type="stl")
    # each loose triangle closed by its reverse: "watertight" for trimesh, not for manifold3d
    sheets = trimesh.Trimesh(cloud.vertices, np.vstack([cloud.faces, cloud.faces[:, ::-1]]),
                             process=False)
    assert sheets.is_watertight and _as_manifold(sheets) is None
    thickness, points = wall_thickness_samples(sheets)
    assert len(thickness) == len(points) == RAY_TEST_BUDGET // len(sheets.faces) == 200
    report = check_mesh(sheets, PROFILE, slice_estimate=False)
    assert severities(report)["floating"] == "blocking"  # 50,000 pieces, most in the air


def test_a_20_mb_gcode_keeps_its_violations_and_line_numbers() -> None:
    text = "G28\nG90\n" + "G1 X10.5 Y20.25 E1.5\n" * 700_000 + "G1 X500 Y10\nM104 S300\n"
    report = check_gcode_text(text, PROFILE)
    assert report.lines == 700_004
    assert [v.line for v in report.violations] == [700_003, 700_004]
    assert report.bounds[1][0] == 500.0


def test_gcode_spellings_line_numbers_comments_and_case() -> None:
    text = ("N10 G1 X10 Y10*45\r\nn11 g1 x300 (loin) y20*12\r\ng01 Y-50 ; pas lu : X500\r\n"
            "G1 X20 (Y900) Y30\r\n")
    report = check_gcode_text(text, PROFILE)
    assert [(v.line, v.command) for v in report.violations] == [
        (2, "n11 g1 x300 (loin) y20*12"), (3, "g01 Y-50 ; pas lu : X500")]
    assert "X = 300.0 mm" in report.violations[0].message
    assert "Y = -50.0 mm" in report.violations[1].message
    assert report.lines == 4
    assert report.bounds == [[10.0, -50.0, 0.0], [300.0, 30.0, 0.0]]


def test_the_first_50_violations_in_file_order_and_a_count_of_the_rest() -> None:
    text = "G1 X500\n" * 30 + "M104 S999\n" + "G1 Y-100\n" * 30
    report = check_gcode_text(text, PROFILE)
    assert [v.line for v in report.violations] == list(range(1, 51))
    assert "buse" in report.violations[30].message
    assert report.more_violations == 11
