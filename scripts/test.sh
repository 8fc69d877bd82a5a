#!/usr/bin/env bash
# The one test command: installs what a headless Qt + OpenGL test run needs,
# then lints and runs the test suite.
#
#   bash scripts/test.sh                 # everything
#   bash scripts/test.sh -m "not gui"    # arguments go to pytest unchanged
#
# Steps: Debian packages (only those missing; sudo if not root), .venv with
# `pip install -e ".[test]"`, `ruff check .`, `python -m pytest "$@"`.
# Exits with pytest's exit code; "no tests collected" (5) counts as failure.
set -euo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

# Xvfb is the virtual X server pytest-xvfb starts (with GLX, drawn by Mesa's
# software renderer). xauth is not needed by pytest-xvfb (xvfb_xauth is off)
# but xvfb-run needs it, handy for screenshots of the app without a display.
# ffmpeg: the MP4 export writes its video through the ffmpeg program.
apt_install_missing xvfb xauth ffmpeg "${QT_RUNTIME_DEBS[@]}"
ensure_venv
pip_install_editable ".[test]"

cd "$REPO_ROOT"
log "ruff check ."
"$VENV_DIR/bin/ruff" check .

log "python -m pytest $*"
status=0
"$VENV_PYTHON" -m pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests; treating that as a failure" >&2
fi
exit "$status"
