# tern_python_test(<label> <name> <file> <timeout_s> [ENV k=v ...])
# Registers <file> (a Python unittest script) as CTest test <label>.<name> with TERN_BIN pointing
# at the built hub and PYTHONPATH at tests/lib. Included once per directory (find_package
# results are directory-scoped).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
set(TERN_TEST_LIB_DIR ${CMAKE_CURRENT_LIST_DIR})

function(tern_python_test label name file timeout)
  cmake_parse_arguments(ARG "" "" "ENV" ${ARGN})
  set(env "TERN_BIN=$<TARGET_FILE:tern>" "PYTHONPATH=${TERN_TEST_LIB_DIR}"
          "PYTHONDONTWRITEBYTECODE=1" ${ARG_ENV})
  add_test(NAME ${label}.${name}
           COMMAND ${Python3_EXECUTABLE} -u ${file}
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(${label}.${name} PROPERTIES ENVIRONMENT "${env}" LABELS ${label}
                                                   TIMEOUT ${timeout})
endfunction()
