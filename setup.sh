#!/usr/bin/env bash
# Installs what relumc needs to build, test and plot, with apt-get, only when something is missing.
# Debian packages only; nothing is downloaded at build or run time.
#   ./setup.sh                 the build, test and plot packages
#   ./setup.sh PKG ...         those and PKG ... (bench/compare_cpu.sh adds the peers' packages)
set -euo pipefail
packages=(build-essential cmake pkg-config libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
          nlohmann-json3-dev libfmt-dev librandom123-dev libhwy-dev libopenmpi-dev openmpi-bin
          python3 python3-numpy python3-matplotlib python3-jsonschema python3-venv python3-dev
          clang libclang-rt-14-dev
          "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
