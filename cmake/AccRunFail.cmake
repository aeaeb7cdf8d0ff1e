# cmake -DACC=... -DDIR=... -DNAME=... -DOUT=... -P AccRunFail.cmake
# A "must fail" transpiler test: `acc NAME.ac -o OUT` run in DIR must exit
# non-zero, print exactly DIR/NAME.expected on stderr, and leave no OUT.
file(REMOVE "${OUT}")
execute_process(COMMAND ${ACC} ${NAME}.ac -o ${OUT} WORKING_DIRECTORY ${DIR}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
file(READ "${DIR}/${NAME}.expected" want)
if(rc EQUAL 0)
  message(FATAL_ERROR "acc accepted ${NAME}.ac; it must fail")
endif()
if(EXISTS "${OUT}")
  message(FATAL_ERROR "acc left ${OUT} behind after failing")
endif()
file(GLOB leftovers "${OUT}.tmp.*")
if(leftovers)
  message(FATAL_ERROR "acc left temporary files behind: ${leftovers}")
endif()
if(NOT err STREQUAL want)
  message(FATAL_ERROR "diagnostics differ from ${NAME}.expected\nexpected:\n${want}\ngot:\n${err}")
endif()
message(STATUS "diagnostic matches ${NAME}.expected")
