"""``core`` is a numpy-only library: importing it must not pull in any GUI stack.

The check runs in a fresh interpreter, because this test process may already
have imported Qt (pytest-qt, other test modules, conftest.py).
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys

import core

ROOT = pathlib.Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "pyqtgraph", "OpenGL", "shiboken6", "superqt", "PyQt5", "PyQt6")

PROBE = f"""
import json, sys
import core
import core.methods, core.problems, core.runner
core.run("bowl", "gd", [1.0, 1.0], steps=5, lr=0.1)
forbidden = {FORBIDDEN!r}
bad = sorted(m for m in sys.modules if m.startswith(forbidden))
print(json.dumps(bad))
"""


def test_importing_core_imports_no_gui_module():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing core loaded GUI modules: {loaded}"


def test_core_modules_do_not_mention_gui_packages_in_imports():
    # A cheap second line of defence that also covers modules core imports lazily.
    for path in pathlib.Path(core.__file__).parent.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                words = stripped.replace(",", " ").split()
                top = [w.split(".")[0] for w in words[1:2]]
                assert not set(top) & set(FORBIDDEN), f"{path.name}: {stripped}"
