# Cross toolchain for 64-bit ARM Linux gateways (Raspberry Pi 4/5 on a 64-bit OS, any arm64 board).
#   cmake -S . -B build/x --toolchain toolchains/aarch64-linux-gnu.cmake   (or a board preset)
#
# Compiler: Debian's cross GCC (g++-aarch64-linux-gnu). Target libraries: Debian multiarch packages
# of the target architecture (liblmdb-dev:arm64, libmbedtls-dev:arm64; libgtest-dev:arm64 for the
# tests) installed on the build machine after `dpkg --add-architecture arm64`. They land in
# /usr/lib/aarch64-linux-gnu and /usr/include, which the Debian cross compiler already searches, so
# no separate sysroot is needed; arch-independent header-only libraries (asio, cxxopts) come from
# /usr/include. Because the libraries are Debian's own, the binary runs against the same sonames on
# Debian or Raspberry Pi OS (bookworm), and dpkg-shlibdeps computes the .deb's dependencies from
# them.
#
# Target programs run on the build machine through qemu-user (CMAKE_CROSSCOMPILING_EMULATOR), so
# GoogleTest discovery and `ctest` work in a cross build tree. qemu needs the target's runtime
# libraries installed the same way (libc6:arm64, libstdc++6:arm64, liblmdb0:arm64).
#
# Boards add CPU flags on top of this file: boards/<board>/toolchain.cmake.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(TERN_CROSS_TRIPLE aarch64-linux-gnu)
set(TERN_QEMU qemu-aarch64)
# CPU flags: a board sets TERN_BOARD_CPU_FLAGS before including this file; none = Debian's baseline.
set(CMAKE_C_FLAGS_INIT "${TERN_BOARD_CPU_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${TERN_BOARD_CPU_FLAGS}")

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
