"""Small helpers for the sentences core and the views write for students."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``n`` and ``word``, with an "s" unless there is exactly one.

    >>> plural(1, "step"), plural(2, "step"), plural(0, "evaluation")
    ('1 step', '2 steps', '0 evaluations')
    """
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
