"""QR codes for the codes page: a tablet's camera opens the join page, code filled in.

The QR carries the join page's address with the code (/rejoindre?code=lapin427): the
page still asks for one tap on "Entrer", so that joining stays a POST with its CSRF token.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode

import segno


def join_url(station_address: str, code: str) -> str:
    """The address a QR code carries: the station's join page with the group's code."""
    return f"{station_address.rstrip('/')}/rejoindre?{urlencode({'code': code})}"


def qr_svg(url: str) -> bytes:
    """An SVG QR code, medium error correction so a projected, slightly blurred code scans."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=8, border=2,
                                                 xmldecl=False, svgns=True,
                                                 title=url)
    return out.getvalue()
