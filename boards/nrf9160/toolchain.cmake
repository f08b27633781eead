# Board: Nordic nRF9160 (Cortex-M33 with TrustZone and FPU, LTE-M/NB-IoT modem; 1 MiB flash,
# 256 KiB RAM), e.g. the nRF9160 DK. toolchains/arm-none-eabi.cmake plus the CPU flags below.
set(TERN_BOARD nrf9160)
set(TERN_BOARD_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_BOARD_CPU_FLAGS "-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16")
include(${CMAKE_CURRENT_LIST_DIR}/../../toolchains/arm-none-eabi.cmake)
