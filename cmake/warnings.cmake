# Warnings are errors on our own code only; third-party headers come in as SYSTEM.
function(tern_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor
                                           -Wno-missing-field-initializers)
endfunction()
