"""The packaged Optiscope: self-test, start-up timer, and the PyInstaller build.

- ``gui``: ``python -m gui.app --self-test`` and ``--quit-after-show`` in a
  subprocess on the suite's virtual display.
- ``packaging``: ``bash packaging/build.sh`` (PyInstaller one-folder build,
  then the frozen self-test under xvfb-run), the folder's size, and the frozen
  executable's self-test again here, also as if in a Wayland session where Qt
  ends up on X11 (the PyOpenGL platform trap). Takes 2 to 4 minutes. It runs
  under the README's test command (``bash scripts/test.sh``, pytest from
  .venv) and in CI; see :func:`packaging_wanted` for other interpreters.
- no marker: the desktop entry, the icon and packaging/prune.py.
"""

from __future__ import annotations

import configparser
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DIST = REPO / "dist" / "optiscope"
EXE = DIST / "optiscope"
MAX_BYTES = 250 * 10**6
VERDICT = re.compile(r"^optiscope self-test: OK \(contour, surface, loss drawn; "
                     r"300 steps in [0-9.]+ s\)$", re.M)

sys.path.insert(0, str(REPO / "packaging"))
import prune  # noqa: E402 (packaging/prune.py, not an installed module)


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the suite's Qt and PyOpenGL settings
    (tests/conftest.py forces xcb and GLX): the app must choose by itself."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "PYOPENGL_PLATFORM", "WAYLAND_DISPLAY",
                        "XDG_SESSION_TYPE", "PYTHONPATH")}
    env.update(extra)
    return env


# -- unfrozen ---------------------------------------------------------------------------
@pytest.mark.gui
def test_self_test_passes_unfrozen():
    proc = subprocess.run([sys.executable, "-m", "gui.app", "--self-test"], cwd=REPO,
                          capture_output=True, text=True, timeout=110, env=clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert VERDICT.search(proc.stdout), proc.stdout
    assert len(proc.stdout.strip().splitlines()) == 1  # one line, nothing else on stdout


@pytest.mark.gui
def test_quit_after_show_prints_the_time_to_the_first_window():
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gui.app", "--quit-after-show"], cwd=REPO,
                          capture_output=True, text=True, timeout=110, env=clean_env())
    wall = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    match = re.search(r"^optiscope: first window after ([0-9.]+) s \(([0-9.]+) s of CPU time\)$",
                      proc.stdout, re.M)
    assert match, proc.stdout
    # Measured from the process's own start: positive and within the whole run.
    assert 0.05 < float(match.group(1)) < wall
    assert 0.05 < float(match.group(2)) < 4 * wall  # all threads, on at most a few cores


@pytest.mark.gui
def test_the_option_is_documented_but_the_timer_is_hidden():
    proc = subprocess.run([sys.executable, "-m", "gui.app", "--help"], cwd=REPO,
                          capture_output=True, text=True, timeout=60, env=clean_env())
    assert proc.returncode == 0
    assert "--self-test" in proc.stdout
    assert "--quit-after-show" not in proc.stdout


# -- assets and helpers (no display) ------------------------------------------------------
def test_icon_is_a_256_pixel_png():
    data = (REPO / "assets" / "optiscope.png").read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (256, 256)


def test_desktop_entry_launches_optiscope_with_its_icon():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(REPO / "assets" / "optiscope.desktop", encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Name"] == "Optiscope"
    assert entry["Exec"].split()[0] == "optiscope"
    assert (REPO / "assets" / f"{entry['Icon']}.png").exists()
    assert entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";") and "Education" in entry["Categories"]


def test_elf_needed_entries_are_read_from_the_file():
    # Python's executable (or libpython) links the C library.
    exe = os.path.realpath(sys.executable)
    names = prune.needed(exe)
    assert any(n.startswith("libc.so") or n.startswith("libpython") for n in names), names
    assert prune.needed(__file__) == []  # not ELF


def test_prune_drops_what_only_left_out_files_need(monkeypatch):
    # plugin -> gtk -> cairo; plugin -> glib <- core (kept); unrelated stays.
    graph = {"/src/plugin.so": ["libgtk.so", "libglib.so"], "/src/gtk": ["libcairo.so"],
             "/src/cairo": [], "/src/glib": [], "/src/core": ["libglib.so"],
             "/src/unrelated": []}
    monkeypatch.setattr(prune, "needed", lambda path: graph.get(path, []))
    binaries = [("plugins/themes/plugin.so", "/src/plugin.so", "BINARY"),
                ("libgtk.so", "/src/gtk", "BINARY"), ("libcairo.so", "/src/cairo", "BINARY"),
                ("libglib.so", "/src/glib", "BINARY"), ("core.so", "/src/core", "BINARY"),
                ("libunrelated.so", "/src/unrelated", "BINARY")]
    datas = [("Qt/translations/x.qm", "/src/x.qm", "DATA"), ("assets/a.png", "/src/a", "DATA")]
    kept, kept_data, dropped = prune.prune(binaries, datas,
                                           lambda d: "plugin" in d or "translations" in d)
    assert [e[0] for e in kept] == ["libglib.so", "core.so", "libunrelated.so"]
    assert [e[0] for e in kept_data] == ["assets/a.png"]
    assert set(dropped) == {"plugins/themes/plugin.so", "libgtk.so", "libcairo.so",
                            "Qt/translations/x.qm"}


