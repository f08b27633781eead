# Board: Raspberry Pi RP2040 (dual Cortex-M0+, no FPU; external QSPI flash, 264 KiB SRAM), e.g.
# the Pico W. toolchains/arm-none-eabi.cmake plus the CPU flags below.
set(TERN_BOARD rp2040)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/arm-none-eabi.cmake)
