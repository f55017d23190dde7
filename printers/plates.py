"""Plate batching: put several groups' objects on one bed, slice them as one G-code.

Footprints (x/y bounding rectangles of the already-oriented meshes, plus spacing) are
packed with a first-fit-decreasing shelf packer over as many plates as needed: objects
sorted by depth, laid left to right on shelves, a new shelf when a row is full, a new
plate when the bed is. An object may be turned 90° when that is what makes it fit.
A top-view PNG of each plate labels every footprint with its group's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import trimesh

from ground.i18n import _
from printers.profiles import PrinterProfile
from printers.slicing import SliceResult, slice_placed
from printers.text import FONT_CANDIDATES

SPACING_MM = 6.0
COLOURS = [(231, 76, 60), (52, 152, 219), (46, 204, 113), (155, 89, 182), (241, 196, 15),
           (230, 126, 34), (26, 188, 156), (236, 112, 160), (127, 140, 141), (52, 73, 94)]


class PlateError(ValueError):
    """An object that fits on no plate (French message)."""


@dataclass
class PlateItem:
    """One object to print: ``key`` identifies the job, ``group`` labels it on the picture."""

    key: str
    group: str
    mesh: trimesh.Trimesh


@dataclass
class Placement:
    item: PlateItem
    x: float  # min corner of the footprint on the bed, mm
    y: float
    rotated: bool
    width: float
    depth: float

    def placed_mesh(self) -> trimesh.Trimesh:
        mesh = self.item.mesh.copy()
        if self.rotated:
            mesh.apply_transform(trimesh.transformations.rotation_matrix(np.pi / 2, [0, 0, 1]))
        (x0, y0, z0), _max = mesh.bounds
        mesh.apply_translation((self.x - x0, self.y - y0, -z0))
        return mesh


@dataclass
class _Shelf:
    y: float
    depth: float
    used: float = 0.0


@dataclass
class Plate:
    placements: list[Placement] = field(default_factory=list)
    shelves: list[_Shelf] = field(default_factory=list)

    @property
    def groups(self) -> list[str]:
        return sorted({p.item.group for p in self.placements})


def _try_place(plate: Plate, w: float, d: float, usable: tuple[float, float],
               margin: float) -> tuple[float, float] | None:
    uw, ud = usable
    for shelf in plate.shelves:
        if d <= shelf.depth and shelf.used + w <= uw:
            x = margin + shelf.used
            shelf.used += w + SPACING_MM
            return x, shelf.y
    top = plate.shelves[-1].y + plate.shelves[-1].depth + SPACING_MM if plate.shelves else margin
    if top + d <= margin + ud and w <= uw:
        plate.shelves.append(_Shelf(y=top, depth=d, used=w + SPACING_MM))
        return margin, top
    return None


def pack(items: list[PlateItem], profile: PrinterProfile) -> list[Plate]:
    """Pack items onto as few plates as this shelf heuristic manages (each item once)."""
    usable = profile.usable_xy
    sized = []
    for item in items:
        w, d, h = (float(v) for v in item.mesh.extents)
        if h > profile.build_volume[2]:
            raise PlateError(_("« %(key)s » est trop haut pour l'imprimante.", key=item.key))
        # lay the longer side along X: shelves then stay shallow
        rotated = d > w
        if rotated:
            w, d = d, w
        if w > usable[0] or d > usable[1]:
            if d <= usable[0] and w <= usable[1]:
                rotated, w, d = not rotated, d, w
            else:
                raise PlateError(_("« %(key)s » ne tient pas sur le plateau.", key=item.key))
        sized.append((item, w, d, rotated))
    sized.sort(key=lambda s: (-s[2], -s[1]))
    plates: list[Plate] = []
    for item, w, d, rotated in sized:
        for plate in plates:
            spot = _try_place(plate, w, d, usable, profile.margin)
            if spot:
                break
        else:
            plate = Plate()
            plates.append(plate)
            spot = _try_place(plate, w, d, usable, profile.margin)
            if spot is None:  # pragma: no cover - sizes were checked above
                raise PlateError(_("« %(key)s » ne tient pas sur le plateau.", key=item.key))
        plate.placements.append(Placement(item, spot[0], spot[1], rotated, w, d))
    return plates


def slice_plate(plate: Plate, profile: PrinterProfile, out_path: str | Path) -> SliceResult:
    """One G-code printing every object of the plate where the packer put it."""
    return slice_placed([p.placed_mesh() for p in plate.placements], profile, out_path)


def _font(size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default()


def _draw_top_view(draw, mesh: trimesh.Trimesh, colour: tuple[int, int, int],  # type: ignore[no-untyped-def]
                   to_px) -> None:
    """Upward faces seen from above, lower ones first, darker as they rise."""
    up = np.nonzero(mesh.face_normals[:, 2] > 1e-3)[0]
    tris = mesh.triangles[up]
    heights = tris[:, :, 2].mean(axis=1)
    top = max(float(heights.max()) if len(heights) else 1.0, 1e-6)
    base = np.array(colour, dtype=float)
    for i in np.argsort(heights):
        shade = base * (1.0 - 0.45 * heights[i] / top)
        fill = tuple(int(c) for c in shade)
        draw.polygon([to_px(x, y) for x, y, _z in tris[i]], fill=fill, outline=fill)


def render_plate_png(plate: Plate, profile: PrinterProfile, path: str | Path,
                     px_per_mm: float = 3.0) -> Path:
    """Top view of the plate: the bed, each object's outline, its group's name."""
    from PIL import Image, ImageDraw

    bx, by, _bz = profile.build_volume
    pad = 20
    size = (int(bx * px_per_mm) + 2 * pad, int(by * px_per_mm) + 2 * pad)
    img = Image.new("RGB", size, (250, 250, 250))
    draw = ImageDraw.Draw(img)

    def to_px(x: float, y: float) -> tuple[float, float]:
        return pad + x * px_per_mm, pad + (by - y) * px_per_mm  # front of the bed at the bottom

    draw.rectangle([to_px(0, by), to_px(bx, 0)], fill=(235, 235, 235), outline=(90, 90, 90),
                   width=2)
    for g in range(10, int(max(bx, by)), 10):
        if g < bx:
            draw.line([to_px(g, 0), to_px(g, by)], fill=(222, 222, 222))
        if g < by:
            draw.line([to_px(0, g), to_px(bx, g)], fill=(222, 222, 222))
    m = profile.margin
    draw.rectangle([to_px(m, by - m), to_px(bx - m, m)], outline=(180, 180, 180))
    groups = {g: COLOURS[i % len(COLOURS)] for i, g in enumerate(plate.groups)}
    font = _font(max(10, int(4 * px_per_mm)))
    for placement in plate.placements:
        mesh = placement.placed_mesh()
        colour = groups[placement.item.group]
        _draw_top_view(draw, mesh, colour, to_px)
        label = placement.item.group
        box = draw.textbbox((0, 0), label, font=font)
        tw, th = box[2] - box[0], box[3] - box[1]
        # the label sits on the front edge of the object, so the object itself stays visible
        tx, ty = to_px(placement.x + placement.width / 2, placement.y)
        tx = min(max(tx, pad + tw / 2 + 4), size[0] - pad - tw / 2 - 4)
        draw.rectangle([tx - tw / 2 - 3, ty - th / 2 - 3, tx + tw / 2 + 3, ty + th / 2 + 5],
                       fill=(255, 255, 255), outline=colour, width=2)
        draw.text((tx - tw / 2, ty - th / 2 - box[1] + 1), label, fill=(20, 20, 20), font=font)
    path = Path(path)
    img.save(path, format="PNG")
    return path
