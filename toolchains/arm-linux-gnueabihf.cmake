# Cross toolchain for 32-bit ARM Linux gateways with hardware floating point: Debian armhf (ARMv7-A,
# VFPv3-D16, Thumb-2 by default) — Raspberry Pi Zero 2 W or Pi 2/3 on a 32-bit OS, any armhf board.
#   cmake -S . -B build/x --toolchain toolchains/arm-linux-gnueabihf.cmake   (or a board preset)
#
# Compiler: Debian's cross GCC (g++-arm-linux-gnueabihf). Target libraries: Debian multiarch
# packages (liblmdb-dev:armhf, libmbedtls-dev:armhf; libgtest-dev:armhf for the tests) installed
# after `dpkg --add-architecture armhf`; qemu-arm runs target programs and needs libc6:armhf,
# libstdc++6:armhf and liblmdb0:armhf. See aarch64-linux-gnu.cmake for how the pieces fit.
#
# 32-bit: size_t and pointers are 32 bits and a process has about 3 GiB of address space, all of
# LMDB's map included, so lmdb.map.size must stay well below that (the hub's 32-bit default is
# 1 GiB; the armhf boards ship a server.properties with a matching map size and retention).
# Raspbian/Raspberry Pi OS "armhf" targets ARMv6 (Pi 1, Zero): these binaries need ARMv7 or later.
#
# Boards add CPU flags on top of this file: boards/<board>/toolchain.cmake.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(TERN_CROSS_TRIPLE arm-linux-gnueabihf)
set(TERN_QEMU qemu-arm)
# CPU flags: a board sets TERN_BOARD_CPU_FLAGS before including this file; none = Debian's baseline.
# -Wno-psabi: GCC notes on every std::map iterator that the AAPCS passing of such structs changed
# in GCC 7.1; it only matters when linking against code built by GCC < 7, which Debian has not.
set(CMAKE_C_FLAGS_INIT "${TERN_BOARD_CPU_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${TERN_BOARD_CPU_FLAGS} -Wno-psabi")

# ---- Identical in toolchains/aarch64-linux-gnu.cmake and toolchains/arm-linux-gnueabihf.cmake
# from here on: keep the two copies the same. ----------------------------------------------------
set(CMAKE_C_COMPILER ${TERN_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${TERN_CROSS_TRIPLE}-g++)

# Debian multiarch: target libraries and CMake package files live in /usr/lib/<triple>; only that
# directory (never the host's /usr/lib/x86_64-linux-gnu) is searched for libraries and packages.
set(CMAKE_LIBRARY_ARCHITECTURE ${TERN_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
# pkg-config sees the target's .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${TERN_CROSS_TRIPLE}/pkgconfig:/usr/share/pkgconfig")

# Run target programs (GoogleTest discovery, ctest) under qemu-user when it is installed.
find_program(TERN_QEMU_EXECUTABLE ${TERN_QEMU})
if(TERN_QEMU_EXECUTABLE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TERN_QEMU_EXECUTABLE})
endif()
