# cmake -DACC=... -DDIR=... -DNAME=... -DOUT=... -P AccRunWarn.cmake
# A warning test: `acc NAME.ac -o OUT` run in DIR must succeed, write OUT,
# and print exactly DIR/NAME.expected on stderr; with -Werror the same
# input must fail and leave no OUT.
file(REMOVE "${OUT}")
execute_process(COMMAND ${ACC} ${NAME}.ac -o ${OUT} WORKING_DIRECTORY ${DIR}
                ERROR_VARIABLE err RESULT_VARIABLE rc)
file(READ "${DIR}/${NAME}.expected" want)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "acc failed on ${NAME}.ac (warnings must not fail):\n${err}")
endif()
if(NOT EXISTS "${OUT}")
  message(FATAL_ERROR "acc wrote no ${OUT}")
endif()
if(NOT err STREQUAL want)
  message(FATAL_ERROR "warnings differ from ${NAME}.expected\nexpected:\n${want}\ngot:\n${err}")
endif()
file(REMOVE "${OUT}")
execute_process(COMMAND ${ACC} -Werror ${NAME}.ac -o ${OUT} WORKING_DIRECTORY ${DIR}
                ERROR_QUIET RESULT_VARIABLE rc)
if(rc EQUAL 0 OR EXISTS "${OUT}")
  message(FATAL_ERROR "acc -Werror accepted ${NAME}.ac or wrote ${OUT}")
endif()
message(STATUS "warnings match ${NAME}.expected")
