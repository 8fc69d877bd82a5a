"""gui.throttle.Throttled: at most one call per interval, with the latest arguments."""

from __future__ import annotations

import pytest

from gui.throttle import Throttled

pytestmark = pytest.mark.gui


def test_leading_call_goes_through_and_later_calls_merge(qtbot):
    calls = []
    t = Throttled(lambda *a: calls.append(a), 100)
    t(1)
    assert calls == [(1,)]  # at once
    t(2)
    t(3)
    assert calls == [(1,)] and t.pending
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=1000)
    assert calls == [(1,), (3,)]  # once, with the latest arguments
    qtbot.wait(250)
    assert calls == [(1,), (3,)] and not t.pending  # nothing more without new calls
    t(4)
    assert calls[-1] == (4,)  # idle again: at once


def test_trailing_only_waits_for_the_interval(qtbot):
    calls = []
    t = Throttled(lambda *a: calls.append(a), 50, leading=False)
    t("a")
    t("b")
    assert calls == []
    qtbot.waitUntil(lambda: calls == [("b",)], timeout=1000)


def test_cancel_forgets_the_pending_call(qtbot):
    calls = []
    t = Throttled(lambda *a: calls.append(a), 50)
    t(1)
    t(2)
    t.cancel()
    qtbot.wait(150)
    assert calls == [(1,)]
    t(3)
    assert calls == [(1,), (3,)]
