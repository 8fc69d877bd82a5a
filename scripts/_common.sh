# shellcheck shell=bash
# Shared by scripts/test.sh and scripts/run.sh: source it, do not run it.
#
# Provides REPO_ROOT, VENV_DIR, VENV_PYTHON and the functions
#   apt_install_missing PKG...   install the Debian packages not yet installed
#   ensure_venv                  create .venv (or reuse a working one)
#   pip_install_editable SPEC    pip install -e SPEC into .venv, quietly
#
# Settings read from the environment:
#   PYTHON   interpreter that creates .venv (default: python3; needs >= 3.10)

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_DIR="$REPO_ROOT/.venv"
VENV_PYTHON="$VENV_DIR/bin/python"
PYTHON="${PYTHON:-python3}"

# Debian 12 packages that PySide6-Essentials' xcb platform plugin and Qt's
# OpenGL support load at run time. Found with `readelf -d` (NEEDED entries) on
# libQt6Core/Gui/Widgets/OpenGL/OpenGLWidgets/DBus/XcbQpa, platforms/libqxcb.so
# and xcbglintegrations/*.so of the PySide6-Essentials 6.12 wheel, mapped to
# packages with `dpkg -S`. libc6, libstdc++6, zlib1g and libzstd1 are also
# needed but are on every Debian system. Qt 6 no longer uses xinerama, so
# libxcb-xinerama0 (a Qt 5 requirement) is not listed.
QT_RUNTIME_DEBS=(
    # OpenGL through glvnd + Mesa. libglx-mesa0 is the GLX vendor library and
    # libgl1-mesa-dri holds the software rasterisers (llvmpipe/softpipe)
    # that draw GL under Xvfb or on machines without a GPU driver.
    libgl1 libegl1 libglx-mesa0 libgl1-mesa-dri
    # X11/xcb client libraries that libQt6XcbQpa and the GLX integration need.
    libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4
    libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0
    libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1
    libxcb-xfixes0 libxcb-xkb1 libxkbcommon0 libxkbcommon-x11-0
    # Text: Qt ships no fonts, and without one it logs warnings and draws none.
    libfontconfig1 libfreetype6 fonts-dejavu-core
    # QtCore links GLib (event loop); QtDBus links libdbus.
    libglib2.0-0 libdbus-1-3
)

log() { printf '==> %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Run a command as root: directly when we are root, otherwise through sudo.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root to run: $* (install sudo, or run this script as root)"
    fi
}

_apt_updated=0

# Install those of the given Debian packages that are not installed yet.
# `apt-get update` runs at most once per script run, and only when something
# is missing, so a machine that already has everything is left untouched.
apt_install_missing() {
    if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
        log "not a Debian-like system: make sure these are installed yourself: $*"
        return 0
    fi
    local pkg missing=()
    for pkg in "$@"; do
        # `dpkg -s` also succeeds for removed packages whose config files
        # remain, so look at the status itself.
        if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed$'; then
            missing+=("$pkg")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing Debian packages: ${missing[*]}"
    if [ "$_apt_updated" -eq 0 ]; then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        _apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Create $VENV_DIR with $PYTHON, or reuse it if its interpreter still works.
ensure_venv() {
    if [ -x "$VENV_PYTHON" ] &&
        "$VENV_PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
        return 0
    fi
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found (set PYTHON=/path/to/python3.10+)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
        die "$PYTHON is $("$PYTHON" -V 2>&1); Optiscope needs Python 3.10 or newer"
    log "creating virtual environment $VENV_DIR"
    rm -rf "$VENV_DIR"
    # Debian's python3 cannot create a venv (no ensurepip) until python3-venv
    # is installed, so try first and install it only when that fails.
    if ! "$PYTHON" -m venv "$VENV_DIR" >/dev/null 2>&1; then
        rm -rf "$VENV_DIR"
        apt_install_missing python3-venv
        "$PYTHON" -m venv "$VENV_DIR" || die "could not create $VENV_DIR with $PYTHON"
    fi
}

# pip install -e SPEC into the venv. -q hides progress; errors still print.
pip_install_editable() {
    log "installing $1 into .venv"
    (cd "$REPO_ROOT" && "$VENV_PYTHON" -m pip install -q --disable-pip-version-check -e "$1")
}
