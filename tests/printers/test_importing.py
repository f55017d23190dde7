"""Importing STL/3MF/OBJ files, including hostile ones."""

from __future__ import annotations

import io
import struct
import zipfile

import numpy as np
import pytest
import trimesh

from printers.importing import MeshImportError, load_mesh_bytes, load_mesh_file


@pytest.fixture
def box() -> trimesh.Trimesh:
    return trimesh.creation.box((10, 10, 10))


@pytest.mark.parametrize(("file_type", "suffix"), [
    ("stl", ".stl"), ("stl_ascii", ".stl"), ("3mf", ".3mf"), ("obj", ".obj")])
def test_formats_load_as_a_closed_mesh(box: trimesh.Trimesh, file_type: str, suffix: str) -> None:
    data = box.export(file_type=file_type)
    data = data.encode() if isinstance(data, str) else data
    imported = load_mesh_bytes(data, "cube" + suffix)
    assert imported.mesh.is_watertight
    assert imported.mesh.volume == pytest.approx(1000)
    assert imported.repairs == []


def test_repairs_winding_inversion_and_small_holes(box: trimesh.Trimesh) -> None:
    flipped = box.copy()
    flipped.faces[:6] = flipped.faces[:6, ::-1]
    r = load_mesh_bytes(flipped.export(file_type="stl"), "f.stl")
    assert r.mesh.volume == pytest.approx(1000) and "orientation" in " ".join(r.repairs)
    inside_out = box.copy()
    inside_out.invert()
    r = load_mesh_bytes(inside_out.export(file_type="stl"), "i.stl")
    assert r.mesh.volume == pytest.approx(1000) and "retourné" in " ".join(r.repairs)
    holed = box.copy()
    holed.update_faces(np.arange(11))
    r = load_mesh_bytes(holed.export(file_type="stl"), "h.stl")
    assert r.mesh.is_watertight and "trous bouchés" in " ".join(r.repairs)


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"solid x\nfacet normal oops\n", "broken.stl", "aucun objet"),
    (b"\x00" * 80 + struct.pack("<I", 1000) + b"\x00" * 100, "truncated.stl", "tronqué"),
    (b"PK\x03\x04 not really a zip", "bad.3mf", "archive illisible"),
    (b"", "empty.stl", "vide"),
    (b"ISO-10303-21;", "part.step", "format inconnu"),
])
def test_broken_files_get_a_french_reason(data: bytes, name: str, message: str) -> None:
    with pytest.raises(MeshImportError, match=f"Fichier « {name} » : .*{message}"):
        load_mesh_bytes(data, name)


def test_huge_declared_triangle_count_is_refused_before_parsing() -> None:
    data = b"\x00" * 80 + struct.pack("<I", 50_000_000) + b"\x00" * 50
    with pytest.raises(MeshImportError, match="50000000 triangles, c'est trop"):
        load_mesh_bytes(data, "huge.stl")


def test_real_mesh_over_the_triangle_limit(box: trimesh.Trimesh) -> None:
    sphere = trimesh.creation.icosphere(subdivisions=4)  # 5120 triangles
    for file_type, name in (("stl", "s.stl"), ("stl_ascii", "s.stl"), ("obj", "s.obj")):
        data = sphere.export(file_type=file_type)
        data = data.encode() if isinstance(data, str) else data
        with pytest.raises(MeshImportError, match="trop"):
            load_mesh_bytes(data, name, max_triangles=1000)


def test_file_too_big_is_refused_without_reading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.stl"
    with path.open("wb") as fh:
        fh.truncate(3 * 1024 * 1024)
    with pytest.raises(MeshImportError, match="il pèse 3 Mo, c'est trop"):
        load_mesh_file(path, max_bytes=1024 * 1024)


def test_zip_bomb_3mf_is_refused_from_its_directory() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("3D/3dmodel.model", b"\0" * (300 * 2**20))
    assert len(buf.getvalue()) < 1024 * 1024  # 300 MB squeezed into less than 1 MB
    with pytest.raises(MeshImportError, match="décompressé, il ferait 300 Mo"):
        load_mesh_bytes(buf.getvalue(), "bomb.3mf")


def test_high_ratio_3mf_member_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("3D/3dmodel.model", b" " * (20 * 2**20))
    with pytest.raises(MeshImportError, match="anormalement compressée"):
        load_mesh_bytes(buf.getvalue(), "ratio.3mf")


def test_3mf_lying_about_its_sizes_is_refused(box: trimesh.Trimesh) -> None:
    real = box.export(file_type="3mf")
    src = zipfile.ZipFile(io.BytesIO(real))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            z.writestr(info, src.read(info))
    data = bytearray(buf.getvalue())
    # shrink the declared uncompressed size of every member in the central directory
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        struct.pack_into("<I", data, pos + 24, 1)
        pos = data.find(b"PK\x01\x02", pos + 4)
    with pytest.raises(MeshImportError, match="3MF"):
        load_mesh_bytes(bytes(data), "liar.3mf")


def test_3mf_with_xml_entities_is_refused(box: trimesh.Trimesh) -> None:
    src = zipfile.ZipFile(io.BytesIO(box.export(file_type="3mf")))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.endswith(".model"):
                content = content.replace(
                    b"?>", b'?><!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>', 1)
            z.writestr(info, content)
    with pytest.raises(MeshImportError, match="XML dangereux"):
        load_mesh_bytes(buf.getvalue(), "laughs.3mf")


# -- bounded work (issue 13) -----------------------------------------------------------
def test_an_obj_face_with_200000_corners_is_refused_before_triangulating() -> None:
    corners = 200_000
    angles = np.linspace(0, 2 * np.pi, corners, endpoint=False)
    lines = [f"v {np.cos(a) * 50:.4f} {np.sin(a) * 50:.4f} 0" for a in angles]
    lines.append("f " + " ".join(str(i) for i in range(1, corners + 1)))
    with pytest.raises(MeshImportError, match=r"Fichier « disque.obj » : la face de la ligne "
                                              r"200001 a 200000 sommets, c'est trop \(au plus "
                                              r"256\)"):
        load_mesh_bytes("\n".join(lines).encode(), "disque.obj")


def test_a_mesh_over_the_limit_once_repaired_is_refused(box: trimesh.Trimesh) -> None:
    holed = box.copy()
    holed.update_faces(np.arange(11))  # one triangle missing: the repair adds it back
    data = holed.export(file_type="stl")
    assert len(load_mesh_bytes(data, "h.stl", max_triangles=12).mesh.faces) == 12
    with pytest.raises(MeshImportError, match="une fois réparé, il aurait 12 triangles, c'est "
                                              r"trop \(au plus 11\)"):
        load_mesh_bytes(data, "h.stl", max_triangles=11)


def test_a_cloud_of_loose_triangles_is_not_filled_into_twice_as_many() -> None:
    from tests.printweb.real_station import scattered_stl

    imported = load_mesh_bytes(scattered_stl(20_000), "nuage.stl")
    assert len(imported.mesh.faces) <= 20_000
    assert not imported.mesh.is_watertight
    assert not any("trous" in r for r in imported.repairs)
