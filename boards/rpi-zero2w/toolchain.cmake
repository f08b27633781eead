# Board: Raspberry Pi Zero 2 W (RP3A0: 4x Cortex-A53, 512 MB RAM), also Pi 3, on a 32-bit OS
# (Raspberry Pi OS armhf or Debian armhf). The A53 runs AArch32 with NEON and ARMv8 floating point.
# `cmake --preset rpi-zero2w` uses this file as its toolchain: toolchains/arm-linux-gnueabihf.cmake
# plus the CPU flags below. The board's default configuration is ./server.properties (sized for
# 512 MB of RAM, a 32-bit address space and a small SD card); its .deb installs it as
# /etc/tern/server.properties.
set(TERN_BOARD rpi-zero2w)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "-mcpu=cortex-a53 -mfpu=neon-fp-armv8 -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/arm-linux-gnueabihf.cmake)
