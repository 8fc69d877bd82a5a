"""How everything looks: text size, light/dark theme and presentation mode.

One :data:`CURRENT` appearance is shared by every view; :func:`apply` pushes
it to the whole window (Qt widgets and every pyqtgraph plot), so Ctrl+Plus
scales widgets, axes, labels, legends and explanation text together.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from .style import elastic_title

SCALE_MIN, SCALE_MAX, SCALE_STEP = 0.7, 3.0, 1.15


@dataclass(frozen=True)
class Theme:
    """Colours of one theme."""

    name: str
    window: str
    base: str
    text: str
    plot_background: str
    plot_foreground: str
    button: str
    highlight: str


THEMES = {
    # High contrast for projectors: pure white plots, black text.
    "light": Theme("light", "#f4f4f4", "#ffffff", "#000000", "#ffffff", "#000000", "#e8e8e8",
                   "#0072B2"),
    "dark": Theme("dark", "#1f1f1f", "#2a2a2a", "#f2f2f2", "#121212", "#f2f2f2", "#383838",
                  "#56B4E9"),
}


@dataclass
class Appearance:
    """Text scale, theme and whether lines and balls are drawn extra large."""

    scale: float = 1.0
    theme: str = "light"
    presentation: bool = False
    base_point_size: float = 10.0

    @property
    def line_width(self) -> float:
        """Width of path and loss lines in pixels."""
        return (5.0 if self.presentation else 3.0) * min(self.scale, 2.0) ** 0.5

    @property
    def ball_size(self) -> float:
        """Diameter of the balls in pixels."""
        return (28.0 if self.presentation else 18.0) * min(self.scale, 2.0) ** 0.5

    @property
    def point_size(self) -> float:
        """Point size of ordinary text."""
        return self.base_point_size * self.scale

    @property
    def colours(self) -> Theme:
        """The current theme's colours."""
        return THEMES[self.theme]


CURRENT = Appearance()


def scale_by(factor: float) -> float:
    """Multiply the text scale by ``factor`` within its limits; returns the new scale."""
    CURRENT.scale = min(max(CURRENT.scale * factor, SCALE_MIN), SCALE_MAX)
    return CURRENT.scale


def apply(root: QWidget) -> None:
    """Push :data:`CURRENT` to the application and to every plot under ``root``."""
    app = QApplication.instance()
    theme = CURRENT.colours
    font = QFont(app.font())
    font.setPointSizeF(CURRENT.point_size)
    app.setFont(font)
    palette = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, theme.window),
                         (QPalette.ColorRole.Base, theme.base),
                         (QPalette.ColorRole.AlternateBase, theme.window),
                         (QPalette.ColorRole.Text, theme.text),
                         (QPalette.ColorRole.WindowText, theme.text),
                         (QPalette.ColorRole.ButtonText, theme.text),
                         (QPalette.ColorRole.Button, theme.button),
                         (QPalette.ColorRole.Highlight, theme.highlight),
                         (QPalette.ColorRole.ToolTipBase, theme.base),
                         (QPalette.ColorRole.ToolTipText, theme.text)):
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    style_tree(root)


def style_tree(root: QWidget) -> None:
    """Fonts and plot styles of :data:`CURRENT` for ``root`` and every widget under it
    (also for views built after :func:`apply`, such as a tab opened for the first time)."""
    font = QFont(QApplication.instance().font())
    font.setPointSizeF(CURRENT.point_size)
    for widget in [root, *root.findChildren(QWidget)]:
        widget.setFont(font) if not widget.property("keepFont") else None
        if isinstance(widget, pg.PlotWidget):
            style_plot(widget.getPlotItem(), widget)
    for widget in [root, *root.findChildren(QWidget)]:
        hook = getattr(widget, "appearance_changed", None)
        if callable(hook):
            hook()


def style_plot(item: pg.PlotItem, widget: pg.PlotWidget | None = None) -> None:
    """Fonts and colours of one pyqtgraph plot."""
    theme = CURRENT.colours
    size = CURRENT.point_size
    font = QFont()
    font.setPointSizeF(size)
    if widget is not None:
        widget.setBackground(theme.plot_background)
    for name in ("left", "bottom", "right", "top"):
        axis = item.getAxis(name)
        axis.setStyle(tickFont=font)
        axis.setPen(pg.mkPen(theme.plot_foreground))
        axis.setTextPen(pg.mkPen(theme.plot_foreground))
        axis.label.setFont(font)
    item.titleLabel.setAttr("size", f"{size * 1.15:.1f}pt")
    item.titleLabel.setAttr("color", theme.plot_foreground)
    elastic_title(item)
    item.titleLabel.setText(item.titleLabel.text)
    legend = item.legend
    if legend is not None:
        legend.setLabelTextSize(f"{size:.1f}pt")
        legend.setLabelTextColor(theme.plot_foreground)
        # see-through: a curve running under the legend (the upper right, where
        # a slow run's loss often is) stays visible behind the labels
        backdrop = QColor(theme.plot_background).lighter(105)
        backdrop.setAlpha(190)
        legend.setBrush(pg.mkBrush(backdrop))
