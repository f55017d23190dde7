#!/usr/bin/env bash
# Mallette — set-up in one command.
#   ./setup.sh demo   installs what the station needs and starts the demo (simulated kit)
#   ./setup.sh test   installs what the tests need (peers included) and runs the whole suite
#   ./setup.sh install   installs the station only
# Works on a fresh Debian 12 / Ubuntu 22.04+ machine (root or sudo). Extra arguments go to
# `mallette demo` or to pytest.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
MODE=${1:-demo}
shift || true

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

# What the station needs to run, and what the tests' real peers need.
APT_RUN=(python3-venv python3-pip locales fonts-dejavu-core fonts-noto-color-emoji
         prusa-slicer)
# Node.js and npm: Debian's packages unless the machine already has them (NodeSource's
# nodejs bundles npm and conflicts with Debian's npm package).
command -v node >/dev/null 2>&1 || APT_RUN+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_RUN+=(npm)
command -v python3 >/dev/null 2>&1 || APT_RUN+=(python3)
APT_TEST=(chromium postgresql aseba firmware-microbit-micropython qemu-system-arm binutils
          procps util-linux)

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "==> apt: ${missing[*]}"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

ensure_locales() {
  # The Aseba compiler aborts without en_US.UTF-8; French for the station's own messages.
  local need=0
  for loc in en_US.UTF-8 fr_FR.UTF-8; do
    locale -a 2>/dev/null | grep -qi "^${loc/UTF-8/utf8}$" || need=1
  done
  if [ $need -eq 1 ]; then
    echo "==> locales"
    $SUDO sed -i -E 's/^# *(en_US.UTF-8 UTF-8)/\1/; s/^# *(fr_FR.UTF-8 UTF-8)/\1/' /etc/locale.gen
    $SUDO locale-gen >/dev/null
  fi
}

python_env() {
  local extra=$1
  local py=${PYTHON:-python3}
  if [ ! -x .venv/bin/python ]; then
    echo "==> Python venv (.venv)"
    "$py" -m venv .venv
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  echo "==> Python packages"
  .venv/bin/python -m pip install -q -e ".${extra}"
}

npm_packages() {
  echo "==> npm packages (web/)"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
}

case "$MODE" in
  install|demo)
    apt_install "${APT_RUN[@]}"
    ensure_locales
    python_env ""
    npm_packages
    if [ "$MODE" = demo ]; then
      exec .venv/bin/mallette demo "$@"
    fi
    ;;
  test)
    apt_install "${APT_RUN[@]}" "${APT_TEST[@]}"
    ensure_locales
    python_env "[test]"
    npm_packages
    if [ -f printers/install_octoprint.sh ]; then
      bash printers/install_octoprint.sh
    fi
    echo "==> tests"
    export LANG=C.UTF-8
    if [ $# -gt 0 ]; then
      exec .venv/bin/python -m pytest "$@"
    fi
    # why: the robot tests drive ptys, QEMU boards, emulated boards and BLE stacks in
    # threads; an intermittent fault there (a file descriptor closed or written after its
    # owner let it go) has broken SQLite and thread start-up in later tests of the same
    # process. They run in a process of their own until it is found.
    robots=0
    rest=0
    .venv/bin/python -m pytest tests/drivers || robots=$?
    .venv/bin/python -m pytest --ignore=tests/drivers || rest=$?
    if [ "$robots" -ne 0 ]; then exit "$robots"; fi
    exit "$rest"
    ;;
  *)
    echo "usage: ./setup.sh demo|test|install [args]" >&2
    exit 64
    ;;
esac
