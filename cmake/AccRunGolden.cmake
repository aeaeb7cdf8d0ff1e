# cmake -DPROGRAM=... -DEXPECTED=... [-DARGS=...] -P AccRunGolden.cmake
# Runs PROGRAM, requires exit status 0 and stdout equal to the EXPECTED file.
execute_process(COMMAND ${PROGRAM} ${ARGS}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
file(READ "${EXPECTED}" want)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
if(NOT out STREQUAL want)
  string(REPLACE "\n" "\n  | " got_shown "${out}")
  string(REPLACE "\n" "\n  | " want_shown "${want}")
  message(FATAL_ERROR "stdout differs from ${EXPECTED}\nexpected:\n  | ${want_shown}\ngot:\n  | ${got_shown}\nstderr:\n${err}")
endif()
message(STATUS "output matches ${EXPECTED}")
