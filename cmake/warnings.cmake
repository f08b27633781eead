# Warnings on our own code only (errors with TERN_WERROR); third-party headers come in as SYSTEM.
function(tern_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wnon-virtual-dtor
                                           -Wno-missing-field-initializers)
  if(TERN_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
