#!/usr/bin/env bash
# Build the one-folder executable dist/optiscope/optiscope and check it.
#
#   bash packaging/build.sh
#
# Steps: Debian packages the build and the check need (only those missing;
# sudo if not root), .venv with Optiscope (`pip install -e .`) and PyInstaller,
# PyInstaller with packaging/optiscope.spec (work files in build/pyinstaller),
# then checks on the result:
#   - the folder's size (fails above OPTISCOPE_MAX_MB, default 250 MB);
#   - `dist/optiscope/optiscope --self-test` on a virtual X display (Xvfb with
#     GLX), in an almost empty environment, from outside the repository:
#     fails when the self-test fails;
#   - the same self-test in a Wayland session (Weston's headless back end with
#     GL; Qt's wayland platform, EGL): fails when it fails;
#   - the time to the first window, median of OPTISCOPE_STARTUP_RUNS runs
#     (default 5; 0 skips it), from benchmarks/bench_startup_frozen.py.
#
# Settings read from the environment:
#   PYTHON                  interpreter that creates .venv (see scripts/_common.sh)
#   OPTISCOPE_MAX_MB        size limit of dist/optiscope in MB (10^6 bytes), default 250
#   OPTISCOPE_STARTUP_RUNS  runs for the start-up timing, default 5
#   OPTISCOPE_WAYLAND_TEST  0 skips the Wayland self-test (default 1)
set -euo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/_common.sh"

# PyInstaller 6.10+ knows PySide6 6.8+ and Python 3.13; 7 may change the spec format.
PYINSTALLER_SPEC='pyinstaller>=6.10,<7'
MAX_MB="${OPTISCOPE_MAX_MB:-250}"
STARTUP_RUNS="${OPTISCOPE_STARTUP_RUNS:-5}"
WAYLAND_TEST="${OPTISCOPE_WAYLAND_TEST:-1}"
DIST_DIR="$REPO_ROOT/dist/optiscope"
EXE="$DIST_DIR/optiscope"
XVFB_SERVER_ARGS="-screen 0 1600x1000x24 +extension GLX +render -noreset"

build_started=$SECONDS

# One build at a time in this checkout (two test runs at once would otherwise
# write the same dist/optiscope): wait for the other one to finish. The
# packaging tests take this lock themselves and say so.
mkdir -p "$REPO_ROOT/build"
if [ "${OPTISCOPE_BUILD_LOCK_HELD:-0}" != 1 ] && command -v flock >/dev/null 2>&1; then
    exec 9>"$REPO_ROOT/build/.packaging.lock"
    if ! flock -n 9; then
        log "another packaging/build.sh is running in this checkout; waiting for it"
        flock 9
    fi
fi

