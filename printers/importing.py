"""Import a mesh a pupil or teacher brings (STL ASCII/binary, 3MF, OBJ), bounded and repaired.

Files come from outside: sizes are checked before parsing (bytes, declared triangle
counts, and for 3MF the uncompressed sizes in the zip directory, so a zip bomb is
refused before anything is inflated), then trimesh parses and repairs what it can.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from ground.i18n import _

MAX_BYTES = 50 * 1024 * 1024
MAX_TRIANGLES = 500_000
MAX_3MF_UNCOMPRESSED = 200 * 1024 * 1024
MAX_3MF_RATIO = 100  # uncompressed / compressed, per member
MAX_3MF_MEMBERS = 200
MAX_HOLE_EDGES = 20  # trimesh fills holes bounded by a few edges only (triangles, quads)
# why: filling is slow and memory hungry (a cloud of 300,000 loose triangles took 15 s and
# 800 MB to "fill", doubling the count); beyond a few small holes a mesh is not repairable
MAX_OPEN_EDGES_TO_FILL = 3_000
MAX_POLYGON_VERTICES = 256  # an OBJ face with 200,000 corners took 14 s to triangulate

FORMATS = {".stl": "stl", ".3mf": "3mf", ".obj": "obj"}


class MeshImportError(ValueError):
    """A file that cannot be imported: French message naming the file and the reason."""


@dataclass
class ImportedMesh:
    mesh: trimesh.Trimesh
    file_type: str
    repairs: list[str] = field(default_factory=list)


def _fail(name: str, reason: str) -> MeshImportError:
    return MeshImportError(_("Fichier « %(name)s » : %(reason)s", name=name, reason=reason))


def _check_stl(data: bytes, name: str, max_triangles: int) -> None:
    if len(data) >= 84 and not data[:5].lower() == b"solid":
        (count,) = struct.unpack_from("<I", data, 80)
        if count > max_triangles:
            raise _fail(name, _("il annonce %(n)s triangles, c'est trop (au plus %(max)s).",
                                n=count, max=max_triangles))
        if len(data) < 84 + 50 * count:
            raise _fail(name, _("le fichier STL est tronqué ou abîmé."))
    else:
        count = data.count(b"facet normal")
        if count > max_triangles:
            raise _fail(name, _("il contient %(n)s triangles, c'est trop (au plus %(max)s).",
                                n=count, max=max_triangles))
        if count == 0 and len(data) >= 84:
            # "solid" header but binary body: some exporters do that
            (count,) = struct.unpack_from("<I", data, 80)
            if count > max_triangles or len(data) != 84 + 50 * count:
                raise _fail(name, _("ce n'est pas un fichier STL lisible."))


def _safe_3mf(data: bytes, name: str) -> bytes:
    """Check the zip directory, then re-pack the members read with bounded reads."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fail(name, _("ce n'est pas un fichier 3MF valable (archive illisible).")) from None
    if len(infos) > MAX_3MF_MEMBERS:
        raise _fail(name, _("l'archive 3MF contient trop de fichiers."))
    total = sum(i.file_size for i in infos)
    if total > MAX_3MF_UNCOMPRESSED:
        raise _fail(name, _("une fois décompressé, il ferait %(mb)s Mo : c'est trop (au plus "
                            "%(max)s Mo).", mb=total // 2**20, max=MAX_3MF_UNCOMPRESSED // 2**20))
    for info in infos:
        if info.file_size > 1024 * 1024 and info.file_size > MAX_3MF_RATIO * max(
                info.compress_size, 1):
            raise _fail(name, _("l'archive 3MF est anormalement compressée (« %(member)s ») : "
                                "fichier refusé par sécurité.", member=info.filename))
    out = io.BytesIO()
    budget = MAX_3MF_UNCOMPRESSED
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as clean:
            for info in infos:
                if info.is_dir():
                    continue
                with archive.open(info) as member:
                    content = member.read(min(info.file_size, budget) + 1)
                if len(content) > info.file_size:
                    raise _fail(name, _("l'archive 3MF ment sur la taille de ses fichiers."))
                budget -= len(content)
                if b"<!DOCTYPE" in content[:4096].upper() or b"<!ENTITY" in content.upper():
                    # 3MF never needs a DTD: entities are how XML bombs and XXE work
                    raise _fail(name, _("l'archive 3MF contient du XML dangereux (entités)."))
                clean.writestr(info.filename, content)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise _fail(name, _("l'archive 3MF est abîmée.")) from None
    return out.getvalue()


_OBJ_FACE = re.compile(rb"^[ \t]*f[ \t]+([^\r\n]*)", re.M)


def _check_obj(data: bytes, name: str, max_triangles: int) -> None:
    """Bound the OBJ's faces before trimesh triangulates them: corners per face, triangles."""
    triangles = 0
    for match in _OBJ_FACE.finditer(data):
        corners = len(match.group(1).split())
        if corners > MAX_POLYGON_VERTICES:
            line = data.count(b"\n", 0, match.start()) + 1
            raise _fail(name, _("la face de la ligne %(line)s a %(n)s sommets, c'est trop (au "
                                "plus %(max)s).", line=line, n=corners,
                                max=MAX_POLYGON_VERTICES))
        triangles += max(1, corners - 2)
        if triangles > max_triangles:
            raise _fail(name, _("il contient trop de faces (au plus %(max)s triangles).",
                                max=max_triangles))


def _repair(mesh: trimesh.Trimesh) -> list[str]:
    """Merge, clean, orient and fill small holes; a mesh full of holes is left as it is."""
    repairs: list[str] = []
    faces = len(mesh.faces)
    mesh.merge_vertices()
    mesh.update_faces(mesh.nondegenerate_faces())
    mesh.update_faces(mesh.unique_faces())
    mesh.remove_unreferenced_vertices()
    if len(mesh.faces) < faces:
        repairs.append(_("%(n)s triangles abîmés ou en double supprimés",
                         n=faces - len(mesh.faces)))
    was_winding = mesh.is_winding_consistent
    volume_before = mesh.volume if mesh.is_watertight else None
    trimesh.repair.fix_normals(mesh)
    if not was_winding and mesh.is_winding_consistent:
        repairs.append(_("orientation des triangles corrigée"))
    elif volume_before is not None and volume_before < 0:
        repairs.append(_("objet retourné (intérieur/extérieur) corrigé"))
    open_edges = len(trimesh.grouping.group_rows(mesh.edges_sorted, require_count=1))
    if 0 < open_edges <= MAX_OPEN_EDGES_TO_FILL:
        before = len(mesh.faces)
        trimesh.repair.fill_holes(mesh)
        if len(mesh.faces) > before:
            repairs.append(_("petits trous bouchés (%(n)s triangles ajoutés)",
                             n=len(mesh.faces) - before))
    return repairs


def load_mesh_bytes(data: bytes, name: str, *, max_bytes: int = MAX_BYTES,
                    max_triangles: int = MAX_TRIANGLES, repair: bool = True) -> ImportedMesh:
    """Parse ``data`` (file name ``name`` gives its type), check its size, repair it."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise _fail(name, _("format inconnu (acceptés : STL, 3MF, OBJ)."))
    if len(data) > max_bytes:
        raise _fail(name, _("il pèse %(mb)s Mo, c'est trop (au plus %(max)s Mo).",
                            mb=len(data) // 2**20, max=max_bytes // 2**20))
    if not data.strip():
        raise _fail(name, _("le fichier est vide."))
    file_type = FORMATS[suffix]
    if file_type == "stl":
        _check_stl(data, name, max_triangles)
    elif file_type == "3mf":
        data = _safe_3mf(data, name)
    elif file_type == "obj":
        _check_obj(data, name, max_triangles)
    try:
        loaded = trimesh.load(io.BytesIO(data), file_type=file_type, force="mesh",
                              process=False)
    except MemoryError:
        raise  # the worker's memory limit: not the file's fault alone, reported as such
    except Exception:  # noqa: BLE001 - any parser failure is "unreadable" for a person
        raise _fail(name, _("le fichier est illisible ou abîmé.")) from None
    if not isinstance(loaded, trimesh.Trimesh) or len(loaded.faces) == 0:
        raise _fail(name, _("le fichier ne contient aucun objet en 3D."))
    if len(loaded.faces) > max_triangles:
        raise _fail(name, _("il contient %(n)s triangles, c'est trop (au plus %(max)s).",
                            n=len(loaded.faces), max=max_triangles))
    if not np.isfinite(loaded.vertices).all():
        raise _fail(name, _("il contient des points invalides (coordonnées non numériques)."))
    with np.errstate(all="ignore"):
        repairs = _repair(loaded) if repair else []
    if len(loaded.faces) == 0:
        raise _fail(name, _("le fichier ne contient aucun triangle utilisable."))
    if len(loaded.faces) > max_triangles:  # filling holes adds triangles
        raise _fail(name, _("une fois réparé, il aurait %(n)s triangles, c'est trop (au plus "
                            "%(max)s).", n=len(loaded.faces), max=max_triangles))
    return ImportedMesh(mesh=loaded, file_type=file_type, repairs=repairs)


def load_mesh_file(path: str | Path, **limits: int) -> ImportedMesh:
    """Read a file from disk, refusing it before reading if it is too big."""
    path = Path(path)
    max_bytes = limits.get("max_bytes", MAX_BYTES)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _fail(path.name, _("il pèse %(mb)s Mo, c'est trop (au plus %(max)s Mo).",
                                     mb=size // 2**20, max=max_bytes // 2**20))
        data = path.read_bytes()
    except OSError:
        raise _fail(path.name, _("le fichier est introuvable ou illisible.")) from None
    return load_mesh_bytes(data, path.name, **limits)  # type: ignore[arg-type]
