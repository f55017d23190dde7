"""Can this mesh be printed on this printer? Findings a child and a facilitator both read.

Each :class:`Finding` has a severity (``blocking``, ``warning``, ``ok``), a short
sentence for the pupils and a technical detail for the facilitator. The mesh is laid
on its largest flat face first (when that gives a much larger contact with the bed),
then measured: closed surface, separate pieces, size against the build volume, walls
thinner than the nozzle (rays cast inwards from sample points on the surface),
overhangs steeper than 45°, and time and filament (PrusaSlicer when it is installed,
otherwise a rough estimate from the volume, labelled as such).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import manifold3d
import numpy as np
import trimesh

from ground.i18n import _, ngettext
from printers.profiles import PrinterProfile
from printers.slicing import SlicerError, SlicerUnavailableError, slice_one

Severity = Literal["blocking", "warning", "ok"]

THIN_SAMPLES = 400
THIN_REACH_MM = 3.0
OVERHANG_DEGREES = 45.0
OVERHANG_WARN_SHARE = 0.02
THIN_WARN_SHARE = 0.01
THIN_BLOCK_SHARE = 0.25
RAY_TEST_BUDGET = 20_000_000  # segment x triangle tests when manifold3d refuses the mesh
MIN_FALLBACK_SAMPLES = 40


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str  # for the pupils
    detail: str  # for the facilitator


@dataclass
class Estimate:
    print_time_s: float
    filament_g: float
    source: Literal["prusaslicer", "volume"]
    label: str


@dataclass
class CheckReport:
    findings: list[Finding]
    mesh: trimesh.Trimesh
    estimate: Estimate | None = None
    rotated: bool = False
    extents: tuple[float, float, float] = (0.0, 0.0, 0.0)
    notes: list[str] = field(default_factory=list)

    @property
    def printable(self) -> bool:
        return not any(f.severity == "blocking" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "printable": self.printable,
            "findings": [asdict(f) for f in self.findings],
            "estimate": asdict(self.estimate) if self.estimate else None,
            "extents_mm": [round(float(v), 2) for v in self.extents],
            "rotated": self.rotated,
            "triangles": int(len(self.mesh.faces)),
        }

    def to_plain(self) -> dict[str, Any]:
        """The report as plain data (dicts and arrays): cheap to send between processes."""
        return {"findings": [asdict(f) for f in self.findings],
                "estimate": asdict(self.estimate) if self.estimate else None,
                "rotated": self.rotated, "extents": list(self.extents), "notes": self.notes,
                "vertices": np.asarray(self.mesh.vertices, dtype=np.float64),
                "faces": np.asarray(self.mesh.faces, dtype=np.int32)}

    @classmethod
    def from_plain(cls, data: dict[str, Any]) -> CheckReport:
        """The report :meth:`to_plain` gave, its mesh rebuilt without processing."""
        mesh = trimesh.Trimesh(vertices=data["vertices"], faces=data["faces"], process=False)
        return cls(findings=[Finding(**f) for f in data["findings"]], mesh=mesh,
                   estimate=Estimate(**data["estimate"]) if data["estimate"] else None,
                   rotated=data["rotated"], extents=tuple(data["extents"]),  # type: ignore[arg-type]
                   notes=list(data["notes"]))


# -- orientation -------------------------------------------------------------
def _contact_area(mesh: trimesh.Trimesh, normal: np.ndarray, offset: float,
                  tol: float = 0.05) -> float:
    """Area of the faces lying in the plane ``v . normal = offset``, facing along normal."""
    facing = mesh.face_normals @ normal > 0.999
    on_plane = np.abs(mesh.triangles[facing] @ normal - offset).max(axis=1) <= tol
    return float(mesh.area_faces[facing][on_plane].sum())


def lay_flat(mesh: trimesh.Trimesh) -> tuple[trimesh.Trimesh, bool]:
    """Rest the mesh on its largest flat face if that beats its current base by far.

    A face the mesh can rest on lies in a plane of its convex hull: the hull's planes,
    largest first, are the candidates.
    """
    from scipy.spatial import ConvexHull, QhullError

    mesh = mesh.copy()
    mesh.apply_translation((0, 0, -mesh.bounds[0][2]))
    down = np.array([0.0, 0.0, -1.0])
    current = _contact_area(mesh, down, 0.0)
    try:
        hull = ConvexHull(mesh.vertices)
    except (QhullError, ValueError):
        return mesh, False
    pts = hull.points[hull.simplices]
    areas = 0.5 * np.linalg.norm(np.cross(pts[:, 1] - pts[:, 0], pts[:, 2] - pts[:, 0]), axis=1)
    # group hull triangles by plane (qhull gives outward normal n and d with n.x + d = 0)
    keys = np.round(hull.equations, 3)
    planes, inverse = np.unique(keys, axis=0, return_inverse=True)
    plane_area = np.bincount(inverse.ravel(), weights=areas)
    best_area, best_normal = current, None
    for idx in np.argsort(plane_area)[::-1][:20]:
        if plane_area[idx] <= max(best_area * 1.5, 4.0):  # mm2: one facet of a ball is no base
            break
        normal = planes[idx][:3] / np.linalg.norm(planes[idx][:3])
        offset = float(-planes[idx][3])
        area = _contact_area(mesh, normal, offset)
        if area > max(best_area * 1.5, 4.0):
            best_area, best_normal = area, normal
    if best_normal is None:
        return mesh, False
    mesh.apply_transform(trimesh.geometry.align_vectors(best_normal, down))
    mesh.apply_translation((0, 0, -mesh.bounds[0][2]))
    return mesh, True


# -- measurements ------------------------------------------------------------
def wall_thickness_samples(mesh: trimesh.Trimesh, count: int = THIN_SAMPLES,
                           seed: int = 7, reach: float = THIN_REACH_MM
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Local thickness at points spread over the surface (by area): cast a ray inwards.

    Returns the thickness per sample in mm (inf where it is more than ``reach``: only thin
    places matter, and short rays keep this fast on big meshes) and the sample points.
    Rays go through manifold3d's bounding volume hierarchy; meshes manifold3d does not
    accept get a plain numpy segment test whose rays x triangles stay within
    ``RAY_TEST_BUDGET`` (fewer samples on big meshes), so no mesh can make it explode.
    """
    solid = _as_manifold(mesh)
    if solid is None:
        count = max(MIN_FALLBACK_SAMPLES, min(count, RAY_TEST_BUDGET // max(1, len(mesh.faces))))
    points, face_idx = trimesh.sample.sample_surface(mesh, count, seed=seed)
    normals = mesh.face_normals[face_idx]
    origins = points - normals * 1e-4
    thickness = np.full(len(points), np.inf)
    if solid is not None:
        for i, (origin, normal) in enumerate(zip(origins, normals, strict=True)):
            hits = solid.ray_cast(tuple(origin), tuple(origin - normal * reach))
            # RayHit.distance is the fraction of the segment travelled
            far = [h.distance * reach for h in hits if h.distance * reach > 1e-3]
            if far:
                thickness[i] = far[0]
        return thickness, points
    return _segment_thickness(mesh.triangles, origins, -normals, reach), points


def _segment_thickness(triangles: np.ndarray, origins: np.ndarray, directions: np.ndarray,
                       reach: float) -> np.ndarray:
    """Distance to the first triangle along each segment (inf if none within ``reach``).

    why: trimesh's ray engine tests every triangle whose box meets an endless ray; on a
    cloud of loose triangles that grew past 3 GB. Here only the boxes meeting the short
    segment are tested (Möller-Trumbore), one segment at a time.
    """
    lo, hi = triangles.min(axis=1), triangles.max(axis=1)
    out = np.full(len(origins), np.inf)
    for i, (origin, direction) in enumerate(zip(origins, directions, strict=True)):
        end = origin + direction * reach
        near = np.nonzero((hi >= np.minimum(origin, end)).all(axis=1)
                          & (lo <= np.maximum(origin, end)).all(axis=1))[0]
        if not len(near):
            continue
        tri = triangles[near]
        e1, e2 = tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
        p = np.cross(direction, e2)
        det = np.einsum("ij,ij->i", e1, p)
        usable = np.abs(det) > 1e-12
        inv = np.divide(1.0, det, out=np.zeros_like(det), where=usable)
        s = origin - tri[:, 0]
        u = np.einsum("ij,ij->i", s, p) * inv
        q = np.cross(s, e1)
        v = (q @ direction) * inv
        t = np.einsum("ij,ij->i", e2, q) * inv
        hit = usable & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 1e-3) & (t <= reach)
        if hit.any():
            out[i] = float(t[hit].min())
    return out


def _as_manifold(mesh: trimesh.Trimesh) -> manifold3d.Manifold | None:
    try:
        solid = manifold3d.Manifold(manifold3d.Mesh(
            vert_properties=np.ascontiguousarray(mesh.vertices, dtype=np.float32),
            tri_verts=np.ascontiguousarray(mesh.faces, dtype=np.uint32)))
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - not a manifold: use the slower engine
        return None
    return solid if solid.status() == manifold3d.Error.NoError and not solid.is_empty() else None


def _body_floors(mesh: trimesh.Trimesh) -> np.ndarray:
    """Lowest z of each separate piece (faces joined by an edge), without one mesh per piece.

    why: ``mesh.split`` makes one Trimesh per piece; a cloud of loose triangles has
    hundreds of thousands of them.
    """
    labels = trimesh.graph.connected_component_labels(mesh.face_adjacency,
                                                      node_count=len(mesh.faces))
    floors = np.full(int(labels.max()) + 1 if len(labels) else 0, np.inf)
    np.minimum.at(floors, labels, mesh.triangles[:, :, 2].min(axis=1))
    return floors


def overhang_share(mesh: trimesh.Trimesh, degrees: float = OVERHANG_DEGREES) -> float:
    """Share of the surface facing down more steeply than ``degrees`` from vertical walls,
    not counting faces lying on the bed."""
    limit = -math.sin(math.radians(90 - degrees))  # n_z below this: steeper than 45°
    z0 = mesh.bounds[0][2]
    on_bed = mesh.triangles[:, :, 2].max(axis=1) <= z0 + 0.05
    steep = (mesh.face_normals[:, 2] < limit) & ~on_bed
    total = float(mesh.area)
    return float(mesh.area_faces[steep].sum()) / total if total else 0.0


def volume_estimate(mesh: trimesh.Trimesh, profile: PrinterProfile) -> Estimate:
    """Rough time and filament from the volume (2 perimeters, 15 % infill, 5 mm3/s)."""
    volume = abs(float(mesh.volume)) if mesh.is_watertight else float(mesh.convex_hull.volume)
    shell = min(volume, float(mesh.area) * 2 * profile.nozzle_diameter * 1.1)
    plastic = shell + 0.15 * (volume - shell)  # mm3
    grams = plastic / 1000 * profile.filament_density
    layers = mesh.extents[2] / 0.2
    seconds = plastic / 5.0 + layers * 2.0 + 120
    return Estimate(print_time_s=round(seconds), filament_g=round(grams, 1), source="volume",
                    label=_("estimation approximative d'après le volume (sans trancheur)"))


def _minutes(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    if minutes < 60:
        return _("%(m)s min", m=minutes)
    return _("%(h)s h %(m)02d", h=minutes // 60, m=minutes % 60)


def estimate_words(seconds: float | None, grams: float | None) -> str | None:
    """A print's time and plastic in words, the same on the pupil's and the facilitator's
    screens (the slicer's figures once sliced)."""
    if not seconds:
        return None
    if grams is None:
        return _("environ %(time)s", time=_minutes(seconds))
    return _("environ %(time)s, %(g)s g de plastique", time=_minutes(seconds),
             g=max(1, round(grams)))


# -- the check -----------------------------------------------------------------
def check_mesh(mesh: trimesh.Trimesh, profile: PrinterProfile, *, slice_estimate: bool = True,
               orient: bool = True) -> CheckReport:
    """Run every check; the report's mesh is the oriented mesh resting on z=0."""
    findings: list[Finding] = []
    rotated = False
    if orient and len(mesh.faces):
        mesh, rotated = lay_flat(mesh)
    else:
        mesh = mesh.copy()
        mesh.apply_translation((0, 0, -mesh.bounds[0][2]))
    ext = tuple(float(v) for v in mesh.extents)
    report = CheckReport(findings=findings, mesh=mesh, rotated=rotated,
                         extents=ext)  # type: ignore[arg-type]

    # closed surface
    watertight = bool(mesh.is_watertight)
    if watertight:
        findings.append(Finding("watertight", "ok", _("L'objet est bien fermé."),
                                _("Maillage étanche (%(n)s triangles).", n=len(mesh.faces))))
    else:
        open_edges = int(len(trimesh.grouping.group_rows(mesh.edges_sorted, require_count=1)))
        findings.append(Finding(
            "watertight", "blocking",
            _("L'objet a des trous dans sa surface : l'imprimante ne saurait pas où est "
              "l'intérieur."),
            _("Maillage non étanche : %(n)s arêtes ouvertes (à réparer dans le logiciel de "
              "modélisation).", n=open_edges)))

    # separate pieces, and pieces floating above the bed
    body_floors = _body_floors(mesh)
    floating = body_floors[body_floors > 0.05]
    if len(floating):
        findings.append(Finding(
            "floating", "blocking",
            _("Un morceau de l'objet flotte en l'air : il faut qu'il touche le plateau ou le "
              "reste de l'objet."),
            ngettext("%(num)s corps séparé ne repose pas sur le plateau (z min = %(z).1f mm).",
                     "%(num)s corps séparés ne reposent pas sur le plateau (z min = %(z).1f mm).",
                     len(floating), z=float(floating.min()))))
    elif len(body_floors) > 1:
        findings.append(Finding(
            "bodies", "warning",
            _("L'objet est fait de %(n)s morceaux séparés : ils seront imprimés à part.",
              n=len(body_floors)),
            _("%(n)s corps disjoints posés sur le plateau.", n=len(body_floors))))
    else:
        findings.append(Finding("bodies", "ok", _("L'objet est d'un seul morceau."),
                                _("1 corps.")))

    # size against the build volume
    usable_x, usable_y = profile.usable_xy
    height = profile.build_volume[2]
    fits_xy = (ext[0] <= usable_x and ext[1] <= usable_y) or (
        ext[1] <= usable_x and ext[0] <= usable_y)
    if fits_xy and ext[2] <= height:
        findings.append(Finding(
            "size", "ok", _("L'objet tient sur le plateau."),
            _("%(x).1f × %(y).1f × %(z).1f mm pour un volume utile de %(ux).0f × %(uy).0f × "
              "%(uz).0f mm.", x=ext[0], y=ext[1], z=ext[2], ux=usable_x, uy=usable_y,
              uz=height)))
    else:
        findings.append(Finding(
            "size", "blocking",
            _("L'objet est trop grand pour l'imprimante : rends-le plus petit."),
            _("%(x).1f × %(y).1f × %(z).1f mm, volume utile %(ux).0f × %(uy).0f × %(uz).0f mm "
              "(marge de %(m).0f mm comprise).", x=ext[0], y=ext[1], z=ext[2], ux=usable_x,
              uy=usable_y, uz=height, m=profile.margin)))
    if max(ext) < 5.0:
        findings.append(Finding(
            "tiny", "warning", _("L'objet est minuscule : vérifie sa taille."),
            _("Plus grande dimension %(d).2f mm : fichier exporté en mètres ou en pouces ?",
              d=max(ext))))
    if min(ext) < profile.nozzle_diameter:
        findings.append(Finding(
            "flat", "blocking", _("L'objet est trop fin pour être imprimé."),
            _("Plus petite dimension %(d).2f mm < buse %(n).2f mm.", d=min(ext),
              n=profile.nozzle_diameter)))

    if rotated:
        findings.append(Finding("orientation", "ok",
                                _("L'objet a été tourné pour être posé sur sa face la plus "
                                  "plate."),
                                _("Réorienté : plus grande face plane vers le bas.")))

    # thin walls (only meaningful on a closed surface)
    if watertight:
        thickness, _points = wall_thickness_samples(mesh)
        measured = np.isfinite(thickness)
        thin = measured & (thickness < profile.nozzle_diameter)
        share = float(thin.sum()) / max(1, len(thickness))
        if measured.any():
            thinnest = f"{float(thickness[measured].min()):.2f} mm"
        else:
            thinnest = _("plus de %(r).0f mm", r=THIN_REACH_MM)
        detail = _("%(thin)s des %(n)s points mesurés (%(pct).1f %%) ont une épaisseur "
                   "< %(noz).2f mm (épaisseur minimale mesurée %(min)s).",
                   thin=int(thin.sum()), pct=share * 100, n=len(thickness),
                   noz=profile.nozzle_diameter, min=thinnest)
        if share >= THIN_BLOCK_SHARE:
            findings.append(Finding("thin_walls", "blocking",
                                    _("Beaucoup de parties sont plus fines que la buse de "
                                      "l'imprimante : elles ne sortiraient pas."), detail))
        elif share >= THIN_WARN_SHARE:
            findings.append(Finding("thin_walls", "warning",
                                    _("Certaines parties sont très fines : elles risquent de "
                                      "ne pas s'imprimer ou de casser."), detail))
        else:
            findings.append(Finding("thin_walls", "ok", _("Les parois sont assez épaisses."),
                                    detail))

    # overhangs
    share = overhang_share(mesh)
    detail = _("%(pct).1f %% de la surface penche de plus de %(deg).0f° vers le bas.",
               pct=share * 100, deg=OVERHANG_DEGREES)
    if share >= OVERHANG_WARN_SHARE:
        findings.append(Finding("overhangs", "warning",
                                _("Des parties pendent dans le vide : elles risquent de "
                                  "s'affaisser. Essaie de tourner l'objet."), detail))
    else:
        findings.append(Finding("overhangs", "ok", _("Rien ne pend dans le vide."), detail))

    # time and filament
    if report.printable and slice_estimate:
        try:
            with tempfile.TemporaryDirectory(prefix="mallette-check-") as tmp:
                result = slice_one(mesh, profile, Path(tmp) / "check.gcode")
            if result.print_time_s is not None:
                report.estimate = Estimate(
                    print_time_s=result.print_time_s, filament_g=result.filament_g or 0.0,
                    source="prusaslicer", label=_("estimation de PrusaSlicer"))
        except SlicerUnavailableError:
            pass
        except SlicerError as exc:
            findings.append(Finding("slicing", "warning",
                                    _("Le découpage de l'objet a échoué."), str(exc)))
    if report.estimate is None and watertight and report.printable:
        report.estimate = volume_estimate(mesh, profile)
    if report.estimate is not None:
        est = report.estimate
        findings.append(Finding(
            "estimate", "ok",
            _("Impression d'environ %(time)s avec %(g).0f g de plastique.",
              time=_minutes(est.print_time_s), g=max(1, est.filament_g)),
            _("%(s).0f s, %(g).1f g de filament (%(label)s).", s=est.print_time_s,
              g=est.filament_g, label=est.label)))
    return report
