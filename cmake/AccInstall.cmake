# AccInstall.cmake - install acc, libac and a CMake package so that another
# project can do
#
#   find_package(acc REQUIRED)
#   ac_add_executable(hello hello.ac)
#
# Installed layout (under CMAKE_INSTALL_PREFIX):
#   bin/acc
#   lib/libac.a, lib/libac.so*            (runtime/ installs include/ac.h and
#                                           lib/pkgconfig/libac.pc itself)
#   lib/cmake/acc/accConfig.cmake         imported targets acc::acc (the
#   lib/cmake/acc/accConfigVersion.cmake  transpiler), acc::ac (static
#   lib/cmake/acc/accTargets*.cmake       runtime), acc::ac_shared, and the
#   lib/cmake/acc/AccFunctions.cmake      ac_add_executable() & co.

include(CMakePackageConfigHelpers)

set(ACC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/acc"
    CACHE STRING "Where to install acc's CMake package files (relative to the prefix)")
mark_as_advanced(ACC_INSTALL_CMAKEDIR)

install(TARGETS acc RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

set(_acc_runtime_targets ac_static)
if(TARGET ac_shared)
  list(APPEND _acc_runtime_targets ac_shared)
endif()
install(TARGETS ${_acc_runtime_targets}
  EXPORT accTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(EXPORT accTargets
  NAMESPACE acc::
  DESTINATION "${ACC_INSTALL_CMAKEDIR}")

configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/accConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/accConfig.cmake"
  INSTALL_DESTINATION "${ACC_INSTALL_CMAKEDIR}"
  PATH_VARS CMAKE_INSTALL_BINDIR)
# 0.x: a minor release may break the language or the runtime ABI.
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/accConfigVersion.cmake"
  VERSION "${PROJECT_VERSION}"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/accConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/accConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/AccFunctions.cmake"
  DESTINATION "${ACC_INSTALL_CMAKEDIR}")
unset(_acc_runtime_targets)
