# mcu_board.cmake - shared build of an MCU board: the firmware library (with the board's CPU
# flags, at -Os by default) and the sensor_node example image (.elf, .bin, .map).
#   include(../mcu-common/mcu_board.cmake)
#   tern_mcu_board(LINKER_SCRIPT <file.ld> IRQS <n> SOURCES board.c ...)
# Boards select their toolchain file by themselves when none is given:
#   cmake -S boards/<board> -B build/<board>
set(TERN_MCU_COMMON_DIR ${CMAKE_CURRENT_LIST_DIR})
set(TERN_ROOT_DIR ${CMAKE_CURRENT_LIST_DIR}/../..)

function(tern_mcu_board)
  cmake_parse_arguments(A "" "LINKER_SCRIPT;IRQS" "SOURCES;DEFINITIONS" ${ARGN})
  add_subdirectory(${TERN_ROOT_DIR}/firmware firmware)
  add_executable(sensor_node
                 ${TERN_MCU_COMMON_DIR}/startup_cortexm.c ${TERN_MCU_COMMON_DIR}/sensor_node.c
                 ${TERN_MCU_COMMON_DIR}/systick.c ${TERN_MCU_COMMON_DIR}/stub_transport.c
                 ${A_SOURCES})
  set_target_properties(sensor_node PROPERTIES SUFFIX .elf C_STANDARD 99 C_EXTENSIONS ON)
  target_compile_options(sensor_node PRIVATE -Wall -Wextra -Werror)
  target_compile_definitions(sensor_node PRIVATE TERN_BOARD_IRQS=${A_IRQS} ${A_DEFINITIONS})
  target_include_directories(sensor_node PRIVATE ${TERN_MCU_COMMON_DIR})
  target_link_libraries(sensor_node PRIVATE tern_fw)
  target_link_options(sensor_node PRIVATE -T${CMAKE_CURRENT_SOURCE_DIR}/${A_LINKER_SCRIPT}
                      -L${TERN_MCU_COMMON_DIR} -Wl,-Map=$<TARGET_FILE_DIR:sensor_node>/sensor_node.map)
  set_property(TARGET sensor_node APPEND PROPERTY LINK_DEPENDS
               ${CMAKE_CURRENT_SOURCE_DIR}/${A_LINKER_SCRIPT} ${TERN_MCU_COMMON_DIR}/sections.ld)
  add_custom_command(TARGET sensor_node POST_BUILD
                     COMMAND ${TERN_ARM_OBJCOPY} -O binary $<TARGET_FILE:sensor_node>
                             $<TARGET_FILE_DIR:sensor_node>/sensor_node.bin
                     COMMAND ${TERN_ARM_SIZE} $<TARGET_FILE:sensor_node>
                     VERBATIM)
endfunction()
