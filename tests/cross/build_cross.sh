#!/usr/bin/env bash
# build_cross.sh <source dir> <board> <tree>: configure (once) and build a cross tree for the
# cross tests: the hub and the GoogleTest binaries only, at -O1 (assertions on), quick to
# compile and fast enough under qemu. The tree is kept between runs: later runs are incremental.
set -euo pipefail
src=$1 board=$2 tree=$3

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Configuring an existing tree again takes a few seconds and keeps its settings in step with
# this script. CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack in this tree (cross.deb.*) installs tern
# without first building every other target. TERN_FW_CONFIG_FILE: a Linux gateway is a POSIX
# host for the firmware library, so its unit tests get the posix board's configuration (a cross
# build otherwise means a microcontroller to firmware/CMakeLists.txt).
mkdir -p "$tree/.cmake/api/v1/query" && touch "$tree/.cmake/api/v1/query/codemodel-v2"
cmake -S "$src" -B "$tree" -G "Unix Makefiles" "${launcher[@]}" \
      --toolchain "$src/boards/$board/toolchain.cmake" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1 \
      -DTERN_BUILD_TESTS=ON -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON \
      -DTERN_FW_CONFIG_FILE="$src/boards/posix/tern_config_posix.h" >/dev/null
# Every GoogleTest executable the tree defines (tests/, tests/firmware/, ...), from the CMake File
# API: a unit test binary added by any module is built and later run under qemu.
mapfile -t units < <(python3 "$(dirname "$0")/gtest_targets.py" "$tree")
if [ ${#units[@]} -eq 0 ]; then
  echo "no GoogleTest executables in $tree: is libgtest-dev:<arch> installed?" >&2
  exit 1
fi
echo "building tern ${units[*]}"
cmake --build "$tree" -j "$(nproc)" --target tern "${units[@]}"