# binutils: PyInstaller reads shared libraries with objdump/objcopy (and
# strip). xvfb + xauth: the frozen self-test runs on a virtual X display
# (xvfb-run); weston is the Wayland compositor for the second self-test.
debs=(binutils xvfb xauth "${QT_RUNTIME_DEBS[@]}")
[ "$WAYLAND_TEST" = 0 ] || debs+=(weston libwayland-egl1 libegl-mesa0)
apt_install_missing "${debs[@]}"
ensure_venv
# PyInstaller bundles the interpreter's shared library. Debian's python3.X has
# it in a separate package (libpython3.X), not installed by default.
read -r py_ver py_soname py_libdir < <("$VENV_PYTHON" -c 'import sys, sysconfig as s
print(f"{sys.version_info[0]}.{sys.version_info[1]}", s.get_config_var("INSTSONAME"),
      s.get_config_var("LIBDIR"))')
if [ ! -e "$py_libdir/$py_soname" ] && ! /sbin/ldconfig -p 2>/dev/null | grep -q "$py_soname"; then
    apt_install_missing "libpython$py_ver"
fi
pip_install_editable "."
log "installing $PYINSTALLER_SPEC into .venv"
"$VENV_PYTHON" -m pip install -q --disable-pip-version-check "$PYINSTALLER_SPEC"

cd "$REPO_ROOT"
log "PyInstaller $("$VENV_PYTHON" -m PyInstaller --version): packaging/optiscope.spec"
"$VENV_PYTHON" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$REPO_ROOT/dist" --workpath "$REPO_ROOT/build/pyinstaller" \
    packaging/optiscope.spec
[ -x "$EXE" ] || die "PyInstaller did not produce $EXE"
build_seconds=$((SECONDS - build_started))

# Size: apparent bytes of every file, in MB of 10^6 bytes.
bytes=$(du -sb "$DIST_DIR" | cut -f1)
size_mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
log "dist/optiscope: $size_mb MB in $(find "$DIST_DIR" -type f | wc -l) files (limit $MAX_MB MB)"
awk -v b="$bytes" -v m="$MAX_MB" 'BEGIN { exit !(b <= m * 1e6) }' ||
    die "dist/optiscope is $size_mb MB, more than the $MAX_MB MB allowed"

# A private XDG_RUNTIME_DIR (Qt warns without one) and a scratch working directory.
scratch="$(mktemp -d)"
weston_pid=""
cleanup() {
    if [ -n "$weston_pid" ]; then
        kill "$weston_pid" 2>/dev/null || true
        wait "$weston_pid" 2>/dev/null || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT
mkdir -m 700 "$scratch/runtime"

# Frozen self-test: nothing from the repository, the venv or the caller's Qt
# and PyOpenGL settings may help it, so run it from elsewhere with a minimal
# environment (PATH only for xvfb-run's own tools).
log "dist/optiscope/optiscope --self-test (under xvfb-run)"
status=0
verdict=$(cd "$scratch" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$scratch" \
    XDG_RUNTIME_DIR="$scratch/runtime" LANG=C.UTF-8 \
    timeout 300 xvfb-run -a -s "$XVFB_SERVER_ARGS" "$EXE" --self-test) || status=$?
printf '%s\n' "$verdict"
[ "$status" -eq 0 ] || die "the frozen self-test failed (exit $status)"
case "$verdict" in
*"optiscope self-test: OK"*) ;;
*) die "the frozen self-test printed no OK verdict" ;;
esac

# The same under Wayland: Qt picks its wayland platform (EGL contexts) from
# XDG_SESSION_TYPE/WAYLAND_DISPLAY and PyOpenGL must then use its EGL module.
# Weston's headless back end renders with Mesa's software GL; its desktop
# shell gives windows the usual xdg-shell surfaces.
if [ "$WAYLAND_TEST" != 0 ]; then
    log "dist/optiscope/optiscope --self-test (Wayland: weston --backend=headless-backend.so)"
    wl_dir="$scratch/wayland"
    mkdir -m 700 "$wl_dir"
    (cd "$scratch" && exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$scratch" \
        XDG_RUNTIME_DIR="$wl_dir" LIBGL_ALWAYS_SOFTWARE=1 \
        weston --backend=headless-backend.so --use-gl --socket=optiscope-wayland \
        --width=1600 --height=1000 --idle-time=0 >"$scratch/weston.log" 2>&1) &
    weston_pid=$!
    for _ in $(seq 100); do
        [ -S "$wl_dir/optiscope-wayland" ] && break
        sleep 0.1
    done
    [ -S "$wl_dir/optiscope-wayland" ] || {
        cat "$scratch/weston.log" >&2
        die "weston did not start"
    }
    status=0
    verdict=$(cd "$scratch" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$scratch" \
        XDG_RUNTIME_DIR="$wl_dir" WAYLAND_DISPLAY=optiscope-wayland XDG_SESSION_TYPE=wayland \
        LIBGL_ALWAYS_SOFTWARE=1 LANG=C.UTF-8 timeout 300 "$EXE" --self-test) || status=$?
    printf '%s\n' "$verdict"
    kill "$weston_pid" 2>/dev/null || true
    wait "$weston_pid" 2>/dev/null || true
    weston_pid=""
    [ "$status" -eq 0 ] || die "the frozen self-test under Wayland failed (exit $status)"
    case "$verdict" in
    *"optiscope self-test: OK"*) ;;
    *) die "the frozen self-test under Wayland printed no OK verdict" ;;
    esac
fi

if [ "$STARTUP_RUNS" -gt 0 ]; then
    log "time to the first window (frozen, $STARTUP_RUNS runs)"
    (cd "$scratch" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$scratch" \
        XDG_RUNTIME_DIR="$scratch/runtime" LANG=C.UTF-8 \
        xvfb-run -a -s "$XVFB_SERVER_ARGS" "$VENV_PYTHON" \
        "$REPO_ROOT/benchmarks/bench_startup_frozen.py" --frozen "$EXE" --no-unfrozen \
        --runs "$STARTUP_RUNS")
fi

log "built $EXE: $size_mb MB, build and install took ${build_seconds} s"
