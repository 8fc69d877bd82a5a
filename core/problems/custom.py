"""The problem typed by the user: ``core.get_problem("custom", text="x**2 + y**2")``.

A registry entry around :func:`core.parse.parse_function`, so the Dataset
panel can list it and every registry-wide test covers it (with the default
text).
"""

from __future__ import annotations

from .base import Problem, register_problem

DEFAULT_TEXT = "sin(3*x)*y + x**2/4"


@register_problem(
    "custom", "Your own function", "custom",
    "type f(x) or f(x, y); derivatives are worked out symbolically",
)
def custom(text: str = DEFAULT_TEXT, domain: object = None) -> Problem:
    from ..parse import parse_function

    return parse_function(text, domain=domain)
