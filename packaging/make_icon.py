"""Draw Optiscope's icon, ``assets/optiscope.png`` (256 x 256), from an SVG.

The picture is the app in miniature: the contour bands of a loss landscape in
the cividis colours the contour view uses (dark = low loss), and a
gradient-descent path in the first racer's colour (vermillion) rolling from the
rim into the minimum, ending in a ball.

Run from the repository root (needs PySide6 with QtSvg, e.g. the .venv)::

    .venv/bin/python packaging/make_icon.py [--size 256] [--out assets/optiscope.png]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

#: cividis at 1, 5/6, ..., 0 (outer, high loss -> centre, low loss).
BANDS = ("#ffea46", "#d4c265", "#a69d75", "#7d7c78", "#575c6d", "#243e6c", "#00204d")
PATH_COLOUR = "#D55E00"  # gui.style.RACE_COLOURS[0]
CENTRE = (128.0, 128.0)


def path_points(n: int = 13) -> list[tuple[float, float]]:
    """Gradient descent on the elongated bowl the bands draw: slow along the
    valley, zig-zagging across it (the picture every lecture on learning rates
    shows), ending in the minimum."""
    cx, cy = CENTRE
    angle = math.radians(-25.0)
    pts = []
    for k in range(n):
        u = -96.0 * 0.78**k  # along the valley
        v = 24.0 * (-0.72) ** k  # across it: overshoots each step
        if k == n - 1:
            u = v = 0.0
        pts.append((cx + u * math.cos(angle) - v * math.sin(angle),
                    cy + u * math.sin(angle) + v * math.cos(angle)))
    return pts


def svg(size: int = 256) -> str:
    """The icon as SVG text, drawn on a 256 x 256 canvas scaled to ``size``."""
    cx, cy = CENTRE
    bands = []
    for i, colour in enumerate(BANDS[1:], start=1):
        rx = 110.0 * (1.0 - (i - 1) / (len(BANDS) - 1)) + 4.0
        bands.append(f'<ellipse cx="{cx}" cy="{cy}" rx="{rx:.1f}" ry="{0.62 * rx:.1f}" '
                     f'transform="rotate(-25 {cx} {cy})" fill="{colour}" '
                     f'stroke="#ffffff" stroke-opacity="0.45" stroke-width="1.5"/>')
    pts = path_points()
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5.5" fill="{PATH_COLOUR}" '
                   f'stroke="#ffffff" stroke-width="1.5"/>' for x, y in pts[:-1])
    bx, by = pts[-1]
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"
     viewBox="0 0 256 256">
  <rect x="8" y="8" width="240" height="240" rx="44" fill="{BANDS[0]}" stroke="#00204d"
        stroke-width="6"/>
  {''.join(bands)}
  <polyline points="{line}" fill="none" stroke="#000000" stroke-opacity="0.45"
            stroke-width="11" stroke-linejoin="round" stroke-linecap="round"/>
  <polyline points="{line}" fill="none" stroke="{PATH_COLOUR}" stroke-width="6"
            stroke-linejoin="round" stroke-linecap="round"/>
  {dots}
  <circle cx="{bx:.1f}" cy="{by:.1f}" r="19" fill="{PATH_COLOUR}" stroke="#ffffff"
          stroke-width="6"/>
</svg>
"""


def render(size: int, out: Path) -> None:
    """Render :func:`svg` with QtSvg into a transparent ``size`` x ``size`` PNG."""
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(["make_icon", "-platform", "offscreen"])
    renderer = QSvgRenderer(QByteArray(svg(size).encode()))
    if not renderer.isValid():
        raise RuntimeError("the icon's SVG is invalid")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise RuntimeError(f"could not write {out}")
    del app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "assets" / "optiscope.png")
    args = parser.parse_args(argv)
    render(args.size, args.out)
    print(f"wrote {args.out} ({args.size} x {args.size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
