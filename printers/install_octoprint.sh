#!/usr/bin/env bash
# Install the real OctoPrint server in a virtual environment of its own.
#
# OctoPrint pins Flask<3.1, Werkzeug<3.1 and Click<8.3, which would pin the
# station too: it therefore never shares the station's environment.
# Usage: printers/install_octoprint.sh            (venv in <repo>/.octoprint-venv)
#        OCTOPRINT_VENV=/opt/octoprint printers/install_octoprint.sh
set -euo pipefail

OCTOPRINT_VERSION="1.11.8"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${OCTOPRINT_VENV:-$repo_root/.octoprint-venv}"
python="${OCTOPRINT_PYTHON:-python3}"

if [ -x "$venv/bin/octoprint" ] \
   && "$venv/bin/python" -c "import octoprint, sys; sys.exit(octoprint.__version__ != '$OCTOPRINT_VERSION')" 2>/dev/null; then
    echo "OctoPrint $OCTOPRINT_VERSION already installed in $venv"
    exit 0
fi

"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "OctoPrint==$OCTOPRINT_VERSION"
"$venv/bin/octoprint" --version
echo "OctoPrint $OCTOPRINT_VERSION installed in $venv"
