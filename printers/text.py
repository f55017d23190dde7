"""Raised text (pupils' first names) as solid geometry, offline.

Glyph outlines come from a TrueType font shipped by Debian (fonts-dejavu-core),
read with fontTools; curves are flattened into polygons, filled with the
non-zero rule (so holes in "a", "e", "o" stay open) and extruded by manifold3d.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import manifold3d
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from ground.i18n import _

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
    "/usr/local/share/fonts/DejaVuSans-Bold.ttf",
)
CURVE_STEPS = 6  # segments per quadratic/cubic curve: smooth enough at 0.4 mm nozzle


class TextError(ValueError):
    """Text that cannot be turned into geometry (French message)."""


def font_path() -> Path:
    """The font file: $MALLETTE_FONT, else DejaVu Sans Bold from fonts-dejavu-core."""
    env = os.environ.get("MALLETTE_FONT")
    for candidate in ([env] if env else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise TextError(_("Police de caractères introuvable : installez le paquet "
                      "fonts-dejavu-core (ou indiquez MALLETTE_FONT)."))


@lru_cache(maxsize=2)
def _font(path: str) -> TTFont:
    return TTFont(path, lazy=True)


class _FlattenPen(BasePen):
    """Collect glyph contours as lists of points, curves cut into straight segments."""

    def __init__(self, glyphset: object) -> None:
        super().__init__(glyphset)
        self.contours: list[list[tuple[float, float]]] = []
        self._current: list[tuple[float, float]] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self._current = [pt]

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self._current.append(pt)

    def _curveToOne(self, p1, p2, p3) -> None:  # type: ignore[no-untyped-def]
        p0 = self._getCurrentPoint()
        for i in range(1, CURVE_STEPS + 1):
            t = i / CURVE_STEPS
            a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3
            self._current.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                                  a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))

    def _qCurveToOne(self, p1, p2) -> None:  # type: ignore[no-untyped-def]
        p0 = self._getCurrentPoint()
        for i in range(1, CURVE_STEPS + 1):
            t = i / CURVE_STEPS
            a, b, c = (1 - t) ** 2, 2 * (1 - t) * t, t**2
            self._current.append((a * p0[0] + b * p1[0] + c * p2[0],
                                  a * p0[1] + b * p1[1] + c * p2[1]))

    def _closePath(self) -> None:
        if len(self._current) >= 3:
            self.contours.append(self._current)
        self._current = []

    _endPath = _closePath


def text_outline(text: str, size: float) -> manifold3d.CrossSection:
    """The 2D outline of ``text``, capital letters ``size`` mm tall, starting at x=0, y=0."""
    font = _font(str(font_path()))
    cmap = font.getBestCmap()
    glyphset = font.getGlyphSet()
    hmtx = font["hmtx"]
    os2 = font["OS/2"]
    cap_height = getattr(os2, "sCapHeight", 0) or font["head"].unitsPerEm * 0.73
    scale = size / cap_height
    contours = []
    x = 0.0
    for char in text:
        code = ord(char)
        if code not in cmap:
            raise TextError(_("La lettre « %(char)s » n'existe pas dans la police.", char=char))
        name = cmap[code]
        pen = _FlattenPen(glyphset)
        glyphset[name].draw(pen)
        for contour in pen.contours:
            contours.append([((x + px) * scale, py * scale) for px, py in contour])
        x += hmtx[name][0]
    if not contours:
        raise TextError(_("Le texte « %(text)s » ne contient aucune lettre à imprimer.",
                          text=text))
    return manifold3d.CrossSection(contours, manifold3d.FillRule.NonZero)


def text_faces(text: str) -> int:
    """Triangles the extruded text will have, from its glyphs' corners (sides and caps).

    why: checked before building, so a model repeating a long text hundreds of times is
    refused in milliseconds instead of being built for a minute; counted per glyph (and
    cached per letter) so that many different texts cost the station next to nothing.
    """
    return sum(4 * _glyph_points(char) + 8 for char in text)


@lru_cache(maxsize=512)
def _glyph_points(char: str) -> int:
    font = _font(str(font_path()))
    name = font.getBestCmap().get(ord(char))
    if name is None:
        raise TextError(_("La lettre « %(char)s » n'existe pas dans la police.", char=char))
    pen = _FlattenPen(font.getGlyphSet())
    font.getGlyphSet()[name].draw(pen)
    return sum(len(c) for c in pen.contours)
