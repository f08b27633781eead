#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (what CI runs). Safe to run again.
# Unit tests run twice: in the ASan+UBSan build and in the optimised build; integration and
# compatibility tests (real tern processes, kcat, librdkafka, kafkajs) run on the optimised build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh --test
cmake --preset asan >/dev/null
cmake --build --preset asan --target unit_tests
cmake --preset release -DTERN_ASAN_BUILD_DIR="$PWD/build/asan" >/dev/null
cmake --build --preset release
ctest --preset release
