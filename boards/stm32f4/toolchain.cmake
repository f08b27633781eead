# Board: STM32F407 (Cortex-M4F, 168 MHz max, 1 MiB flash, 128 KiB SRAM + 64 KiB CCM), e.g. the
# STM32F4-Discovery. toolchains/arm-none-eabi.cmake plus the CPU flags below.
set(TERN_BOARD stm32f4)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/arm-none-eabi.cmake)
