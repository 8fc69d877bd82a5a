"""Colours and fonts shared by every view."""

from __future__ import annotations

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
    "stopped": "#555555",
    "running": "#2c3e50",
    "idle": "#2c3e50",
}


def race_colour(index: int) -> str:
    """Colour of the ``index``-th racing method."""
    return RACE_COLOURS[index % len(RACE_COLOURS)]
