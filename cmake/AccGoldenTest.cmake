# ac_add_golden_test(<name> <target> <expected-file>)
# A test that runs <target>'s program under the virtual clock and compares
# its stdout with <expected-file> (cmake/AccRunGolden.cmake).
function(ac_add_golden_test name target expected)
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${target}>
                   -DEXPECTED=${expected}
                   -P ${PROJECT_SOURCE_DIR}/cmake/AccRunGolden.cmake)
  # A timeout, so that a program that never ends fails instead of hanging.
  set_tests_properties(${name} PROPERTIES ENVIRONMENT AC_VIRTUAL_CLOCK=1
                       TIMEOUT 120)
endfunction()
