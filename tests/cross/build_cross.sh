#!/usr/bin/env bash
# build_cross.sh <source dir> <board> <tree> <plain|fast>: configure and build a cross tree for the
# cross tests: the hub (and its stripped copy, dist/tern, which footprint.<arch> measures) and the
# GoogleTest binaries only. The tree is kept between runs: later runs are incremental.
#   plain  configured the way users and packagers do, `-DCMAKE_BUILD_TYPE=Release` with the
#          project's own flags (-O2, size flags, assertions on, no -Werror) and the toolchain file;
#          the build must print no warning (checked here, since -Werror is not on). CI builds one
#          architecture this way, so a plain build cannot rot unseen.
#   fast   -O1 (assertions on): quicker to compile, fast enough under qemu.
set -euo pipefail
src=$1 board=$2 tree=$3 mode=$4

launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
# Configuring an existing tree again takes a few seconds and keeps its settings in step with
# this script. CMAKE_SKIP_INSTALL_ALL_DEPENDENCY: cpack in this tree (cross.deb.*) installs tern
# without first building every other target. TERN_FW_CONFIG_FILE: a Linux gateway is a POSIX
# host for the firmware library, so its unit tests get the posix board's configuration (a cross
# build otherwise means a microcontroller to firmware/CMakeLists.txt).
case "$mode" in
  # -U: a tree first configured in fast mode gets the project's defaults back.
  plain) flags=(-UCMAKE_CXX_FLAGS_RELEASE -UCMAKE_C_FLAGS_RELEASE -UTERN_WERROR) ;;
  fast) flags=(-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DCMAKE_C_FLAGS_RELEASE=-O1) ;;
  *) echo "build_cross.sh: mode must be plain or fast, not '$mode'" >&2; exit 2 ;;
esac
mkdir -p "$tree/.cmake/api/v1/query" && touch "$tree/.cmake/api/v1/query/codemodel-v2"
cmake -S "$src" -B "$tree" -G "Unix Makefiles" "${launcher[@]}" \
      -DCMAKE_TOOLCHAIN_FILE="$src/boards/$board/toolchain.cmake" \
      -DCMAKE_BUILD_TYPE=Release "${flags[@]}" \
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
log="$tree/build_cross.log"
cmake --build "$tree" -j "$(nproc)" --target tern tern_stripped "${units[@]}" 2>&1 | tee "$log"
if [ "$mode" = plain ] && grep -q "warning:" "$log"; then
  echo "the plain build printed warnings (above): a packager's build must be warning-free" >&2
  cmake --build "$tree" --target clean  # so the next run compiles (and checks) everything again
  exit 1
fi