# -- the frozen build ------------------------------------------------------------------------
def packaging_wanted(config: pytest.Config) -> tuple[bool, str]:
    """Whether to build: always under the README's test command and in CI.

    ``bash scripts/test.sh`` (and so ``.ci/run``) runs pytest with the
    repository's .venv, which packaging/build.sh builds with; so does CI. A
    quick run with another interpreter (a developer's own venv) skips the
    minutes-long build unless asked for with ``-m packaging`` or
    OPTISCOPE_PACKAGING_TESTS=1 (and OPTISCOPE_PACKAGING_TESTS=0 always skips).
    """
    forced = os.environ.get("OPTISCOPE_PACKAGING_TESTS")
    if forced in ("0", "1"):
        return forced == "1", "OPTISCOPE_PACKAGING_TESTS=0"
    markexpr = config.getoption("markexpr", default="") or ""
    if "packaging" in markexpr and "not packaging" not in markexpr:
        return True, ""
    if os.environ.get("CI"):
        return True, ""
    venv = (REPO / ".venv").resolve()
    if Path(sys.prefix).resolve() == venv:
        return True, ""
    return False, ("builds only under the README's test command (pytest from .venv), in CI, "
                   "with -m packaging or OPTISCOPE_PACKAGING_TESTS=1")


@pytest.fixture(scope="module")
def build(request):
    """Run packaging/build.sh once for the module: (completed process, seconds);
    the process's stdout holds stderr too, in order.

    Holds build.sh's lock (build/.packaging.lock) until the module's tests are
    done, so another build in this checkout cannot replace dist/optiscope
    while they run it.
    """
    if not sys.platform.startswith("linux"):
        pytest.skip("the packaging script builds the Linux executable")
    wanted, why = packaging_wanted(request.config)
    if not wanted:
        pytest.skip(why)
    import fcntl

    (REPO / "build").mkdir(exist_ok=True)
    with open(REPO / "build" / ".packaging.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        started = time.perf_counter()
        proc = subprocess.run(["bash", str(REPO / "packaging" / "build.sh")], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=1500,
                              env=clean_env(OPTISCOPE_STARTUP_RUNS="3",
                                            OPTISCOPE_BUILD_LOCK_HELD="1"))
        elapsed = time.perf_counter() - started
        # The figures (size, verdicts, start-up time) go to the test log as it runs.
        plugins = request.config.pluginmanager
        reporter = plugins.get_plugin("terminalreporter")
        capture = plugins.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\npackaging/build.sh: exit {proc.returncode} "
                                    f"after {elapsed:.0f} s")
                for line in proc.stdout.splitlines():
                    if line.startswith(("==>", "optiscope self-test", "frozen ", "error:")):
                        reporter.write_line(f"    {line}")
        yield proc, elapsed


@pytest.mark.packaging
@pytest.mark.timeout(1800)
def test_build_script_builds_and_its_frozen_self_test_passes(build):
    proc, _ = build
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert VERDICT.search(proc.stdout), proc.stdout
    assert "time to first window: median" in proc.stdout
    assert os.access(EXE, os.X_OK)


@pytest.mark.packaging
@pytest.mark.timeout(1800)
def test_folder_is_at_most_250_mb(build):
    assert build[0].returncode == 0
    size = sum(p.lstat().st_size for p in DIST.rglob("*"))
    assert size <= MAX_BYTES, f"dist/optiscope is {size / 1e6:.1f} MB"


@pytest.mark.packaging
@pytest.mark.timeout(1800)
def test_bundle_has_assets_gl_platforms_and_lazy_modules(build):
    assert build[0].returncode == 0
    internal = DIST / "_internal"
    for asset in (REPO / "assets").rglob("*"):
        if asset.is_file():
            assert (internal / "assets" / asset.relative_to(REPO / "assets")).is_file(), asset
    # pyqtgraph's colour maps (cividis) are data files.
    assert list((internal / "pyqtgraph" / "colors" / "maps").glob("*"))
    modules = (REPO / "build" / "pyinstaller" / "optiscope" / "PYZ-00.toc").read_text()
    for name in ("OpenGL.platform.glx", "OpenGL.platform.egl", "OpenGL.arrays.numpymodule",
                 "pyqtgraph.opengl", "core.parse", "gui.self_test"):
        assert f"'{name}'" in modules, name
    # Not bundled: Qt modules Optiscope does not use.
    assert not list(internal.rglob("libQt6Quick*")) and not list(internal.rglob("libQt6Qml*"))
    assert not list(internal.rglob("QtWebEngine*"))


@pytest.mark.packaging
@pytest.mark.gui
@pytest.mark.timeout(1800)
def test_frozen_self_test_on_this_display(build, tmp_path):
    assert build[0].returncode == 0
    proc = subprocess.run([str(EXE), "--self-test"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env=clean_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert VERDICT.search(proc.stdout), proc.stdout


@pytest.mark.packaging
@pytest.mark.gui
@pytest.mark.timeout(1800)
def test_frozen_self_test_in_a_wayland_session_running_qt_on_x11(build, tmp_path):
    # A Wayland session where Qt runs on XWayland (xcb, GLX contexts). Left to
    # itself PyOpenGL would pick EGL from XDG_SESSION_TYPE and the 3-D view
    # would fail; the build's runtime hook makes PyOpenGL follow Qt.
    assert build[0].returncode == 0
    proc = subprocess.run([str(EXE), "--self-test"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120,
                          env=clean_env(XDG_SESSION_TYPE="wayland", QT_QPA_PLATFORM="xcb"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert VERDICT.search(proc.stdout), proc.stdout
