# Release artefacts (DESIGN §9): a stripped binary and a Debian package per architecture.
#
#   <build>/dist/tern   `tern` stripped of symbols (target tern_stripped, part of `all`): what you
#                       copy to a board. <build>/hub/tern keeps its symbols for debugging.
#   tern_<version>-1[+<board>]_<arch>.deb   from `cpack --preset <board>` (or `cpack -G DEB` in a
#                       build tree):
#       /usr/bin/tern                      stripped
#       /etc/tern/server.properties        conffile: boards/<board>/server.properties for a board
#                                          build, else boards/generic-<arch>/ or packaging/
#       /lib/systemd/system/tern.service   hardened unit (packaging/tern.service)
#       /usr/share/doc/tern/README.md
#     The maintainer scripts (packaging/debian/) create the `tern` system user and /var/lib/tern,
#     enable/start the unit where systemd runs, and on purge remove data, user and group.
#     Depends: adduser (for the scripts) plus what dpkg-shlibdeps derives from the libraries tern
#     links (libc6, libgcc-s1, libstdc++6, liblmdb0, and the codecs zlib1g, libsnappy1v5,
#     liblz4-1, libzstd1 — the target architecture's, for a cross
#     build, read from the installed multiarch packages).
#
# Everything installs as component `hub`; the files outside the prefix (/etc, /lib/systemd) only
# with that component (CPack asks for it), so a plain `cmake --install` copies just bin/tern.

# Debian architecture of the target, from the multiarch triple the compiler reports.
set(_tern_deb_arch_x86_64-linux-gnu amd64)
set(_tern_deb_arch_aarch64-linux-gnu arm64)
set(_tern_deb_arch_arm-linux-gnueabihf armhf)
set(_tern_deb_arch_i386-linux-gnu i386)
set(_tern_deb_arch_riscv64-linux-gnu riscv64)
set(TERN_DEB_ARCH "${_tern_deb_arch_${CMAKE_LIBRARY_ARCHITECTURE}}")
if(NOT TERN_DEB_ARCH AND NOT CMAKE_CROSSCOMPILING)
  execute_process(COMMAND dpkg --print-architecture OUTPUT_VARIABLE TERN_DEB_ARCH
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()

# The default configuration the package installs (a board's own, else the architecture's).
if(DEFINED TERN_BOARD_DIR AND EXISTS "${TERN_BOARD_DIR}/server.properties")
  set(_tern_config "${TERN_BOARD_DIR}/server.properties")
elseif(TERN_DEB_ARCH STREQUAL "arm64")
  set(_tern_config "${PROJECT_SOURCE_DIR}/boards/generic-aarch64/server.properties")
elseif(TERN_DEB_ARCH STREQUAL "armhf")
  set(_tern_config "${PROJECT_SOURCE_DIR}/boards/generic-armhf/server.properties")
else()
  set(_tern_config "${PROJECT_SOURCE_DIR}/packaging/server.properties")
endif()
set(TERN_PACKAGE_CONFIG "${_tern_config}" CACHE FILEPATH
    "server.properties the .deb installs as /etc/tern/server.properties")

# ---- stripped binary ----------------------------------------------------------------------------
if(CMAKE_STRIP)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/dist/tern
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/dist
                     COMMAND ${CMAKE_STRIP} --strip-all -o ${CMAKE_BINARY_DIR}/dist/tern
                             $<TARGET_FILE:tern>
                     DEPENDS tern
                     COMMENT "Stripping tern -> dist/tern"
                     VERBATIM)
  add_custom_target(tern_stripped ALL DEPENDS ${CMAKE_BINARY_DIR}/dist/tern)
endif()

# ---- install rules (component hub) -------------------------------------------------------------
install(TARGETS tern RUNTIME DESTINATION bin COMPONENT hub)
install(FILES ${TERN_PACKAGE_CONFIG} DESTINATION /etc/tern RENAME server.properties
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ COMPONENT hub EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/tern.service DESTINATION /lib/systemd/system
        COMPONENT hub EXCLUDE_FROM_ALL)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/tern
        COMPONENT hub EXCLUDE_FROM_ALL)

# ---- CPack: DEB ---------------------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tern)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Tern")
set(CPACK_PACKAGE_CONTACT "Tern maintainers <tern@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "edge message hub that speaks the Kafka protocol")
set(CPACK_PACKAGE_DESCRIPTION
    "Tern is a single-binary message hub for gateways: it stores topics in LMDB and speaks the\n"
    "Kafka wire protocol, so unmodified Kafka clients (kcat, librdkafka, the Java client) can\n"
    "produce to and consume from it. The package runs it as the systemd service tern.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# Only our component: whatever else the tree may install (tests, firmware) stays out.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};tern;hub;/")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tern_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${TERN_DEB_ARCH})
# Debian revision 1; a board build says which board its defaults are for: 1+rpi4, 1+rpizero2w
# (a revision allows no '-'; 1+rpi4 sorts after 1, so a board package upgrades a generic one).
if(DEFINED TERN_BOARD AND NOT TERN_BOARD MATCHES "^generic-")
  string(REPLACE "-" "" _tern_board_tag "${TERN_BOARD}")
  set(CPACK_DEBIAN_PACKAGE_RELEASE "1+${_tern_board_tag}")
else()
  set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
endif()
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/dist)
# Read by cpack at packaging time: makes dpkg-shlibdeps resolve the target architecture's
# libraries (and use its objdump) in a cross build.
set(TERN_CPACK_TARGET_TRIPLE "${CMAKE_LIBRARY_ARCHITECTURE}")
configure_file(${PROJECT_SOURCE_DIR}/packaging/cpack_project_config.cmake.in
               ${CMAKE_BINARY_DIR}/CPackProjectConfig.cmake @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/CPackProjectConfig.cmake)
include(CPack)
