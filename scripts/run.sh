#!/usr/bin/env bash
# The one "install and launch" command:
#
#   bash scripts/run.sh [optiscope arguments...]
#
# Installs the Debian libraries Qt needs to open windows on an X11 desktop
# (only those missing; sudo if not root), creates or reuses .venv, installs
# Optiscope into it with `pip install -e .` and starts it.
set -euo pipefail

# shellcheck source=scripts/_common.sh
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

apt_install_missing "${QT_RUNTIME_DEBS[@]}"
ensure_venv
pip_install_editable "."

exec "$VENV_DIR/bin/optiscope" "$@"
