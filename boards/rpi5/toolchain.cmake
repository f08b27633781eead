# Board: Raspberry Pi 5 / CM5 (BCM2712: 4x Cortex-A76, ARMv8.2-A with crypto extensions, 2-16 GB
# RAM) on a 64-bit OS (Raspberry Pi OS arm64 or Debian arm64).
# `cmake --preset rpi5` uses this file as its toolchain: toolchains/aarch64-linux-gnu.cmake plus the
# CPU flags below. The board's default configuration is ./server.properties; its .deb installs it
# as /etc/tern/server.properties.
set(TERN_BOARD rpi5)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "-mcpu=cortex-a76")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/aarch64-linux-gnu.cmake)
