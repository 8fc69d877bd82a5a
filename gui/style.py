"""Colours and fonts shared by every view."""

from __future__ import annotations

import types

import pyqtgraph as pg
from PySide6.QtCore import Qt

#: Okabe–Ito colour-blind-safe palette, ordered for contrast on the cividis map.
RACE_COLOURS = (
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#0072B2",  # blue
    "#FFFFFF",  # white
    "#F0E442",  # yellow (last: it vanishes on the yellow end of cividis)
)

COLOUR_MAP = "cividis"
STATUS_COLOURS = {
    "converged": "#1b7837",
    "diverged": "#b2182b",
    "max_steps": "#8c510a",
    "qualified": "#8c510a",  # converged, but on a flat spot or in a worse minimum
    "stopped": "#555555",
    "running": "#2c3e50",
    "idle": "#2c3e50",
}


def race_colour(index: int) -> str:
    """Colour of the ``index``-th racing method."""
    return RACE_COLOURS[index % len(RACE_COLOURS)]


def set_title(plot, text: str) -> None:
    """Title a pyqtgraph plot (a PlotWidget or PlotItem).

    pyqtgraph makes a title's width the plot's minimum width, so a long title
    would push the plot wider than its pane and the pane would cut off the
    right of the plot (axis, data and all); here a title too long for its plot
    ends in "…" instead, and its tooltip holds the whole text.
    """
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    elastic_title(item)
    item.setTitle(text)


def elastic_title(item) -> None:
    """Let the plot ``item`` be narrower than its title (see :func:`set_title`).

    The label keeps the whole title as its ``text`` (theme changes set it
    again from there); only what it shows is shortened to its width.
    """
    label = item.titleLabel
    if getattr(label, "_elastic", False):
        return
    label._elastic = True
    label.updateMin = types.MethodType(_update_min_height_only, label)
    label._eliding = False
    show_text = label.setText  # pyqtgraph's: sets ``text``, shows it, calls resizeEvent(None)
    resized = label.resizeEvent

    def set_text(text, **args) -> None:
        label.opts.update(args)
        label.text = text
        _elide(label, show_text)

    def resize_event(event) -> None:
        if not label._eliding and event is not None:
            _elide(label, show_text)
        resized(event)

    label.setText = set_text
    label.resizeEvent = resize_event
    label.updateMin()


def _elide(label, show_text) -> None:
    """Show as much of ``label.text`` as fits the label's width, then "…"."""
    full = label.text
    width = label.size().width()
    label._eliding = True
    try:
        show_text(full)
        fits = lambda: label.itemRect().width() <= width  # noqa: E731
        if width <= 0 or "<" in full or fits():  # not laid out yet, rich text, or short
            label.setToolTip("")
            return
        low, high = 0, len(full)  # the longest prefix that fits, with its ellipsis
        while low < high:
            mid = (low + high + 1) // 2
            show_text(full[:mid].rstrip() + "…")
            low, high = (mid, high) if fits() else (low, mid - 1)
        show_text(full[:low].rstrip() + "…")
        label.setToolTip(full)
    finally:
        label.text = full
        label._eliding = False


def _update_min_height_only(label) -> None:
    """pyqtgraph's LabelItem.updateMin (called on every text change and resize),
    without the width: the title asks for its height only."""
    height = label.itemRect().height()
    label.setMinimumWidth(0)
    label.setMinimumHeight(height)
    label._sizeHint = {Qt.SizeHint.MinimumSize: (0, height),
                       Qt.SizeHint.PreferredSize: (0, height),
                       Qt.SizeHint.MaximumSize: (-1, -1),
                       Qt.SizeHint.MinimumDescent: (0, 0)}
    label.updateGeometry()


def draw_fast(plot, fast: bool) -> None:
    """Draw ``plot``'s curves without antialiasing while ``fast`` (a run animating).

    A software painter takes about twice as long for antialiased curves (the
    contour map's paint 8 → 4 ms, the loss plot's 5 → 3 ms with 8 racers): a
    moving picture drops it, and the still picture gets it back.
    """
    smooth = not fast
    for item in plot.getPlotItem().listDataItems():
        if isinstance(item, pg.PlotDataItem) and item.opts.get("antialias") != smooth:
            item.opts["antialias"] = smooth
            item = item.curve
        if isinstance(item, pg.PlotCurveItem) and item.opts.get("antialias") != smooth:
            item.opts["antialias"] = smooth
            item.update()


def no_scene_index(plot) -> None:
    """Let ``plot``'s scene keep no spatial index of its items.

    Qt's default index (a BSP tree) asks every item that changed for its
    bounding rectangle to re-file it, and a pyqtgraph curve computes that in
    Python: with 16 curves changing every frame of a race that was the largest
    single cost of a frame.  A plot holds a few dozen items; finding them
    without an index costs nothing noticeable.
    """
    from PySide6.QtWidgets import QGraphicsScene

    plot.scene().setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)


class FramedCurve(pg.PlotCurveItem):
    """A curve whose bounding rectangle is its plot's visible area.

    pyqtgraph works out a curve's true bounds in Python from all its points
    (NaN-aware minima and maxima, pen width in pixels) whenever the data
    change, and a scene asks for them again when it takes the change: with
    16 curves changing in every frame of a race that was a millisecond and a
    half per frame.  What the visible area's rectangle covers is all that can
    be drawn (a plot clips its items to it), so it serves as well and costs a
    lookup.  Only for plots whose range the program sets (no auto-range,
    which would ask for the data's bounds instead) and that keep no scene
    index (see :func:`no_scene_index`): the rectangle changes with the view.
    """

    def boundingRect(self):  # noqa: N802 (Qt override)
        vb = self.getViewBox()
        return super().boundingRect() if vb is None else vb.viewRect()
