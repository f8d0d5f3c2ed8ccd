# dsalloc_add_kill_table(NAME CHECKER TIMEOUT)
#
# Adds ctest NAME: tools/kill_table.py runs the executable target CHECKER
# against the embedded dsalloc (it must pass) and then against every broken
# variant in ${CMAKE_BINARY_DIR}/variants; it fails if any variant survives.
# Label killtable; RUN_SERIAL, since the script itself runs two checkers at
# a time. Sanitizer builds do not register it: the variants are the same in
# every build, so the release build checks them once, several times faster.
function(dsalloc_add_kill_table name checker timeout)
  if(NOT DSALLOC_SANITIZE STREQUAL "")
    return()
  endif()
  add_test(NAME ${name}
           COMMAND Python3::Interpreter ${PROJECT_SOURCE_DIR}/tools/kill_table.py
                   --variants-dir ${CMAKE_BINARY_DIR}/variants
                   --variants "${DSALLOC_VARIANTS}"
                   -- $<TARGET_FILE:${checker}>)
  set_tests_properties(${name} PROPERTIES TIMEOUT ${timeout} LABELS killtable
                       RUN_SERIAL TRUE)
endfunction()
