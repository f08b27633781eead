# Board: Raspberry Pi 4 / 400 / CM4 (BCM2711: 4x Cortex-A72, no AES/SHA instructions, 1-8 GB RAM)
# on a 64-bit OS (Raspberry Pi OS arm64 or Debian arm64).
# `cmake --preset rpi4` uses this file as its toolchain: toolchains/aarch64-linux-gnu.cmake plus the
# CPU flags below. The board's default configuration is ./server.properties; its .deb installs it
# as /etc/tern/server.properties.
set(TERN_BOARD rpi4)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "-mcpu=cortex-a72")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/aarch64-linux-gnu.cmake)
