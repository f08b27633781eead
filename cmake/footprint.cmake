# Footprint (issue 13): the hub ships to Pis with SD cards, so code size is a budget
# (tests/footprint/budget.toml). These flags apply to every optimised build type, the presets' and a
# plain `cmake -DCMAKE_BUILD_TYPE=Release` alike; a Debug build (the ASan tree) keeps its plain
# layout for debugging.
include(CheckCXXSourceCompiles)
set(_tern_optimised "$<NOT:$<CONFIG:Debug>>")

# Section GC: each function and object gets its own section and the linker drops every section
# nothing reaches (unused Asio, cxxopts and codec paths). Costs no measurable build time.
add_compile_options("$<${_tern_optimised}:-ffunction-sections;-fdata-sections>")
add_link_options("$<${_tern_optimised}:LINKER:--gc-sections>")

# Identical code folding: template instances that compile to the same bytes (std::vector<T>
# members for same-sized trivial T, shared_ptr control blocks, destructors, ...) are kept once.
# Only gold and lld do it; gold ships in binutils (and binutils-<triple> for the cross builds), so
# it is used when present and the build links with the default linker otherwise. `safe` folds
# only functions whose address is never taken, so code comparing function pointers (std::any's
# managers, Asio's type erasure) keeps its meaning; `all` would save a little more.
set(CMAKE_REQUIRED_LINK_OPTIONS -fuse-ld=gold -Wl,--icf=safe)
check_cxx_source_compiles("int main() { return 0; }" TERN_LINKER_ICF)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(TERN_LINKER_ICF)
  add_link_options("$<${_tern_optimised}:-fuse-ld=gold;LINKER:--icf=safe>")
endif()

# tern_cold(<target>): a module off the data path (CLI, cluster control, admin) is optimised for
# size. The hot path (common/ codecs, storage, net, the Kafka handlers, TLS records) keeps the
# build type's -O2. Compile options follow CMAKE_CXX_FLAGS_<CONFIG> on the command line, so -Os
# wins over it.
function(tern_cold target)
  target_compile_options(${target} PRIVATE "$<${_tern_optimised}:-Os>")
endfunction()
