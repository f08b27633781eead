# Board: any 32-bit ARM Linux machine at Debian's armhf baseline (ARMv7-A, VFPv3-D16, Thumb-2):
# Pi 2/3/Zero 2 W on a 32-bit OS, BeagleBone, i.MX6/7, ... This is the build behind the armhf .deb.
# `cmake --preset generic-armhf` uses this file as its toolchain:
# toolchains/arm-linux-gnueabihf.cmake with no extra CPU flags. The default configuration is
# ./server.properties (32-bit map size); the .deb installs it as /etc/tern/server.properties.
set(TERN_BOARD generic-armhf)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/arm-linux-gnueabihf.cmake)
