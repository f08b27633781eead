# Cross toolchain for bare-metal ARM Cortex-M microcontrollers: the firmware/ library and the
# example images of the MCU boards (boards/rp2040, boards/stm32f4, boards/nrf9160).
#   cmake -S boards/stm32f4 -B build/stm32f4 --toolchain boards/stm32f4/toolchain.cmake
# (each MCU board's CMakeLists.txt also picks its toolchain.cmake by itself).
#
# Compiler: Debian's gcc-arm-none-eabi with libnewlib-arm-none-eabi (newlib-nano supplies
# memcpy/memset/strlen; nothing else of the C library is used). No operating system: programs are
# linked with the board's linker script and startup code, --specs=nano.specs and nosys.specs.
# CMake's compiler checks build static libraries only (they cannot link without a board).
#
# Boards set TERN_BOARD_CPU_FLAGS (e.g. "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard
# -mfpu=fpv4-sp-d16") before including this file: boards/<board>/toolchain.cmake.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(TERN_CROSS_TRIPLE arm-none-eabi)

set(CMAKE_C_COMPILER ${TERN_CROSS_TRIPLE}-gcc)
set(CMAKE_ASM_COMPILER ${TERN_CROSS_TRIPLE}-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Separate sections let the linker drop what an image does not call; object sizes (the size
# report of the library) are unaffected.
set(CMAKE_C_FLAGS_INIT "${TERN_BOARD_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${TERN_BOARD_CPU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "${TERN_BOARD_CPU_FLAGS} -nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

# Host programs (size, objcopy) come from the host; never search the host for target libraries.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
find_program(TERN_ARM_SIZE ${TERN_CROSS_TRIPLE}-size)
find_program(TERN_ARM_OBJCOPY ${TERN_CROSS_TRIPLE}-objcopy)
