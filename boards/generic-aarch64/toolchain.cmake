# Board: any 64-bit ARM Linux machine at Debian's arm64 baseline (ARMv8-A): Pi 3/4/5 on a 64-bit
# OS, Rock/Orange Pi, Jetson, i.MX8, ... This is the build behind the arm64 .deb.
# `cmake --preset generic-aarch64` uses this file as its toolchain: toolchains/aarch64-linux-gnu.cmake
# with no extra CPU flags. The default configuration is ./server.properties; the .deb installs it
# as /etc/tern/server.properties.
set(TERN_BOARD generic-aarch64)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/aarch64-linux-gnu.cmake)
