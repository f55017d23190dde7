"""Pictures of a checked object, for the facilitator's queue.

why here: drawing a mesh is the printing library's work (the mesh workers call it with no
station around them); the station only keeps the file it gives.
"""

from __future__ import annotations

from pathlib import Path

import trimesh

PICTURE_MAX_TRIANGLES = 200_000


def render_object_png(mesh: trimesh.Trimesh, path: Path, size: int = 360) -> Path:
    """A shaded view of the object from the front and above, for the facilitator's queue."""
    import numpy as np
    from PIL import Image, ImageDraw

    if len(mesh.faces) > PICTURE_MAX_TRIANGLES:
        mesh = mesh.convex_hull
    turn = trimesh.transformations.rotation_matrix(np.radians(-25), [0, 0, 1])
    tilt = trimesh.transformations.rotation_matrix(np.radians(-55), [1, 0, 0])
    rot = (tilt @ turn)[:3, :3]
    points = (mesh.vertices - mesh.bounds.mean(axis=0)) @ rot.T
    normals = mesh.face_normals @ rot.T
    tris = points[mesh.faces]
    facing = normals[:, 2] > 0
    span = float(np.ptp(points[:, :2], axis=0).max()) or 1.0
    scale = size * 0.86 / span
    light = np.clip(0.35 + 0.65 * normals @ np.array([0.3, 0.5, 0.81]), 0.2, 1.0)
    img = Image.new("RGB", (size, size), (244, 246, 251))
    draw = ImageDraw.Draw(img)
    for i in np.argsort(tris[:, :, 2].mean(axis=1)):  # far faces first
        if not facing[i]:
            continue
        xy = [(size / 2 + x * scale, size / 2 - y * scale) for x, y, _z in tris[i]]
        shade = float(light[i])
        draw.polygon(xy, fill=(int(243 * shade), int(156 * shade), int(18 * shade)))
    img.save(path, format="PNG")
    return path
